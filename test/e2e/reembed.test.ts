import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import { callOk } from '../helpers/mcp.js';
import { childEnv, makeTempDir, runCli, startStdioClient, type TempDir } from '../helpers/server.js';

/**
 * The embedder pinned in the DB, end to end through the CLI: a DB built with hash-384 is refused
 * by a server configured with another embedder (the message names both and `sixfold reembed`),
 * `sixfold reembed` moves every memory to the new embedder, and then the old one is refused.
 */
describe('sixfold reembed', () => {
  let tmp: TempDir;
  let fake: FakeProvider;
  const KEY = 'sk-e2e-reembed-SECRET';
  let remote: Record<string, string>;

  beforeAll(async () => {
    tmp = makeTempDir();
    fake = await startFakeProvider({ dims: 16 });
    remote = {
      SIXFOLD_EMBEDDER: 'openai-compatible',
      SIXFOLD_EMBED_BASE_URL: fake.baseURL,
      SIXFOLD_EMBED_MODEL: 'emb-e2e',
      SIXFOLD_EMBED_API_KEY_ENV: 'E2E_EMBED_KEY',
      E2E_EMBED_KEY: KEY,
    };
    const s = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: childEnv(tmp.xdg) });
    try {
      for (const content of ['alpha deployment notes', 'bravo migration timeout', 'charlie cache warmup']) {
        await callOk(s.client, 'memory_store', { content, namespace: 'notes' });
      }
    } finally {
      await s.close();
    }
  });

  afterAll(async () => {
    await fake.close();
    tmp.remove();
  });

  it('a server with another embedder refuses the DB, naming both embedders and the command', async () => {
    const r = await runCli(['--db', tmp.db], childEnv(tmp.xdg, remote));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('was built with embedder hash-384 (384 dims)');
    expect(r.stderr).toContain('openai-compatible:emb-e2e');
    expect(r.stderr).toContain(`sixfold reembed --db ${tmp.db}`);
    expect(r.stderr).toContain('all 3 memories');
    expect(r.stderr).not.toContain('SECRET');
  });

  it('reembed moves every memory to the new embedder; the server then opens and finds them', async () => {
    const before = fake.requests.length;
    const r = await runCli(['reembed', '--db', tmp.db], childEnv(tmp.xdg, remote), 30_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('re-embedded 3 memories');
    expect(r.stderr).toContain('hash-384 -> openai-compatible:emb-e2e (16 dims)');
    expect(r.stderr).not.toContain('SECRET');
    const embedCalls = fake.requests.slice(before).filter((q) => q.path === '/v1/embeddings');
    expect(embedCalls.length).toBeGreaterThan(0);
    expect(embedCalls.every((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);

    const s = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: childEnv(tmp.xdg, remote) });
    try {
      const found = await callOk<{ results: Array<{ content: string }> }>(s.client, 'memory_search', {
        query: 'bravo migration timeout',
        mode: 'vector',
        k: 3,
      });
      expect(found.results.map((x) => x.content)).toContain('bravo migration timeout');
      expect(found.results[0].content).toBe('bravo migration timeout'); // the fake embeds equal texts equally
    } finally {
      await s.close();
    }
  });

  it('after reembed, the old embedder is the one refused', async () => {
    const r = await runCli(['--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('was built with embedder openai-compatible:emb-e2e (16 dims)');
    expect(r.stderr).toContain('configured embedder is hash-384');
  });
});
