import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  MAIN,
  REPO_ROOT,
  childEnv,
  makeTempDir,
  runCli,
  startStdioClient,
  withTimeout,
  type TempDir,
} from '../helpers/server.js';
import { callOk, readStatus, type SearchResult } from '../helpers/mcp.js';

/**
 * The default embedder end to end. A fresh install (no embedder configured, no key) serves search
 * by meaning with outbound network refused: the server runs in its own network namespace
 * (`unshare -n`: only a loopback, down), so any fetch of weights or WASM would fail the test.
 * Existing databases keep their embedder, and `sixfold reembed` moves one to use-lite.
 */
const canUnshare = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const UNSET = { SIXFOLD_EMBEDDER: '' }; // leave the embedder unconfigured, as a fresh install does
const NOTES = [
  'The car would not start this morning because the battery was flat.',
  'Alice prefers tabs over spaces in every repository.',
  'We ate pizza with friends on Friday night.',
  'The staging database password rotates every Monday.',
];

describe.skipIf(!canUnshare)('a fresh install with the network cut off', () => {
  let tmp: TempDir;
  let client: Client;
  beforeAll(async () => {
    tmp = makeTempDir();
    const env = childEnv(tmp.xdg, UNSET);
    for (const k of Object.keys(env)) if (/_API_KEY$|^OPENAI_|^ANTHROPIC_|^GEMINI_/.test(k)) delete env[k];
    const transport = new StdioClientTransport({
      command: 'unshare',
      args: ['-n', process.execPath, MAIN, '--db', tmp.db, '--log-level', 'warn'],
      cwd: REPO_ROOT,
      env,
      stderr: 'pipe',
    });
    client = new Client({ name: 'sixfold-e2e-offline', version: '0.0.0' });
    await withTimeout(client.connect(transport), 15_000, 'offline server to initialize');
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    tmp.remove();
  });

  it('stores and finds by meaning: the first call waits for the model with progress, the DB pins use-lite', async () => {
    const progress: string[] = [];
    await client.callTool({ name: 'memory_store', arguments: { content: NOTES[0] } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
      timeout: 60_000,
    });
    expect(progress[0]).toMatch(/waiting for the use-lite embedding model to load/);
    for (const content of NOTES.slice(1)) await callOk(client, 'memory_store', { content });
    const found = await callOk<SearchResult>(client, 'memory_search', {
      query: 'my automobile battery died',
      mode: 'vector',
      k: 2,
    });
    expect(found.results[0].content).toBe(NOTES[0]);
    const hybrid = await callOk<SearchResult>(client, 'memory_search', { query: 'which indentation does she like?', k: 1 });
    expect(hybrid.results[0].content).toBe(NOTES[1]);
    const status = await readStatus(client);
    expect(status.embedder).toEqual({ id: 'use-lite', dims: 512 });
  });
});

describe('an existing hash-384 database', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = makeTempDir();
    const s = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: { SIXFOLD_EMBEDDER: 'hash-384' } });
    try {
      for (const content of NOTES) await callOk(s.client, 'memory_store', { content, namespace: 'notes' });
    } finally {
      await s.close();
    }
  });
  afterAll(() => tmp.remove());

  it('keeps working when no embedder is configured (its pinned hash-384 is used)', async () => {
    const s = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: UNSET });
    try {
      expect((await readStatus(s.client)).embedder).toEqual({ id: 'hash-384', dims: 384 });
      const found = await callOk<SearchResult>(s.client, 'memory_search', { query: 'staging database password', k: 1 });
      expect(found.results[0].content).toBe(NOTES[3]);
    } finally {
      await s.close();
    }
  });

  it('`sixfold reembed` with no embedder configured moves it to use-lite, which then finds by meaning', async () => {
    const r = await runCli(['reembed', '--db', tmp.db], childEnv(tmp.xdg, UNSET), 60_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`re-embedded ${NOTES.length} memories`);
    expect(r.stderr).toContain('hash-384 -> use-lite (512 dims)');

    const s = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: UNSET });
    try {
      expect((await readStatus(s.client)).embedder).toEqual({ id: 'use-lite', dims: 512 });
      const found = await callOk<SearchResult>(s.client, 'memory_search', {
        query: 'my automobile battery died',
        mode: 'vector',
        k: 1,
        namespace: 'notes',
      });
      expect(found.results[0].content).toBe(NOTES[0]);
    } finally {
      await s.close();
    }

    // Configured explicitly, the old embedder is now the one refused.
    const refused = await runCli(['--db', tmp.db], childEnv(tmp.xdg, { SIXFOLD_EMBEDDER: 'hash-384' }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('was built with embedder use-lite (512 dims)');
    expect(refused.stderr).toContain('configured embedder is hash-384');
  });
});
