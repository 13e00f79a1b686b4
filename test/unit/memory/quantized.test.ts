import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { l2normalize, type Embedder } from '../../../src/memory/embed/embedder.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { quantizedTableFor } from '../../../src/memory/quantized.js';
import { reembed } from '../../../src/memory/reembed.js';
import { searchMemories } from '../../../src/memory/search.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { toBlob } from '../../../src/memory/vectors.js';
import { mulberry32 } from '../../../src/random.js';
import { tempDir } from '../helpers.js';

const log = createLogger('silent');
const T0 = Date.UTC(2025, 0, 1);

/** Dense, deterministic 64-dim vectors (a seeded PRNG per text): quantizable like use-lite's. */
class DenseEmbedder implements Embedder {
  readonly id = 'dense-64';
  readonly quantizable = true;
  async dimensions(): Promise<number> {
    return 64;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => {
      let seed = 0;
      for (const c of t) seed = (Math.imul(seed, 31) + c.charCodeAt(0)) | 0;
      const rand = mulberry32(seed);
      return l2normalize(Float32Array.from({ length: 64 }, () => rand() - 0.5));
    });
  }
}

let dir: ReturnType<typeof tempDir>;
let closers: Array<() => void>;
let now: number;
beforeEach(() => {
  dir = tempDir();
  closers = [];
  now = T0;
});
afterEach(() => {
  for (const c of closers.reverse()) c();
  dir.remove();
});

async function open(embedder: Embedder, file = 'q.db'): Promise<MemoryStore> {
  const s = await MemoryStore.open({ path: join(dir.path, file), embedder, log, now: () => now });
  closers.push(() => s.close());
  return s;
}

/** The vec0 exact answer, as ids: what the quantised search must reproduce. */
function exactIds(store: MemoryStore, q: Float32Array, k: number, where = ''): string[] {
  const rows = store.db
    .prepare(
      `SELECT m.id AS id FROM (SELECT rowid, distance FROM ${store.vec.name} WHERE embedding MATCH ? AND k = ? ${where} ORDER BY distance) v
     JOIN memories m ON m.rowid = v.rowid ORDER BY v.distance`,
    )
    .all(toBlob(q), k) as { id: string }[];
  return rows.map((r) => r.id);
}

describe('binary-quantised vector search', () => {
  it('a store with a quantizable embedder gets the companion table; hash-384 does not', async () => {
    const dense = await open(new DenseEmbedder());
    expect(dense.quantized?.table).toBe(quantizedTableFor(dense.vec.name));
    const hash = await open(new HashEmbedder(), 'h.db');
    expect(hash.quantized).toBeUndefined();
  });

  it('finds what the exact vec0 scan finds, with filters, deletes and expiry', async () => {
    const store = await open(new DenseEmbedder());
    const texts = Array.from({ length: 300 }, (_, i) => `memory number ${i}`);
    await store.insert(
      texts.map((content, i) => ({
        content,
        namespace: i % 2 ? 'odd' : 'even',
        tier: i % 3 === 0 ? 'working' : 'long_term',
        ttl_seconds: i % 7 === 0 ? 60 : undefined,
      })),
    );
    const [q] = await store.embedder.embed(['what I am looking for']);
    const vectorIds = async (extra: object) =>
      (await searchMemories(store, { query: 'what I am looking for', k: 10, mode: 'vector', ...extra })).map((h) => h.id);
    expect(await vectorIds({})).toEqual(exactIds(store, q, 10));
    expect(await vectorIds({ namespace: 'odd' })).toEqual(exactIds(store, q, 10, "AND namespace = 'odd'"));
    expect(await vectorIds({ tier: 'working' })).toEqual(exactIds(store, q, 10, "AND tier = 'working'"));

    // Deleted and expired memories leave the index as they leave the table.
    const top = await vectorIds({});
    store.deleteById(top[0]);
    expect(await vectorIds({})).not.toContain(top[0]);
    expect(await vectorIds({})).toEqual(exactIds(store, q, 10));
    now = T0 + 61_000;
    const live = await vectorIds({ k: 300 } as object);
    const expired = store.db.prepare('SELECT id FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ?').all(now) as {
      id: string;
    }[];
    expect(expired.length).toBeGreaterThan(0);
    expect(live.some((id) => expired.some((e) => e.id === id))).toBe(false);
    store.purgeExpired();
    expect((store.db.prepare(`SELECT count(*) AS n FROM ${store.quantized!.table}`).get() as { n: number }).n).toBe(
      (store.db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n,
    );
  });

  it('tag and time filters hold on a store with the quantised index (they take the exact, filtered scan)', async () => {
    const store = await open(new DenseEmbedder());
    await store.insert(Array.from({ length: 200 }, (_, i) => ({ content: `note ${i}`, tags: i % 10 === 0 ? ['kept'] : [] })));
    const hits = await searchMemories(store, { query: 'note 3', k: 5, mode: 'vector', tags_any: ['kept'] });
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.tags.includes('kept'))).toBe(true);
    const hybrid = await searchMemories(store, { query: 'note 3', k: 50, tags_all: ['kept'] });
    expect(hybrid.length).toBe(20);
    expect(hybrid.every((h) => h.tags.includes('kept'))).toBe(true);
  });

  it('a memory_update of tier and content reaches the quantised index', async () => {
    const store = await open(new DenseEmbedder());
    const [m] = await store.insert([{ content: 'alpha', tier: 'working' }, { content: 'beta' }]);
    const { updateMemory } = await import('../../../src/memory/upkeep.js');
    await updateMemory(store, m.id, { content: 'gamma', tier: 'long_term' });
    const hits = await searchMemories(store, { query: 'gamma', k: 1, mode: 'vector', tier: 'long_term' });
    expect(hits.map((h) => h.id)).toEqual([m.id]);
  });

  it('the index built on first search sees rows written before it, and is kept up to date after', async () => {
    const store = await open(new DenseEmbedder());
    await store.insert([{ content: 'first' }, { content: 'second' }]);
    store.close();
    const again = await open(new DenseEmbedder());
    await again.insert([{ content: 'third' }]);
    const hits = await searchMemories(again, { query: 'second', k: 3, mode: 'vector' });
    expect(hits.map((h) => h.content)[0]).toBe('second');
    expect(hits).toHaveLength(3);
    await again.insert([{ content: 'fourth' }]);
    expect((await searchMemories(again, { query: 'fourth', k: 1, mode: 'vector' }))[0].content).toBe('fourth');
  });

  it('searches that arrive while the index is still loading wait for all of it', async () => {
    const store = await open(new DenseEmbedder());
    await store.insert(Array.from({ length: 5_002 }, (_, i) => ({ content: `row ${i}` }))); // one more page than LOAD_PAGE
    store.close();
    const again = await open(new DenseEmbedder());
    const [a, b] = await Promise.all([
      searchMemories(again, { query: 'row 5001', k: 1, mode: 'vector' }),
      searchMemories(again, { query: 'row 5000', k: 1, mode: 'vector' }),
    ]);
    expect([a[0].content, b[0].content]).toEqual(['row 5001', 'row 5000']);
  });

  it('reembed to a quantizable embedder builds the companion table; the old generation and strays are dropped', async () => {
    const hash = await open(new HashEmbedder());
    await hash.insert([{ content: 'alpha' }, { content: 'beta' }, { content: 'gamma' }]);
    hash.close();
    const { openDatabase } = await import('../../../src/memory/db.js');
    const db = openDatabase(join(dir.path, 'q.db'));
    db.exec('CREATE TABLE memory_qvec_g99 (rowid INTEGER PRIMARY KEY, bits BLOB NOT NULL, vec BLOB NOT NULL)'); // a stray
    await reembed(db, new DenseEmbedder(), log);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE name GLOB 'memory_qvec_g*'").all() as { name: string }[]
    ).map((r) => r.name);
    db.close();
    const dense = await open(new DenseEmbedder());
    expect(tables).toEqual([quantizedTableFor(dense.vec.name)]);
    expect((await searchMemories(dense, { query: 'beta', k: 1, mode: 'vector' }))[0].content).toBe('beta');
  });

  it('an insert that fails leaves neither the memory nor its quantised row', async () => {
    const store = await open(new DenseEmbedder());
    await store.insert([{ content: 'kept' }]);
    await searchMemories(store, { query: 'kept', k: 1, mode: 'vector' }); // the in-memory index is live
    store.db.exec(
      "CREATE TRIGGER fail_second BEFORE INSERT ON memories WHEN new.content = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    await expect(store.insert([{ content: 'fine' }, { content: 'boom' }])).rejects.toThrow(/refused/);
    expect((store.db.prepare(`SELECT count(*) AS n FROM ${store.quantized!.table}`).get() as { n: number }).n).toBe(1);
    const hits = await searchMemories(store, { query: 'fine', k: 5, mode: 'vector' });
    expect(hits.map((h) => h.content)).toEqual(['kept']);
  });
});
