/**
 * `sixfold doctor` through the built CLI: what it reports on a fresh machine, on a database a
 * server has written, with keys configured (names only, never a key or a base URL), and the
 * problems it must flag (a database the configured embedder would be refused on, a file that is
 * not a sixfold database). It reads the database without creating or changing it.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { store } from '../helpers/mcp.js';
import { childEnv, makeTempDir, runCli, startStdioClient, type TempDir } from '../helpers/server.js';

/** The report as label -> text, from lines "  label  text" (or "! label  text" for a problem). */
function report(stdout: string): Map<string, { ok: boolean; text: string }> {
  const rows = new Map<string, { ok: boolean; text: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^([ !]) (\S+)\s+(.*)$/.exec(line);
    if (m) rows.set(m[2], { ok: m[1] === ' ', text: m[3] });
  }
  return rows;
}

describe('sixfold doctor', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir('sixfold-e2e-doctor-');
  });
  afterEach(() => tmp.remove());

  it('on a fresh machine: Node, platform, both native modules load, the database is not created, no keys', async () => {
    const r = await runCli(['doctor', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    const rows = report(r.stdout);
    expect(rows.get('node')?.text).toContain(`${process.version} (NODE_MODULE_VERSION ${process.versions.modules}`);
    expect(rows.get('platform')?.text).toMatch(new RegExp(`^${process.platform} ${process.arch}`));
    expect(rows.get('better-sqlite3')).toMatchObject({
      ok: true,
      text: expect.stringMatching(/^\d+\.\d+\.\d+ loads \(SQLite 3\.\d+\.\d+\)$/),
    });
    expect(rows.get('sqlite-vec')).toMatchObject({ ok: true, text: expect.stringMatching(/^v\d+\.\d+\.\d+ loads/) });
    expect(rows.get('database')).toEqual({
      ok: true,
      text: `${tmp.db} (not created yet; the first start creates it with embedder hash-384)`,
    });
    expect(rows.get('config')?.text).toBe('no file (defaults, environment and flags)');
    expect(rows.get('providers')?.text).toBe('ollama (used if it answers at its default address)');
    expect(r.stdout).toMatch(/everything needed to serve is in place\n$/);
    expect(existsSync(tmp.db)).toBe(false);
  });

  it('on a database a server wrote: schema, count and the recorded embedder, without changing the file', async () => {
    const h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    await store(h.client, { content: 'doctor reads this back as a count' });
    await store(h.client, { content: 'and this one too' });
    await h.close();
    const before = statSync(tmp.db);
    const r = await runCli(['doctor', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code, r.stdout).toBe(0);
    expect(report(r.stdout).get('database')).toEqual({
      ok: true,
      text: expect.stringMatching(
        new RegExp(
          `^${tmp.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(schema \\d+, 2 memories, embedder hash-384 \\(384 dims\\)\\)$`,
        ),
      ),
    });
    const after = statSync(tmp.db);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
  });

  it('lists configured providers by name only: no key, no base URL', async () => {
    const secrets = { ANTHROPIC_API_KEY: 'sk-ant-doctor-SECRET-1', OPENAI_API_KEY: 'sk-doctor-SECRET-2' };
    const env = childEnv(tmp.xdg, {
      ...secrets,
      OPENAI_BASE_URL: 'http://user:pa55word@127.0.0.1:9/v1',
      OLLAMA_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    const r = await runCli(['doctor', '--db', tmp.db], env);
    expect(r.code, r.stdout).toBe(0);
    expect(report(r.stdout).get('providers')?.text).toBe('anthropic, openai, ollama');
    for (const s of [...Object.values(secrets), 'pa55word', '127.0.0.1:9']) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it('names the config file it read', async () => {
    const file = `${tmp.dir}/sixfold.json`;
    writeFileSync(file, JSON.stringify({ log_level: 'warn' }));
    const r = await runCli(['doctor', '--db', tmp.db, '--config', file], childEnv(tmp.xdg));
    expect(r.code, r.stdout).toBe(0);
    expect(report(r.stdout).get('config')?.text).toBe(file);
  });

  it('flags a database the configured embedder would be refused on, and exits 1', async () => {
    const h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    await store(h.client, { content: 'pinned to hash-384' });
    await h.close();
    const env = childEnv(tmp.xdg, { SIXFOLD_EMBEDDER: 'openai-compatible', SIXFOLD_EMBED_BASE_URL: 'http://127.0.0.1:9/v1' });
    const r = await runCli(['doctor', '--db', tmp.db], env);
    expect(r.code).toBe(1);
    const db = report(r.stdout).get('database');
    expect(db?.ok).toBe(false);
    expect(db?.text).toContain('1 memories, embedder hash-384 (384 dims)');
    expect(db?.text).toContain('the configured embedder is openai-compatible:text-embedding-3-small');
    expect(db?.text).toContain('sixfold reembed');
    expect(r.stdout).toMatch(/! problems: database\n$/);
  });

  it('flags a file that is not a sixfold database, and leaves it as it was', async () => {
    writeFileSync(tmp.db, 'this is not SQLite');
    const r = await runCli(['doctor', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).toBe(1);
    expect(report(r.stdout).get('database')).toEqual({
      ok: false,
      text: expect.stringContaining(`${tmp.db} cannot be read as a sixfold database:`),
    });
    expect(readFileSync(tmp.db, 'utf8')).toBe('this is not SQLite');
  });
});
