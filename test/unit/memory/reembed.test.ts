import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { getMeta, openDatabase, type DB } from '../../../src/memory/db.js';
import type { Embedder } from '../../../src/memory/embed/embedder.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { reembed } from '../../../src/memory/reembed.js';
import { searchMemories } from '../../../src/memory/search.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { strayVecTables } from '../../../src/memory/vectors.js';
import { FoldEmbedder, tempDir } from '../helpers.js';

const log = createLogger('silent');
const T0 = Date.UTC(2025, 0, 1);

let dir: ReturnType<typeof tempDir>;
let dbPath: string;
let closers: Array<() => void>;

beforeEach(() => {
  dir = tempDir();
  dbPath = join(dir.path, 'r.db');
  closers = [];
});
afterEach(() => {
  for (const close of closers.reverse()) close();
  dir.remove();
});

async function openStore(embedder: Embedder): Promise<MemoryStore> {
  const s = await MemoryStore.open({ path: dbPath, embedder, log, now: () => T0 });
  closers.push(() => s.close());
  return s;
}

function openDb(): DB {
  const db = openDatabase(dbPath);
  closers.push(() => db.open && db.close());
  return db;
}

function vecTables(db: DB): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE name GLOB 'memory_vectors_g*' AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

/** A hash-384 DB of `n` memories: "memory number i", plus one rare-word memory. Returns its ids in rowid order. */
async function seed(n: number): Promise<string[]> {
  const store = await openStore(new HashEmbedder());
  const items = Array.from({ length: n }, (_, i) => ({ content: `memory number ${i}`, namespace: i % 2 ? 'odd' : 'even' }));
  const ids = (
    await store.insert([...items, { content: 'the quetzal nests in cloud forest', namespace: 'birds', tier: 'flashbulb' }])
  ).map((m) => m.id);
  store.close();
  return ids;
}

describe('reembed', () => {
  it('moves every memory to a new vector table and pins the new embedder', async () => {
    const ids = await seed(9);
    const db = openDb();
    expect(vecTables(db)).toEqual(['memory_vectors_g1']);
    const progress: Array<[number, number]> = [];

    const r = await reembed(db, new FoldEmbedder(), log, (done, total) => progress.push([done, total]));

    expect(r).toEqual({ count: 10, from: 'hash-384', to: 'test-8', dims: 8 });
    expect(progress).toEqual([[10, 10]]);
    expect(getMeta(db, 'embedder_id')).toBe('test-8');
    expect(getMeta(db, 'embedder_dims')).toBe('8');
    expect(getMeta(db, 'vec_table')).toBe('memory_vectors_g2');
    expect(vecTables(db)).toEqual(['memory_vectors_g2']); // the old table is dropped
    const vecRowids = (db.prepare('SELECT rowid FROM memory_vectors_g2 ORDER BY rowid').all() as { rowid: number }[]).map((x) =>
      Number(x.rowid),
    );
    const memRowids = (db.prepare('SELECT rowid FROM memories ORDER BY rowid').all() as { rowid: number }[]).map((x) => x.rowid);
    expect(vecRowids).toEqual(memRowids);
    expect(memRowids).toHaveLength(ids.length);
    // Metadata columns follow: namespace filters still work in the new table.
    const odd = db.prepare("SELECT count(*) AS n FROM memory_vectors_g2 WHERE namespace = 'odd'").get() as { n: number };
    expect(odd.n).toBe(4);
    db.close();

    // The old embedder is now refused, the new one opens and searches.
    await expect(openStore(new HashEmbedder())).rejects.toMatchObject({ code: 'embedder_mismatch' });
    const store = await openStore(new FoldEmbedder());
    expect(store.vec).toEqual({ name: 'memory_vectors_g2', dims: 8 });
    const hits = await searchMemories(store, { query: 'quetzal cloud forest', mode: 'vector', k: 1 });
    expect(hits.map((h) => h.id)).toEqual([ids[9]]);
    const filtered = await searchMemories(store, { query: 'memory number', mode: 'vector', namespace: 'odd', k: 10 });
    expect(filtered).toHaveLength(4);
    expect(filtered.every((h) => h.namespace === 'odd')).toBe(true);
    // New inserts go to the new table.
    const [added] = await store.insert([{ content: 'added after reembed' }]);
    expect(store.get(added.id)?.content).toBe('added after reembed');
    expect((store.db.prepare('SELECT count(*) AS n FROM memory_vectors_g2').get() as { n: number }).n).toBe(11);
  });

  it('re-embeds in batches of 256 and reports progress per batch', async () => {
    await seed(299); // 300 memories
    const db = openDb();
    const embedder = new FoldEmbedder();
    const progress: Array<[number, number]> = [];
    const r = await reembed(db, embedder, log, (done, total) => progress.push([done, total]));
    expect(r.count).toBe(300);
    expect(embedder.calls).toBe(2);
    expect(progress).toEqual([
      [256, 300],
      [300, 300],
    ]);
    expect((db.prepare('SELECT count(*) AS n FROM memory_vectors_g2').get() as { n: number }).n).toBe(300);
  });

  it('an embedder failing half way leaves the old embedder working and the stray table is dropped on open', async () => {
    const ids = await seed(299); // 300 memories: the 2nd batch fails after the 1st was written
    const db = openDb();
    const failing = new FoldEmbedder({ failOnCall: 2 });
    await expect(reembed(db, failing, log)).rejects.toThrow('embedder down on call 2');
    expect(failing.calls).toBe(2);
    expect(getMeta(db, 'embedder_id')).toBe('hash-384');
    expect(getMeta(db, 'vec_table')).toBe('memory_vectors_g1');
    expect(vecTables(db)).toEqual(['memory_vectors_g1', 'memory_vectors_g2']);
    expect(strayVecTables(db)).toEqual(['memory_vectors_g2']);
    expect((db.prepare('SELECT count(*) AS n FROM memory_vectors_g2').get() as { n: number }).n).toBe(256);
    db.close();

    const store = await openStore(new HashEmbedder());
    expect(store.vec).toEqual({ name: 'memory_vectors_g1', dims: 384 });
    expect(vecTables(store.db)).toEqual(['memory_vectors_g1']);
    expect((store.db.prepare('SELECT count(*) AS n FROM memory_vectors_g1').get() as { n: number }).n).toBe(300);
    const hits = await searchMemories(store, { query: 'quetzal cloud forest', mode: 'vector', k: 1 });
    expect(hits.map((h) => h.id)).toEqual([ids[299]]);
    for (const i of [0, 150, 298]) {
      const hit = await searchMemories(store, { query: `memory number ${i}`, mode: 'hybrid', k: 1 });
      expect(hit.map((h) => h.id)).toEqual([ids[i]]);
    }
    store.close();

    // A retry with a working embedder succeeds from there.
    const db2 = openDb();
    const r = await reembed(db2, new FoldEmbedder(), log);
    expect(r).toEqual({ count: 300, from: 'hash-384', to: 'test-8', dims: 8 });
    expect(vecTables(db2)).toEqual(['memory_vectors_g3']);
  });

  it('rejects vectors of the wrong shape without switching', async () => {
    await seed(2);
    const db = openDb();
    const liar: Embedder = {
      id: 'test-8',
      dimensions: async () => 8,
      embed: async (texts) => texts.map(() => new Float32Array(7)),
    };
    await expect(reembed(db, liar, log)).rejects.toThrow(
      'embedder test-8 returned vectors of the wrong shape; nothing was changed',
    );
    expect(getMeta(db, 'embedder_id')).toBe('hash-384');
    expect(getMeta(db, 'vec_table')).toBe('memory_vectors_g1');
  });
});
