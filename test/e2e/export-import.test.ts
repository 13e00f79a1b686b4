/**
 * `sixfold export` / `sixfold import`: a round trip into a fresh database gives the same search
 * results through a real client (stdio and HTTP); vectors are reused when the embedder matches
 * and recomputed when the file says another; a bad line is reported by number and nothing is
 * imported; importing again skips what is there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TRANSPORTS, startFixture } from '../helpers/both.js';
import { callOk, type MemoryOut, type SearchResult } from '../helpers/mcp.js';
import { childEnv, makeTempDir, runCli, startStdioClient, type TempDir } from '../helpers/server.js';

const QUERIES: Array<Record<string, unknown>> = [
  { query: 'database migration timeout', k: 10 },
  { query: 'invoice overdue', mode: 'keyword', k: 10 },
  { query: 'team lunch pizza', mode: 'vector', k: 10 },
  { query: 'deploy', tags_any: ['ops'], k: 10 },
  { query: 'anything at all', namespace: 'b', order: 'recent', k: 10 },
];

async function seed(client: Client): Promise<void> {
  const items = [
    {
      content: 'The deployment failed because the database migration timed out',
      namespace: 'a',
      tags: ['ops', 'incident'],
      salience: 0.9,
      metadata: { ticket: 'OPS-1' },
    },
    { content: 'Invoice HT-5520 is overdue by two weeks', namespace: 'a', tier: 'flashbulb' },
    { content: 'Team lunch on Friday: two pizzas and a salad', namespace: 'b', tier: 'working' },
    { content: 'Deploy freeze starts on the 20th', namespace: 'b', tags: ['ops'], ttl_seconds: 86_400 * 30 },
    { content: 'The staging cluster runs on three nodes', namespace: 'b', metadata: { nested: { ok: true } } },
  ];
  for (const i of items) await callOk(client, 'memory_store', i);
}

async function results(client: Client) {
  const out = [];
  for (const q of QUERIES)
    out.push((await callOk<SearchResult>(client, 'memory_search', q)).results.map((r) => [r.id, r.score.toFixed(6)]));
  return out;
}

async function everything(client: Client): Promise<MemoryOut[]> {
  return (await callOk<{ memories: MemoryOut[] }>(client, 'memory_list', { limit: 100 })).memories;
}

describe('export and import', () => {
  let src: TempDir;
  let file: string;
  let want: unknown;
  let memories: MemoryOut[];

  beforeAll(async () => {
    src = makeTempDir('sixfold-export-');
    const h = await startStdioClient({ db: src.db, xdg: src.xdg });
    try {
      await seed(h.client);
      want = await results(h.client);
      memories = await everything(h.client);
    } finally {
      await h.close();
    }
    const r = await runCli(['export', '--db', src.db], childEnv(src.xdg));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('exported 5 memories');
    file = join(src.dir, 'memories.jsonl');
    writeFileSync(file, r.stdout);
  });
  afterAll(() => src?.remove());

  it('writes a versioned header and one line per memory; --namespace limits it', async () => {
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      format: 'sixfold-memories',
      version: 1,
      embedder: { id: 'hash-384', dims: 384 },
      namespace: null,
    });
    expect(lines).toHaveLength(6);
    expect(Object.keys(lines[1]).sort()).toEqual([
      'content',
      'created_at',
      'expires_at',
      'id',
      'metadata',
      'namespace',
      'salience',
      'tags',
      'tier',
      'updated_at',
      'vector',
    ]);
    const b = await runCli(['export', '--namespace', 'b', '--db', src.db], childEnv(src.xdg));
    expect(b.stdout.trim().split('\n')).toHaveLength(4);
    const bad = await runCli(['export', '--namespace', 'Bad NS', '--db', src.db], childEnv(src.xdg));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--namespace "Bad NS" is not a namespace/);
    const noFile = await runCli(['import', '--db', src.db], childEnv(src.xdg));
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/import takes one FILE/);
  });

  describe.each(TRANSPORTS)('a round trip, read over %s', (kind) => {
    it('import into a fresh database gives the same memories and the same search results', async () => {
      const dst = makeTempDir('sixfold-import-');
      try {
        const r = await runCli(['import', file, '--db', dst.db], childEnv(dst.xdg));
        expect(r.stderr).toMatch(/imported 5 memories .* \(vectors reused\)/);
        expect(r.code).toBe(0);
        const f = await startFixture(kind, { tmp: dst });
        try {
          expect(await results(f.main.client)).toEqual(want);
          expect(await everything(f.main.client)).toEqual(memories);
        } finally {
          await f.close();
        }
        const again = await runCli(['import', file, '--db', dst.db], childEnv(dst.xdg));
        expect(again.stderr).toMatch(/imported 0 memories .*skipped 5 already present/);
      } finally {
        dst.remove();
      }
    });
  });

  it('recomputes vectors when the file was made with another embedder, with the same results', async () => {
    const dst = makeTempDir('sixfold-import-other-');
    try {
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const header = JSON.parse(lines[0]) as { embedder: { id: string; dims: number } };
      header.embedder = { id: 'openai-compatible:text-embedding-3-small', dims: 1536 };
      const other = join(dst.dir, 'other.jsonl');
      writeFileSync(other, [JSON.stringify(header), ...lines.slice(1)].join('\n'));
      const r = await runCli(['import', other, '--db', dst.db], childEnv(dst.xdg));
      expect(r.stderr).toMatch(
        /imported 5 memories .*\(5 vectors computed with hash-384; the file's were from openai-compatible:text-embedding-3-small \(1536 dims\)/,
      );
      const h = await startStdioClient({ db: dst.db, xdg: dst.xdg });
      try {
        expect(await results(h.client)).toEqual(want);
      } finally {
        await h.close();
      }
    } finally {
      dst.remove();
    }
  });

  it('a bad line is reported with its number and nothing is imported (every kind of bad line: test/unit/export.test.ts)', async () => {
    const dst = makeTempDir('sixfold-import-bad-');
    try {
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const bad = join(dst.dir, 'bad.jsonl');
      writeFileSync(bad, [...lines.slice(0, 4), lines[4].replace('"tier":"', '"tier":"forever-'), ...lines.slice(5)].join('\n'));
      const r = await runCli(['import', bad, '--db', dst.db], childEnv(dst.xdg));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/bad\.jsonl line 5: tier must be one of working, long_term, flashbulb\. Nothing was imported/);
      const h = await startStdioClient({ db: dst.db, xdg: dst.xdg });
      try {
        expect(await everything(h.client)).toEqual([]); // lines 2-4 were fine, and are not there either
      } finally {
        await h.close();
      }
      const missing = await runCli(['import', join(dst.dir, 'nope.jsonl'), '--db', dst.db], childEnv(dst.xdg));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/Cannot read .*nope\.jsonl/);
    } finally {
      dst.remove();
    }
  });
});
