/**
 * Classifying native-module load failures. The errors here are real ones produced in-process
 * (a garbage .node file through process.dlopen, the `bindings` package finding no build, SQLite
 * refusing a path) except the ABI mismatch, which one Node cannot produce for itself: that one
 * uses Node's own message format (src/node_binding.cc), and test/e2e/native-abi.test.ts loads a
 * real build under a different Node when CI provides one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SixfoldError } from '../../src/errors.js';
import { openDatabase } from '../../src/memory/db.js';
import { nativeLoadError, sqliteVecLoadError } from '../../src/native.js';
import { tempDir, thrown } from './helpers.js';

const require = createRequire(import.meta.url);

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

/** What Node throws when an addon built for `built` is loaded by a Node that needs `running`. */
function abiMismatch(path: string, built: number, running: number): Error {
  const err = new Error(
    `The module '${path}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION ${built}. ` +
      `This version of Node.js requires\nNODE_MODULE_VERSION ${running}. Please try re-compiling or re-installing\n` +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  );
  return Object.assign(err, { code: 'ERR_DLOPEN_FAILED' });
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('nativeLoadError', () => {
  it('an ABI mismatch names the module, both ABIs with their Node versions, and the rebuild in the install folder', () => {
    const addon = '/opt/sixfold/lib/node_modules/sixfold/node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const e = nativeLoadError(abiMismatch(addon, 115, 137), 'better-sqlite3');
    expect(e).toBeInstanceOf(SixfoldError);
    expect(e!.code).toBe('unavailable');
    expect(e!.message).toBe(
      `The native module better-sqlite3 was built for NODE_MODULE_VERSION 115 (Node 20), but this is Node ${process.version} (NODE_MODULE_VERSION 137).`,
    );
    expect(e!.hint).toBe(
      `Run "npm rebuild better-sqlite3" in /opt/sixfold/lib/node_modules/sixfold with this Node (${process.version}) first on your PATH, or reinstall sixfold under it.`,
    );
    expect(e!.describe()).not.toMatch(/--db|database/i);
  });

  it('an ABI node-abi does not know is still named by number', () => {
    const e = nativeLoadError(
      abiMismatch('/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node', 9999, 137),
      'better-sqlite3',
    );
    expect(e!.message).toContain('built for NODE_MODULE_VERSION 9999, but');
  });

  it('a Windows path still finds the install folder', () => {
    const addon =
      'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\sixfold\\node_modules\\better-sqlite3\\build\\Release\\better_sqlite3.node';
    const e = nativeLoadError(abiMismatch(addon, 127, 137), 'better-sqlite3');
    expect(e!.message).toContain('NODE_MODULE_VERSION 127 (Node 22)');
    expect(e!.hint).toContain('in C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\sixfold with');
  });

  it('a real dlopen failure (not an ELF file) names the module and the rebuild', () => {
    const release = join(dir.path, 'app', 'node_modules', 'better-sqlite3', 'build', 'Release');
    mkdirSync(release, { recursive: true });
    const addon = join(release, 'better_sqlite3.node');
    writeFileSync(addon, 'not a shared object');
    const err = caught(() => process.dlopen({ exports: {} } as NodeJS.Module, addon));
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_DLOPEN_FAILED');
    const e = nativeLoadError(err, 'better-sqlite3');
    expect(e!.message).toMatch(/^The native module better-sqlite3 failed to load: .*better_sqlite3\.node/);
    expect(e!.hint).toContain(`"npm rebuild better-sqlite3" in ${join(dir.path, 'app')} with this Node`);
  });

  it('a real "no build" error from the bindings package says the install script did not run', () => {
    const root = join(dir.path, 'node_modules', 'better-sqlite3');
    mkdirSync(root, { recursive: true });
    const bindings = require('bindings') as (o: { bindings: string; module_root: string }) => unknown;
    const err = caught(() => bindings({ bindings: 'better_sqlite3.node', module_root: root }));
    const e = nativeLoadError(err, 'better-sqlite3');
    expect(e!.message).toContain('better-sqlite3 is not built (its install script did not run');
    expect(e!.hint).toContain('--allow-scripts=better-sqlite3');
  });

  it('errors that are about the database, not the module, are left alone', () => {
    expect(
      nativeLoadError(
        caught(() => new Database(dir.path, { fileMustExist: true, readonly: true }).exec('SELECT 1')),
        'better-sqlite3',
      ),
    ).toBeUndefined();
    expect(
      nativeLoadError(
        caught(() => new Database(join(dir.path, 'missing', 'x.db'))),
        'better-sqlite3',
      ),
    ).toBeUndefined();
    expect(nativeLoadError('a string', 'better-sqlite3')).toBeUndefined();
  });

  it('openDatabase still reports an unopenable path as a --db problem', () => {
    const e = thrown(() => openDatabase(dir.path)); // a directory, not a database file
    expect(e.code).toBe('config');
    expect(e.describe()).toMatch(/Cannot open database .*Check the --db path/);
  });
});

describe('sqliteVecLoadError', () => {
  it('names the extension, the platform and what to reinstall', () => {
    const e = sqliteVecLoadError(
      new Error('Loadble extension for sqlite-vec not found. Was the sqlite-vec-linux-x64 package installed?'),
    );
    expect(e.message).toBe(
      `The SQLite extension sqlite-vec failed to load on ${process.platform}-${process.arch}: Loadble extension for sqlite-vec not found. Was the sqlite-vec-linux-x64 package installed?`,
    );
    expect(e.hint).toContain('without --omit=optional');
  });
});
