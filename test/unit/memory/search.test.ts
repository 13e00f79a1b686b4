import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import {
  RRF_K,
  ftsQuery,
  fuse,
  pruneCommonWords,
  queryWords,
  searchMemories,
  type SearchQuery,
} from '../../../src/memory/search.js';
import { MemoryStore, type Memory } from '../../../src/memory/store.js';
import { tempDir } from '../helpers.js';

describe('queryWords / ftsQuery', () => {
  it('quotes every word so FTS5 syntax in the input is inert', () => {
    expect(ftsQuery(queryWords('"a" OR NEAR('))).toBe('"a" OR "or" OR "near"');
    expect(ftsQuery(queryWords('title:x* AND -y ^z'))).toBe('"title" OR "x" OR "and" OR "y" OR "z"');
  });

  it('lowercases, deduplicates and keeps letters and digits of any script', () => {
    expect(queryWords('Foo foo FOO bar-Baz 42 Café 東京')).toEqual(['foo', 'bar', 'baz', '42', 'café', '東京']);
  });

  it('caps the query at 64 distinct words', () => {
    const words = queryWords(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '));
    expect(words).toHaveLength(64);
    expect(words[63]).toBe('w63');
  });

  it('gives null for input without words', () => {
    expect(ftsQuery(queryWords(''))).toBeNull();
    expect(ftsQuery(queryWords(' "()" * - : ^ '))).toBeNull();
    expect(ftsQuery([])).toBeNull();
  });
});

describe('pruneCommonWords', () => {
  it('keeps the rarest words until the postings budget is full, looking terms up by Porter stem', () => {
    const df: Record<string, number> = { the: 4000, zebra: 1, run: 2000 };
    const seen: string[] = [];
    const kept = pruneCommonWords(['the', 'running', 'zebra'], (t) => (seen.push(t), df[t] ?? 0), 5000);
    expect(seen).toEqual(['the', 'run', 'zebra']);
    expect(kept).toEqual(['zebra', 'running']); // 1 + 2000 fits, + 4000 would not
  });

  it('always keeps at least one word, and treats unknown words as rare', () => {
    expect(pruneCommonWords(['the', 'and'], (t) => (t === 'the' ? 9000 : 8000), 5000)).toEqual(['and']);
    expect(pruneCommonWords(['東京', 'the'], (t) => (t === 'the' ? 9000 : 0), 5000)).toEqual(['東京']);
  });
});

describe('fuse (reciprocal rank fusion)', () => {
  const r = (...rowids: number[]) => rowids.map((rowid) => ({ rowid, score: 0.5 }));

  it('uses k = 60', () => {
    expect(RRF_K).toBe(60);
  });

  it('scores a memory first in both lists exactly 1, first in one list only 0.5', () => {
    const fused = fuse([r(1, 2), r(1, 3)]);
    expect(fused[0]).toEqual({ rowid: 1, score: 1 });
    expect(fuse([r(7), r(8)])).toEqual([
      { rowid: 7, score: 0.5 },
      { rowid: 8, score: 0.5 },
    ]);
  });

  it('weights rank i by 1/(60 + i), scaled by the best possible score', () => {
    const fused = fuse([r(1, 2, 3), r(3, 1)]);
    const max = 2 / 61;
    expect(fused.map((f) => f.rowid)).toEqual([1, 3, 2]);
    expect(fused[0].score).toBeCloseTo((1 / 61 + 1 / 62) / max, 12);
    expect(fused[1].score).toBeCloseTo((1 / 63 + 1 / 61) / max, 12);
    expect(fused[2].score).toBeCloseTo(1 / 62 / max, 12);
  });

  it('ignores the input scores, breaks ties by rowid, and handles empty lists', () => {
    expect(fuse([[{ rowid: 9, score: 0.01 }], [{ rowid: 4, score: 0.99 }]]).map((f) => f.rowid)).toEqual([4, 9]);
    expect(fuse([[], []])).toEqual([]);
    expect(fuse([r(5), []])).toEqual([{ rowid: 5, score: 0.5 }]);
  });
});

describe('searchMemories', () => {
  const T0 = Date.UTC(2025, 0, 1);
  let t: number;
  let dir: ReturnType<typeof tempDir>;
  let store: MemoryStore;
  let m: Record<'deploy' | 'cats' | 'invoice' | 'pie' | 'budget' | 'restore', Memory>;

  beforeEach(async () => {
    t = T0;
    dir = tempDir();
    store = await MemoryStore.open({
      path: join(dir.path, 's.db'),
      embedder: new HashEmbedder(),
      log: createLogger('silent'),
      now: () => t,
    });
    const [deploy, cats, invoice, pie, budget, restore] = await store.insert([
      { content: 'deployment pipeline failed on staging', namespace: 'ops' },
      { content: 'cats sleep in warm sunlight', namespace: 'home', tier: 'flashbulb' },
      { content: 'invoice XQ7-4411 was paid late', namespace: 'finance' },
      { content: 'apple pie recipe with cinnamon', namespace: 'home', tier: 'working' },
      { content: 'budget review moved to friday', namespace: 'finance', tier: 'flashbulb' },
      { content: 'staging database restored from backup', namespace: 'ops', tier: 'working' },
    ]);
    m = { deploy, cats, invoice, pie, budget, restore };
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  const search = (q: SearchQuery) => searchMemories(store, q);
  const ids = async (q: SearchQuery) => (await search(q)).map((h) => h.id);

  it('keyword finds an exact rare token and nothing else', async () => {
    const hits = await search({ query: 'xq7', mode: 'keyword' });
    expect(hits.map((h) => h.id)).toEqual([m.invoice.id]);
    expect(hits[0]).toEqual({
      id: m.invoice.id,
      content: 'invoice XQ7-4411 was paid late',
      score: hits[0].score,
      namespace: 'finance',
      tier: 'long_term',
      salience: 0.5,
      metadata: {},
      tags: [],
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
    });
    expect(hits[0].score).toBeGreaterThan(0);
    expect(hits[0].score).toBeLessThan(1);
  });

  it('keyword search leaves function words out of the query, unless nothing else is left', async () => {
    // "was" is in the invoice memory and "on" in the deploy one; neither says which memory is meant.
    expect(await ids({ query: 'what was the invoice', mode: 'keyword' })).toEqual([m.invoice.id]);
    expect(await ids({ query: 'on', mode: 'keyword' })).toEqual([m.deploy.id]);
  });

  it('keyword input with FTS syntax neither throws nor matches operators', async () => {
    expect(await ids({ query: '"a" OR NEAR(', mode: 'keyword' })).toEqual([]);
    expect(await ids({ query: 'NEAR(xq7 4411, 2) AND content:pa*', mode: 'keyword' })).toEqual([m.invoice.id]);
    expect(await ids({ query: '!!! ...', mode: 'keyword' })).toEqual([]);
  });

  it('vector ranks a shared-fragment paraphrase first where keyword finds nothing', async () => {
    expect(await ids({ query: 'redeployment', mode: 'keyword' })).toEqual([]);
    const hits = await search({ query: 'redeployment', mode: 'vector', k: 3 });
    expect(hits).toHaveLength(3);
    expect(hits[0].id).toBe(m.deploy.id);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it('hybrid fuses both: the keyword match and the vector-only match', async () => {
    const hits = await search({ query: 'redeployment xq7', mode: 'hybrid', k: 2 });
    expect(hits.map((h) => h.id)).toEqual([m.invoice.id, m.deploy.id]);
    expect(hits[0].score).toBe(1); // first in both lists
    expect(hits[1].score).toBeCloseTo(1 / (RRF_K + 2) / (2 / (RRF_K + 1)), 12); // second in the vector list only
  });

  it("hybrid's keyword half takes only memories holding at least half of the query's words", async () => {
    // Keyword search (any word) finds all three; each holds one of four words, so none is fused.
    const stray = 'cinnamon sleep budget quarterly';
    expect(new Set(await ids({ query: stray, mode: 'keyword', k: 6 }))).toEqual(new Set([m.pie.id, m.cats.id, m.budget.id]));
    const byVector = (await search({ query: stray, mode: 'vector', k: 6 })).map((h) => h.id);
    expect((await search({ query: stray, mode: 'hybrid', k: 6 })).map((h) => h.id)).toEqual(byVector);
    // Two of three words: the pie is fused (first in the keyword half), the cats (one word) are not.
    const query = 'cinnamon apple sunlight';
    const vec = (await search({ query, mode: 'vector', k: 6 })).map((h) => h.id);
    const rowOf = new Map(vec.map((id, i) => [id, i + 1]));
    const expected = fuse([vec.map((id) => ({ rowid: rowOf.get(id)!, score: 0 })), [{ rowid: rowOf.get(m.pie.id)!, score: 0 }]]);
    const byRow = new Map([...rowOf].map(([id, row]) => [row, id]));
    expect((await search({ query, mode: 'hybrid', k: 6 })).map((h) => h.id)).toEqual(expected.map((e) => byRow.get(e.rowid)));
  });

  it('defaults to hybrid and k = 5', async () => {
    const hits = await search({ query: 'redeployment xq7' });
    expect(hits).toHaveLength(5);
    expect(hits.slice(0, 2).map((h) => h.id)).toEqual([m.invoice.id, m.deploy.id]);
  });

  it('k limits the hits in every mode', async () => {
    expect(await search({ query: 'staging', mode: 'vector', k: 1 })).toHaveLength(1);
    expect(await search({ query: 'staging', mode: 'keyword', k: 1 })).toHaveLength(1);
    expect(await search({ query: 'staging', mode: 'hybrid', k: 3 })).toHaveLength(3);
  });

  it('filters by namespace and tier in every mode', async () => {
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      const ops = await ids({ query: 'staging', mode, namespace: 'ops', k: 10 });
      expect(ops.sort()).toEqual([m.deploy.id, m.restore.id].sort());
      expect(await ids({ query: 'staging', mode, tier: 'working', namespace: 'ops', k: 10 })).toEqual([m.restore.id]);
      const home = await search({ query: 'staging', mode, namespace: 'home', k: 10 });
      expect(home.every((h) => h.namespace === 'home')).toBe(true);
      const working = await search({ query: 'staging', mode, tier: 'working', k: 10 });
      expect(working.every((h) => h.tier === 'working')).toBe(true);
    }
    expect(await ids({ query: 'staging', mode: 'keyword', namespace: 'finance' })).toEqual([]);
    expect(await ids({ query: 'staging', mode: 'keyword', namespace: 'nobody' })).toEqual([]);
    expect(await ids({ query: 'staging', mode: 'vector', namespace: 'nobody' })).toEqual([]);
  });

  it('filters apply during the vector scan, so k counts only matching, live memories', async () => {
    // The two nearest to "staging" are in ops; filtered out, k = 2 must still be filled from the rest.
    const home = await search({ query: 'staging', mode: 'vector', namespace: 'home', k: 2 });
    expect(home.map((h) => h.id).sort()).toEqual([m.cats.id, m.pie.id].sort());
    t = T0 + 24 * 3_600_000; // m.restore (2nd nearest) and m.pie expire
    const live = await search({ query: 'staging', mode: 'vector', k: 2 });
    expect(live).toHaveLength(2);
    expect(live[0].id).toBe(m.deploy.id);
    expect([m.restore.id, m.pie.id]).not.toContain(live[1].id);
  });

  it('min_score drops weaker hits', async () => {
    const all = await search({ query: 'staging', mode: 'vector', k: 10 });
    expect(all).toHaveLength(6);
    const threshold = (all[0].score + all[1].score) / 2;
    expect(await ids({ query: 'staging', mode: 'vector', k: 10, min_score: threshold })).toEqual([all[0].id]);
    const hybrid = await search({ query: 'staging', mode: 'hybrid', k: 10, min_score: 0.9 });
    expect(hybrid.map((h) => h.id).sort()).toEqual([m.deploy.id, m.restore.id].sort());
    expect(await search({ query: 'staging', mode: 'keyword', min_score: 1 })).toEqual([]);
  });

  it('scores lie within [0, 1] and are sorted descending', async () => {
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      for (const query of ['staging', 'redeployment xq7', 'cats sleep in warm sunlight', 'zzz unrelated']) {
        const scores = (await search({ query, mode, k: 10 })).map((h) => h.score);
        for (const s of scores) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
        }
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      }
    }
  });

  it('excludes expired memories in every mode', async () => {
    t = T0 + 24 * 3_600_000; // both working memories expire now
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      const got = await ids({ query: 'staging apple pie', mode, k: 10 });
      expect(got).not.toContain(m.restore.id);
      expect(got).not.toContain(m.pie.id);
      expect(got).toContain(m.deploy.id);
    }
    expect((await ids({ query: 'staging apple pie', mode: 'vector', k: 10 })).sort()).toEqual(
      [m.deploy.id, m.cats.id, m.invoice.id, m.budget.id].sort(),
    );
  });
});
