import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { contentHash, normalizeContent } from '../../../src/memory/dedup.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { MemoryStore, type MemoryChange } from '../../../src/memory/store.js';
import { normalizeTag, normalizeTags, tagsField } from '../../../src/memory/tags.js';
import { parseTimeBound } from '../../../src/memory/time.js';
import { listMemories, storeMemory, updateMemory } from '../../../src/memory/upkeep.js';
import { rejection, tempDir, thrown } from '../helpers.js';

const log = createLogger('silent');
const T0 = Date.UTC(2025, 0, 1);
let t: number;
let dir: ReturnType<typeof tempDir>;
let store: MemoryStore;
let changes: MemoryChange[][];

/** An embedder that waits for a signal before answering, so two calls can interleave. */
class SlowEmbedder extends HashEmbedder {
  release: (() => void) | undefined;
  override async embed(texts: readonly string[]): Promise<Float32Array[]> {
    await new Promise<void>((r) => {
      this.release = r;
    });
    return super.embed(texts);
  }
}

beforeEach(async () => {
  t = T0;
  dir = tempDir();
  changes = [];
  store = await MemoryStore.open({
    path: join(dir.path, 'm.db'),
    embedder: new HashEmbedder(),
    log,
    now: () => t,
    onChange: (c) => changes.push(c),
  });
});
afterEach(() => {
  store.close();
  dir.remove();
});

const count = () => (store.db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
const vecCount = () => (store.db.prepare(`SELECT count(*) AS n FROM ${store.vec.name}`).get() as { n: number }).n;
const tagRows = () => store.db.prepare('SELECT tag, memory_rowid FROM memory_tags ORDER BY tag').all() as Array<{ tag: string }>;

describe('normalisation', () => {
  it('content: NFC, whitespace runs collapsed, trimmed; case and punctuation kept', () => {
    expect(normalizeContent('  a\t b\n\nc  ')).toBe('a b c');
    expect(contentHash('Cafe\u0301 x')).toBe(contentHash('Café x'));
    expect(contentHash('Hello')).not.toBe(contentHash('hello'));
  });

  it('tags: NFKC, lower case, spaces as "-", deduplicated and sorted; bad ones named', () => {
    expect(normalizeTags(['Project X', 'project-x', ' OPS ', 'ｆｕｌｌ'])).toEqual(['full', 'ops', 'project-x']);
    expect(normalizeTag('')).toEqual({ error: 'a tag is empty' });
    expect(normalizeTag('-lead')).toMatchObject({ error: expect.stringMatching(/starting with a letter or digit/) });
    expect(normalizeTag('a'.repeat(65))).toMatchObject({ error: expect.stringMatching(/over 64 characters/) });
    expect(normalizeTag('__proto__')).toMatchObject({ error: expect.any(String) });
    expect(tagsField('tags').safeParse(['B', 'a', 'b']).data).toEqual(['a', 'b']);
  });

  it('time bounds: ISO or an age before now', () => {
    const now = Date.UTC(2025, 5, 1);
    expect(parseTimeBound('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseTimeBound('24h', now)).toBe(now - 86_400_000);
    expect(parseTimeBound('30m', now)).toBe(now - 1_800_000);
    expect(parseTimeBound('2w', now)).toBe(now - 14 * 86_400_000);
    expect(parseTimeBound('2025-01-02', now)).toBe(Date.UTC(2025, 0, 2));
    expect(parseTimeBound('2025-01-02T03:04:05+02:00', now)).toBe(Date.UTC(2025, 0, 2, 1, 4, 5));
    for (const bad of ['yesterday', '7 days', '-1d', '2025-02-31x', '999999w', ''])
      expect(parseTimeBound(bad, now)).toMatchObject({ error: expect.any(String) });
  });
});

describe('storeMemory (dedup)', () => {
  it('an exact repeat costs no embedding and writes no row; the change is an update', async () => {
    const a = await storeMemory(store, { content: 'same text', tags: ['x'] }, { nearThreshold: null });
    const embed = store.embedder.embed.bind(store.embedder);
    let calls = 0;
    store.embedder.embed = async (texts, signal) => {
      calls++;
      return embed(texts, signal);
    };
    t += 1000;
    const b = await storeMemory(store, { content: ' same   text ', tags: ['y'], tier: 'working' }, { nearThreshold: null });
    expect(calls).toBe(0);
    expect(b).toMatchObject({
      deduplicated: true,
      similarity: 1,
      memory: { id: a.memory.id, tags: ['x', 'y'], tier: 'long_term', expires_at: null },
    });
    expect(b.memory.updated_at).toBe(new Date(T0 + 1000).toISOString());
    expect(count()).toBe(1);
    expect(changes.map((c) => c[0].op)).toEqual(['insert', 'update']);
    expect(tagRows().map((r) => r.tag)).toEqual(['x', 'y']);
  });

  it('keeps the longer lifetime: a working memory stored again as long_term is kept', async () => {
    const a = await storeMemory(store, { content: 'scratch', tier: 'working' }, { nearThreshold: null });
    expect(a.memory.expires_at).not.toBeNull();
    const b = await storeMemory(store, { content: 'scratch', tier: 'long_term' }, { nearThreshold: null });
    expect(b.memory).toMatchObject({ tier: 'long_term', expires_at: null });
    // The vector side follows: a long_term filter finds it.
    const row = store.db.prepare(`SELECT tier, expires_at FROM ${store.vec.name}`).get() as { tier: string };
    expect(row.tier).toBe('long_term');
  });

  it('two concurrent stores of the same new text make one row', async () => {
    const slow = new SlowEmbedder();
    store.close();
    store = await MemoryStore.open({ path: join(dir.path, 'm.db'), embedder: slow, log, now: () => t });
    const p1 = storeMemory(store, { content: 'raced' }, { nearThreshold: null });
    await new Promise((r) => setImmediate(r));
    const r1 = slow.release!;
    const p2 = storeMemory(store, { content: 'raced' }, { nearThreshold: null });
    await new Promise((r) => setImmediate(r));
    const r2 = slow.release!;
    r1();
    r2();
    const [a, b] = await Promise.all([p1, p2]);
    expect(count()).toBe(1);
    expect([a.deduplicated, b.deduplicated].sort()).toEqual([false, true]);
    expect(a.memory.id).toBe(b.memory.id);
  });

  it('a namespace at the tag limit refuses a duplicate that would push it over, and stores nothing', async () => {
    const tags = Array.from({ length: 32 }, (_, i) => `t${i}`);
    await storeMemory(store, { content: 'tagged', tags }, { nearThreshold: null });
    const e = await rejection(storeMemory(store, { content: 'tagged', tags: ['one-more'] }, { nearThreshold: null }));
    expect(e.message).toMatch(/would end up with 33 tags/);
    expect(count()).toBe(1);
  });
});

describe('updateMemory', () => {
  it('re-embeds only when the content changes; keeps FTS and vectors in step', async () => {
    const { memory } = await storeMemory(store, { content: 'alpha beta' }, { nearThreshold: null });
    const embed = store.embedder.embed.bind(store.embedder);
    let calls = 0;
    store.embedder.embed = async (texts, signal) => {
      calls++;
      return embed(texts, signal);
    };
    await updateMemory(store, memory.id, { tags: ['k'], salience: 0.2 });
    expect(calls).toBe(0);
    await updateMemory(store, memory.id, { content: 'alpha beta' });
    expect(calls).toBe(0);
    await updateMemory(store, memory.id, { content: 'gamma delta' });
    expect(calls).toBe(1);
    const fts = store.db.prepare("SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'gamma'").all();
    expect(fts).toHaveLength(1);
    expect(store.db.prepare("SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'alpha'").all()).toHaveLength(0);
    expect(vecCount()).toBe(1);
    expect(tagRows().map((r) => r.tag)).toEqual(['k']);
  });

  it('a memory deleted while its new content was being embedded is not found, and nothing is written', async () => {
    const slow = new SlowEmbedder();
    store.close();
    store = await MemoryStore.open({ path: join(dir.path, 'm.db'), embedder: new HashEmbedder(), log, now: () => t });
    const { memory } = await storeMemory(store, { content: 'to be deleted' }, { nearThreshold: null });
    store.close();
    store = await MemoryStore.open({ path: join(dir.path, 'm.db'), embedder: slow, log, now: () => t });
    const p = updateMemory(store, memory.id, { content: 'new words' });
    await new Promise((r) => setImmediate(r));
    store.deleteById(memory.id);
    slow.release!();
    expect((await rejection(p)).code).toBe('not_found');
    expect(count()).toBe(0);
    expect(vecCount()).toBe(0);
  });

  it('expired memories cannot be updated', async () => {
    const { memory } = await storeMemory(store, { content: 'short lived', ttl_seconds: 1 }, { nearThreshold: null });
    t += 2000;
    expect((await rejection(updateMemory(store, memory.id, { salience: 1 }))).code).toBe('not_found');
  });
});

describe('listMemories', () => {
  it('keyset pages are stable while rows are added', async () => {
    for (let i = 0; i < 5; i++) {
      await storeMemory(store, { content: `item ${i}` }, { nearThreshold: null });
      t += 10;
    }
    const p1 = listMemories(store, {}, 2);
    expect(p1.memories.map((m) => m.content)).toEqual(['item 4', 'item 3']);
    await storeMemory(store, { content: 'item new' }, { nearThreshold: null });
    const p2 = listMemories(store, {}, 2, p1.next_cursor!);
    expect(p2.memories.map((m) => m.content)).toEqual(['item 2', 'item 1']);
    const p3 = listMemories(store, {}, 2, p2.next_cursor!);
    expect(p3.memories.map((m) => m.content)).toEqual(['item 0']);
    expect(p3.next_cursor).toBeNull();
    expect(thrown(() => listMemories(store, { namespace: 'other' }, 2, p1.next_cursor!)).message).toMatch(
      /cursor is not one this server issued/,
    );
    const forged = Buffer.from(JSON.stringify({ c: 'x', r: 1, f: 'y' })).toString('base64url');
    expect(thrown(() => listMemories(store, {}, 2, forged)).code).toBe('invalid_input');
  });
});
