import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import type { Config } from './config.js';
import { describeError } from './errors.js';
import { DEFAULT_EMBEDDER, createEmbedder } from './memory/embed/index.js';
import { nativeLoadError, sqliteVecLoadError } from './native.js';
import { KEY_ENV_HELP, resolveProviders } from './router/registry.js';
import { VERSION } from './version.js';

/** Node majors the test suite runs on in CI; engines allows any Node >= 20. */
const TESTED_NODE_MAJORS = [20, 22, 24];

interface Check {
  label: string;
  ok: boolean;
  text: string;
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  const abi = `NODE_MODULE_VERSION ${process.versions.modules}`;
  if (major < 20)
    return { label: 'node', ok: false, text: `${process.version} (${abi}): too old, sixfold needs Node 20 or newer` };
  const tested = TESTED_NODE_MAJORS.includes(major) ? 'tested' : `not among the tested ${TESTED_NODE_MAJORS.join(', ')}`;
  return { label: 'node', ok: true, text: `${process.version} (${abi}, ${tested}); ${process.execPath}` };
}

function platformText(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const header = report?.header;
  const libc =
    process.platform === 'linux'
      ? header?.glibcVersionRuntime
        ? `, glibc ${header.glibcVersionRuntime}`
        : ', musl or other libc'
      : '';
  return `${process.platform} ${process.arch}${libc}`;
}

/** Loads both native parts on a throwaway in-memory database; never touches the configured file. */
function nativeChecks(): Check[] {
  const pkg = createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string };
  let db: Database.Database;
  try {
    db = new Database(':memory:');
  } catch (err) {
    const e = nativeLoadError(err, 'better-sqlite3');
    return [
      { label: 'better-sqlite3', ok: false, text: `${pkg.version} does not load: ${e ? e.describe() : describeError(err)}` },
      { label: 'sqlite-vec', ok: false, text: 'not checked (needs better-sqlite3)' },
    ];
  }
  try {
    const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    const checks: Check[] = [{ label: 'better-sqlite3', ok: true, text: `${pkg.version} loads (SQLite ${sqlite})` }];
    try {
      sqliteVec.load(db);
      const vec = (db.prepare('SELECT vec_version() AS v').get() as { v: string }).v;
      checks.push({ label: 'sqlite-vec', ok: true, text: `${vec} loads (${sqliteVec.getLoadablePath()})` });
    } catch (err) {
      checks.push({ label: 'sqlite-vec', ok: false, text: `does not load: ${sqliteVecLoadError(err).describe()}` });
    }
    return checks;
  } finally {
    db.close();
  }
}

/** The embedder the config names, or undefined when it names none (then the database's own is used, use-lite for a new one). */
function configuredEmbedder(config: Config): string | undefined {
  if (!config.embedder) return undefined;
  try {
    return createEmbedder(config.embedder).id;
  } catch (err) {
    return `${config.embedder.kind} (unusable: ${describeError(err)})`;
  }
}

/** The database file as it is: read-only, so a doctor run never creates or migrates anything. */
function databaseCheck(config: Config, nativeOk: boolean): Check {
  const label = 'database';
  const configured = configuredEmbedder(config);
  const forNew = configured ?? `${DEFAULT_EMBEDDER.kind} (the default for a new database)`;
  if (config.db === ':memory:') return { label, ok: true, text: `:memory: (nothing kept on disk); embedder ${forNew}` };
  if (!existsSync(config.db))
    return { label, ok: true, text: `${config.db} (not created yet; the first start creates it with embedder ${forNew})` };
  if (!nativeOk) return { label, ok: false, text: `${config.db} (not read: better-sqlite3 does not load)` };
  let db: Database.Database | undefined;
  try {
    db = new Database(config.db, { readonly: true, fileMustExist: true });
    const meta = (key: string) =>
      (db!.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const pinned = meta('embedder_id');
    const dims = meta('embedder_dims');
    const schema = db.pragma('user_version', { simple: true });
    const memories = (db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
    const recorded = pinned ? `embedder ${pinned}${dims ? ` (${dims} dims)` : ''}` : 'no embedder recorded yet';
    const base = `${config.db} (schema ${schema}, ${memories} memories, ${recorded})`;
    if (pinned && configured && pinned !== configured) {
      return {
        label,
        ok: false,
        text: `${base}; the configured embedder is ${configured}: the server will refuse this file until you run "sixfold reembed" or configure ${pinned}`,
      };
    }
    return { label, ok: true, text: base };
  } catch (err) {
    return { label, ok: false, text: `${config.db} cannot be read as a sixfold database: ${describeError(err)}` };
  } finally {
    db?.close();
  }
}

/** Provider names only: keys and base URLs (which can carry credentials) are never printed. */
function providersCheck(config: Config): Check {
  const { providers, ollamaProbe } = resolveProviders(config);
  const names = providers.map((p) => p.name);
  if (ollamaProbe) names.push(`${ollamaProbe.name} (used if it answers at its default address)`);
  if (!names.length)
    return {
      label: 'providers',
      ok: true,
      text: `none (memory and local tools work; LLM-backed tools need one: ${KEY_ENV_HELP})`,
    };
  return { label: 'providers', ok: true, text: names.join(', ') };
}

/**
 * `sixfold doctor`: what a bug report needs, one line each. Returns the exit code: 1 when a
 * native part does not load or the database would be refused, else 0.
 */
export function runDoctor(config: Config, configFile: string | undefined, write: (line: string) => void): number {
  const native = nativeChecks();
  const checks: Check[] = [
    { label: 'sixfold', ok: true, text: VERSION },
    nodeCheck(),
    { label: 'platform', ok: true, text: platformText() },
    ...native,
    databaseCheck(config, native[0].ok),
    { label: 'config', ok: true, text: configFile ?? 'no file (defaults, environment and flags)' },
    providersCheck(config),
  ];
  const width = Math.max(...checks.map((c) => c.label.length));
  for (const c of checks) write(`${c.ok ? ' ' : '!'} ${c.label.padEnd(width)}  ${c.text}`);
  const failed = checks.filter((c) => !c.ok).map((c) => c.label);
  write(failed.length ? `! problems: ${failed.join(', ')}` : '  everything needed to serve is in place');
  return failed.length ? 1 : 0;
}
