import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { SCHEMA_VERSION, getMeta } from '../../../src/memory/db.js';
import type { Embedder } from '../../../src/memory/embed/embedder.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { searchMemories } from '../../../src/memory/search.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { FoldEmbedder, rejection, tempDir, thrown } from '../helpers.js';

const log = createLogger('silent');
const T0 = Date.UTC(2025, 0, 1); // 2025-01-01T00:00:00.000Z
const HOUR = 3_600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const iso = (ms: number) => new Date(ms).toISOString();

let t: number;
let dir: ReturnType<typeof tempDir>;
let dbPath: string;
let opened: MemoryStore[];

beforeEach(() => {
  t = T0;
  dir = tempDir();
  dbPath = join(dir.path, 'nested', 'memory.db');
  opened = [];
});
afterEach(() => {
  for (const s of opened) s.close();
  dir.remove();
});

async function open(embedder: Embedder = new HashEmbedder(), extra: { workingTtlSeconds?: number } = {}): Promise<MemoryStore> {
  const s = await MemoryStore.open({ path: dbPath, embedder, log, now: () => t, ...extra });
  opened.push(s);
  return s;
}

function count(store: MemoryStore, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/**
 * Rows in memories, in the FTS index and in the vector table. `memories_fts` is an external-content
 * table, so `count(*)` on it reads `memories`; its docsize shadow table holds one row per indexed doc.
 */
function rows(store: MemoryStore): { memories: number; fts: number; vec: number } {
  return { memories: count(store, 'memories'), fts: count(store, 'memories_fts_docsize'), vec: count(store, store.vec.name) };
}

/** rowids the FTS index returns for a term (reads the index, not the content table). */
function ftsHits(store: MemoryStore, term: string): number[] {
  return (
    store.db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?').all(`"${term}"`) as { rowid: number }[]
  ).map((r) => r.rowid);
}

describe('insert', () => {
  it('returns ids, defaults and ISO times, and get() returns the same memory', async () => {
    const store = await open();
    const [a, b] = await store.insert([
      { content: 'first memory' },
      { content: 'second memory', namespace: 'proj.notes', tier: 'flashbulb', salience: 0.9, metadata: { source: 'chat', n: 2 } },
    ]);
    expect(a.id).toMatch(UUID);
    expect(b.id).toMatch(UUID);
    expect(a.id).not.toBe(b.id);
    expect(a).toEqual({
      id: a.id,
      namespace: 'default',
      content: 'first memory',
      tier: 'long_term',
      salience: 0.5,
      metadata: {},
      tags: [],
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      expires_at: null,
    });
    expect(b).toEqual({
      id: b.id,
      namespace: 'proj.notes',
      content: 'second memory',
      tier: 'flashbulb',
      salience: 0.9,
      metadata: { source: 'chat', n: 2 },
      tags: [],
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      expires_at: null,
    });
    expect(store.get(a.id)).toEqual(a);
    expect(store.get(b.id)).toEqual(b);
    expect(store.get('no-such-id')).toBeUndefined();
    expect(rows(store)).toEqual({ memories: 2, fts: 2, vec: 2 });
  });

  it('working tier expires 24 h after now; ttl_seconds overrides; flashbulb and long_term never expire', async () => {
    const store = await open();
    const [working, ttl, ttlLong, flash, long] = await store.insert([
      { content: 'w', tier: 'working' },
      { content: 't', tier: 'working', ttl_seconds: 90 },
      { content: 'l', tier: 'long_term', ttl_seconds: 3600 },
      { content: 'f', tier: 'flashbulb' },
      { content: 'n' },
    ]);
    expect(working.expires_at).toBe('2025-01-02T00:00:00.000Z');
    expect(ttl.expires_at).toBe('2025-01-01T00:01:30.000Z');
    expect(ttlLong.expires_at).toBe('2025-01-01T01:00:00.000Z');
    expect(flash.expires_at).toBeNull();
    expect(long.expires_at).toBeNull();
  });

  it('honours workingTtlSeconds', async () => {
    const store = await open(new HashEmbedder(), { workingTtlSeconds: 60 });
    const [m] = await store.insert([{ content: 'short lived', tier: 'working' }]);
    expect(m.expires_at).toBe(iso(T0 + 60_000));
  });

  it('writes nothing when the embedder throws', async () => {
    const embedder = new FoldEmbedder({ failOnCall: 1 });
    const store = await open(embedder);
    await expect(store.insert([{ content: 'a' }, { content: 'b' }])).rejects.toThrow('embedder down on call 1');
    expect(rows(store)).toEqual({ memories: 0, fts: 0, vec: 0 });
  });

  it('rejects vectors of the wrong length and writes nothing', async () => {
    const bad: Embedder = {
      id: 'test-8',
      dimensions: async () => 8,
      embed: async (texts) => texts.map(() => new Float32Array(7)),
    };
    const store = await open(bad);
    const err = await rejection(store.insert([{ content: 'a' }]));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('Embedder test-8 returned 1 vectors of 7 dims; expected 1 of 8.');
    expect(rows(store)).toEqual({ memories: 0, fts: 0, vec: 0 });
  });

  it('a batch of 3 is all or nothing when the 3rd row violates a constraint', async () => {
    const store = await open();
    await store.insert([{ content: 'already here' }]);
    // salience 2 passes the TypeScript type but not the table's CHECK (zod is bypassed here).
    await expect(
      store.insert([{ content: 'one alpha' }, { content: 'two alpha' }, { content: 'three alpha', salience: 2 }]),
    ).rejects.toThrow(/CHECK constraint failed/);
    expect(rows(store)).toEqual({ memories: 1, fts: 1, vec: 1 });
    expect(ftsHits(store, 'alpha')).toEqual([]);
    expect(store.list('default', 10).items.map((m) => m.content)).toEqual(['already here']);
    // The store is still usable after the rollback.
    await store.insert([{ content: 'four alpha' }]);
    expect(rows(store)).toEqual({ memories: 2, fts: 2, vec: 2 });
    expect(ftsHits(store, 'alpha')).toHaveLength(1);
  });
});

describe('expiry', () => {
  it('hides expired memories from get, list, namespaces, tierCounts and search; purgeExpired removes every trace', async () => {
    const store = await open();
    const [ttl, working, keep] = await store.insert([
      { content: 'zephyr ttl note', namespace: 'x', ttl_seconds: 60 },
      { content: 'zephyr working note', namespace: 'x', tier: 'working' },
      { content: 'zephyr kept note', namespace: 'x', tier: 'flashbulb' },
    ]);
    const searchIds = async (mode: 'vector' | 'keyword' | 'hybrid') =>
      (await searchMemories(store, { query: 'zephyr note', mode, k: 10 })).map((h) => h.id).sort();

    t = T0 + 59_999; // 1 ms before the ttl memory expires: all visible
    expect(store.get(ttl.id)?.id).toBe(ttl.id);
    expect(store.list('x', 10).items).toHaveLength(3);
    expect(store.namespaces()).toEqual([{ namespace: 'x', count: 3 }]);
    expect(store.tierCounts()).toEqual({ working: 1, long_term: 1, flashbulb: 1 });
    for (const mode of ['vector', 'keyword', 'hybrid'] as const)
      expect(await searchIds(mode)).toEqual([ttl.id, working.id, keep.id].sort());
    expect(store.purgeExpired()).toBe(0);

    t = T0 + 60_000; // expires_at is exclusive: gone at that instant
    expect(store.get(ttl.id)).toBeUndefined();
    expect(
      store
        .list('x', 10)
        .items.map((m) => m.id)
        .sort(),
    ).toEqual([working.id, keep.id].sort());
    expect(store.namespaces()).toEqual([{ namespace: 'x', count: 2 }]);
    expect(store.tierCounts()).toEqual({ working: 1, long_term: 0, flashbulb: 1 });
    for (const mode of ['vector', 'keyword', 'hybrid'] as const)
      expect(await searchIds(mode)).toEqual([working.id, keep.id].sort());
    expect(rows(store)).toEqual({ memories: 3, fts: 3, vec: 3 }); // hidden, not yet deleted

    expect(store.purgeExpired()).toBe(1);
    expect(rows(store)).toEqual({ memories: 2, fts: 2, vec: 2 });
    expect(store.purgeExpired()).toBe(0);

    t = T0 + 24 * HOUR;
    expect(store.get(working.id)).toBeUndefined();
    expect(store.purgeExpired()).toBe(1);
    expect(rows(store)).toEqual({ memories: 1, fts: 1, vec: 1 });
    expect(ftsHits(store, 'zephyr')).toHaveLength(1);
    expect(store.get(keep.id)?.content).toBe('zephyr kept note');
    expect(store.namespaces()).toEqual([{ namespace: 'x', count: 1 }]);
  });
});

describe('list', () => {
  it('pages newest first with a cursor, ties broken by insertion order, other namespaces excluded', async () => {
    const store = await open();
    const ids: string[] = [];
    for (const c of ['m0', 'm1', 'm2']) {
      ids.push((await store.insert([{ content: c }]))[0].id);
      t += 1000;
    }
    // Two in one batch share created_at; the later row comes first.
    ids.push(...(await store.insert([{ content: 'm3' }, { content: 'm4' }])).map((m) => m.id));
    await store.insert([{ content: 'elsewhere', namespace: 'other' }]);

    const p1 = store.list('default', 2);
    expect(p1.items.map((m) => m.content)).toEqual(['m4', 'm3']);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const p2 = store.list('default', 2, p1.next_cursor!);
    expect(p2.items.map((m) => m.content)).toEqual(['m2', 'm1']);
    const p3 = store.list('default', 2, p2.next_cursor!);
    expect(p3.items.map((m) => m.content)).toEqual(['m0']);
    expect(p3.next_cursor).toBeNull();
    expect([...p1.items, ...p2.items, ...p3.items].map((m) => m.id)).toEqual([...ids].reverse());

    // An exact fit has no next page.
    expect(store.list('default', 5).next_cursor).toBeNull();
    expect(store.list('other', 5).items.map((m) => m.content)).toEqual(['elsewhere']);
    expect(store.list('nobody', 5)).toEqual({ items: [], next_cursor: null });
  });

  it('rejects a cursor it did not issue', async () => {
    const store = await open();
    for (const bad of ['not-a-cursor', Buffer.from('12.x').toString('base64url'), Buffer.from('-1.2').toString('base64url')]) {
      const err = thrown(() => store.list('default', 2, bad));
      expect(err.code).toBe('invalid_input');
      expect(err.message).toBe(`Cursor "${bad}" is not one this server issued.`);
    }
  });
});

describe('namespaces, tierCounts, delete', () => {
  it('counts per namespace (sorted) and per tier', async () => {
    const store = await open();
    expect(store.namespaces()).toEqual([]);
    expect(store.tierCounts()).toEqual({ working: 0, long_term: 0, flashbulb: 0 });
    await store.insert([
      { content: 'a', namespace: 'zeta' },
      { content: 'b', namespace: 'alpha', tier: 'working' },
      { content: 'c', namespace: 'alpha', tier: 'flashbulb' },
      { content: 'd', namespace: 'alpha' },
    ]);
    expect(store.namespaces()).toEqual([
      { namespace: 'alpha', count: 3 },
      { namespace: 'zeta', count: 1 },
    ]);
    expect(store.tierCounts()).toEqual({ working: 1, long_term: 2, flashbulb: 1 });
  });

  it('deleteById removes the row, its FTS entry and its vector; unknown id is not_found', async () => {
    const store = await open();
    const [a] = await store.insert([{ content: 'quokka' }, { content: 'wombat' }]);
    expect(store.deleteById(a.id)).toBe(1);
    expect(store.get(a.id)).toBeUndefined();
    expect(rows(store)).toEqual({ memories: 1, fts: 1, vec: 1 });
    expect(ftsHits(store, 'quokka')).toEqual([]);
    const err = thrown(() => store.deleteById(a.id));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe(`No memory with id "${a.id}".`);
  });

  it('deleteNamespace removes only that namespace', async () => {
    const store = await open();
    await store.insert([
      { content: 'a', namespace: 'gone' },
      { content: 'b', namespace: 'gone' },
      { content: 'c', namespace: 'stays' },
    ]);
    expect(store.deleteNamespace('gone')).toBe(2);
    expect(store.deleteNamespace('gone')).toBe(0);
    expect(store.namespaces()).toEqual([{ namespace: 'stays', count: 1 }]);
    expect(rows(store)).toEqual({ memories: 1, fts: 1, vec: 1 });
  });
});

describe('open', () => {
  it('migrates once: reopening keeps data, schema version and vector table', async () => {
    const first = await open();
    const [m] = await first.insert([{ content: 'survives a reopen' }]);
    const vecName = first.vec.name;
    first.close();
    first.close(); // idempotent

    const second = await open();
    expect(second.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(second.vec).toEqual({ name: vecName, dims: 384 });
    expect(vecName).toBe('memory_vectors_g1');
    expect(getMeta(second.db, 'embedder_id')).toBe('hash-384');
    expect(getMeta(second.db, 'vec_generation')).toBe('1');
    expect(second.get(m.id)?.content).toBe('survives a reopen');
    const tables = (
      second.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    ).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['memories', 'memories_fts', 'memories_fts_vocab', 'memory_vectors_g1', 'meta']),
    );
    expect(tables.filter((n) => /^memory_vectors_g\d+$/.test(n))).toEqual(['memory_vectors_g1']);
  });

  it('sets WAL, synchronous NORMAL and busy_timeout', async () => {
    const store = await open();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('refuses another embedder, naming both and the reembed command', async () => {
    const first = await open();
    await first.insert([{ content: 'a' }, { content: 'b' }]);
    first.close();
    const err = await rejection(open(new FoldEmbedder()));
    expect(err.code).toBe('embedder_mismatch');
    expect(err.message).toBe(
      `Database ${dbPath} was built with embedder hash-384 (384 dims), but the configured embedder is test-8.`,
    );
    expect(err.hint).toBe(
      `Run \`sixfold reembed --db ${dbPath}\` (with the same config) to re-embed all 2 memories in place, or configure hash-384 again.`,
    );
    expect(err.describe()).toContain('sixfold reembed');
    // The failed open closed its handle and changed nothing: the old embedder still opens.
    const again = await open();
    expect(again.list('default', 10).items).toHaveLength(2);
  });

  it('refuses the same embedder id with different dimensions', async () => {
    (await open(new FoldEmbedder({ dims: 8 }))).close();
    const err = await rejection(open(new FoldEmbedder({ dims: 16 })));
    expect(err.code).toBe('embedder_mismatch');
    expect(err.message).toBe(
      `Database ${dbPath} was built with embedder test-8 (8 dims), but the configured embedder is test-8 (16 dims).`,
    );
  });

  it('refuses a schema newer than it understands', async () => {
    const s = await open();
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    s.close();
    const err = await rejection(open());
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      `Database schema version ${SCHEMA_VERSION + 1} is newer than this sixfold understands (${SCHEMA_VERSION}).`,
    );
  });
});
