/**
 * Memory upkeep through a real client over stdio and HTTP: dedup on store (exact and near), tags,
 * memory_get / memory_update / memory_list, time filters and order "recent", resource links, and
 * bad input for every new field. Old memories come from `sixfold import` (fixed creation times),
 * so time filters are exact without waiting.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TRANSPORTS, startFixture, type Fixture } from '../helpers/both.js';
import { call, callErr, callOk, type MemoryOut, type SearchResult, type StoreResult } from '../helpers/mcp.js';
import { childEnv, makeTempDir, resourceJson, runCli, type TempDir } from '../helpers/server.js';

type Page = { memories: MemoryOut[]; next_cursor: string | null };

const OLD = [
  {
    id: 'old-1',
    content: 'Chose PostgreSQL over MySQL for the billing service',
    created_at: '2024-01-10T10:00:00.000Z',
    tags: ['project-x', 'decision'],
  },
  {
    id: 'old-2',
    content: 'The billing service moved to weekly invoicing runs',
    created_at: '2024-06-10T10:00:00.000Z',
    tags: ['project-x'],
  },
  {
    id: 'old-3',
    content: 'Rotated the billing database credentials after the audit',
    created_at: '2025-01-10T10:00:00.000Z',
    tags: ['ops'],
  },
];

function exportFile(dir: string): string {
  const header = {
    format: 'sixfold-memories',
    version: 1,
    embedder: { id: 'hash-384', dims: 384 },
    exported_at: '2025-02-01T00:00:00.000Z',
    namespace: null,
  };
  const lines = OLD.map((m) => ({
    id: m.id,
    namespace: 'hist',
    content: m.content,
    tier: 'long_term',
    salience: 0.5,
    metadata: {},
    tags: m.tags,
    created_at: m.created_at,
    updated_at: m.created_at,
    expires_at: null,
  }));
  const file = join(dir, 'old.jsonl');
  writeFileSync(file, [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

const ids = (p: Page | SearchResult) => ('memories' in p ? p.memories : p.results).map((m) => m.id);

describe.each(TRANSPORTS)('memory upkeep over %s', (kind) => {
  let tmp: TempDir;
  let f: Fixture;
  let client: Client;

  beforeAll(async () => {
    tmp = makeTempDir('sixfold-upkeep-');
    const imported = await runCli(['import', exportFile(tmp.dir), '--db', tmp.db], childEnv(tmp.xdg));
    expect(imported.stderr).toContain('imported 3 memories');
    expect(imported.code).toBe(0);
    const config = join(tmp.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ memory: { dedup_threshold: 0.9 } }));
    f = await startFixture(kind, { tmp, extraArgs: ['--config', config] });
    client = f.main.client;
  });

  afterAll(async () => {
    await f?.close();
    tmp?.remove();
  });

  it('the same content (whitespace aside) in a namespace is stored once and refreshed; allow_duplicate stores a copy', async () => {
    const a = await callOk<StoreResult>(client, 'memory_store', {
      content: 'Remember: the staging DB password rotates monthly',
      namespace: 'd',
      tags: ['Ops'],
      salience: 0.4,
    });
    expect(a).toMatchObject({ deduplicated: false, tags: ['ops'], namespace: 'd' });
    const before = await callOk<MemoryOut>(client, 'memory_get', { id: a.id });
    const again = await call(client, 'memory_store', {
      content: '  Remember:  the staging DB\npassword rotates monthly ',
      namespace: 'd',
      tags: ['security'],
      salience: 0.7,
      tier: 'flashbulb',
    });
    expect(again.isError).toBe(false);
    expect(again.structured).toMatchObject({
      id: a.id,
      deduplicated: true,
      similarity: 1,
      tags: ['ops', 'security'],
      tier: 'flashbulb',
      expires_at: null,
    });
    expect(again.text).toMatch(/Already stored as memory/);
    const after = await callOk<MemoryOut>(client, 'memory_get', { id: a.id });
    expect(after.salience).toBe(0.7);
    expect(after.content).toBe('Remember: the staging DB password rotates monthly'); // the first wording stays
    expect(Date.parse(after.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
    expect(after.created_at).toBe(before.created_at);
    expect(ids(await callOk<Page>(client, 'memory_list', { namespace: 'd' }))).toEqual([a.id]);

    const elsewhere = await callOk<StoreResult>(client, 'memory_store', {
      content: 'Remember: the staging DB password rotates monthly',
      namespace: 'd2',
    });
    expect(elsewhere.deduplicated).toBe(false);
    const copy = await callOk<StoreResult>(client, 'memory_store', {
      content: 'Remember: the staging DB password rotates monthly',
      namespace: 'd',
      allow_duplicate: true,
    });
    expect(copy.deduplicated).toBe(false);
    expect(copy.id).not.toBe(a.id);
    expect((await callOk<Page>(client, 'memory_list', { namespace: 'd' })).memories).toHaveLength(2);
  });

  it('with memory.dedup_threshold set, a near-duplicate returns the existing memory with its similarity', async () => {
    const a = await callOk<StoreResult>(client, 'memory_store', {
      content: 'The build cache lives in /var/cache/build on every CI runner',
      namespace: 'near',
    });
    const b = await callOk<StoreResult>(client, 'memory_store', {
      content: 'The build cache lives in /var/cache/build on each CI runner',
      namespace: 'near',
    });
    expect(b.id).toBe(a.id);
    expect(b.deduplicated).toBe(true);
    expect(b.similarity).toBeGreaterThanOrEqual(0.9);
    expect(b.similarity).toBeLessThan(1);
    const other = await callOk<StoreResult>(client, 'memory_store', {
      content: 'Lunch on Fridays is at noon in the big room',
      namespace: 'near',
    });
    expect(other.deduplicated).toBe(false);
  });

  it('memory_store and memory_get link the memory; the link resolves', async () => {
    const r = await client.callTool({
      name: 'memory_store',
      arguments: { content: 'Linked memory for resources/read', namespace: 'links' },
    });
    const s = r.structuredContent as unknown as StoreResult;
    const link = (r.content as Array<{ type: string; uri?: string }>).find((c) => c.type === 'resource_link');
    expect(link?.uri).toBe(`memory://links/${s.id}`);
    const read = resourceJson<MemoryOut>(await client.readResource({ uri: link!.uri! }));
    expect(read).toMatchObject({ id: s.id, content: 'Linked memory for resources/read', tags: [] });
    const g = await client.callTool({ name: 'memory_get', arguments: { id: s.id } });
    expect((g.content as Array<{ type: string; uri?: string }>).find((c) => c.type === 'resource_link')?.uri).toBe(link!.uri);
    const page = resourceJson<{ memories: MemoryOut[] }>(await client.readResource({ uri: 'memory://hist' }));
    expect(page.memories.find((m) => m.id === 'old-1')?.tags).toEqual(['decision', 'project-x']); // resources show tags
  });

  it('memory_update changes only what is sent, re-embeds new content and resets expiry by tier', async () => {
    const m = await callOk<StoreResult>(client, 'memory_store', {
      content: 'Deploy window is Tuesday 14:00 UTC',
      namespace: 'u',
      tags: ['ops'],
      metadata: { v: 1 },
    });
    const u = await callOk<MemoryOut>(client, 'memory_update', {
      id: m.id,
      content: 'Deploy window is Thursday 09:00 UTC',
      tags: ['ops', 'Changed'],
      salience: 0.9,
      metadata: { v: 2 },
    });
    expect(u).toMatchObject({
      id: m.id,
      namespace: 'u',
      content: 'Deploy window is Thursday 09:00 UTC',
      tags: ['changed', 'ops'],
      salience: 0.9,
      metadata: { v: 2 },
      tier: 'long_term',
      expires_at: null,
    });
    expect(u.created_at).toBe(m.created_at);
    const thursday = await callOk<SearchResult>(client, 'memory_search', { query: 'Thursday', namespace: 'u', mode: 'keyword' });
    expect(ids(thursday)).toEqual([m.id]);
    expect(
      ids(await callOk<SearchResult>(client, 'memory_search', { query: 'Tuesday', namespace: 'u', mode: 'keyword' })),
    ).toEqual([]);
    const vec = await callOk<SearchResult>(client, 'memory_search', {
      query: 'deploy window thursday',
      namespace: 'u',
      mode: 'vector',
    });
    expect(vec.results[0].id).toBe(m.id);

    const working = await callOk<MemoryOut>(client, 'memory_update', { id: m.id, tier: 'working' });
    expect(working.tier).toBe('working');
    const ttl = Date.parse(working.expires_at!) - Date.parse(working.updated_at);
    expect(ttl).toBe(24 * 3600 * 1000);
    expect(working.content).toBe('Deploy window is Thursday 09:00 UTC'); // untouched
    const kept = await callOk<MemoryOut>(client, 'memory_update', { id: m.id, tier: 'long_term', ttl_seconds: null });
    expect(kept.expires_at).toBeNull();
    const timed = await callOk<MemoryOut>(client, 'memory_update', { id: m.id, ttl_seconds: 60 });
    expect(Date.parse(timed.expires_at!) - Date.parse(timed.updated_at)).toBe(60_000);
    // Expiry on the vector side too: a working tier filter finds it no longer, long_term does.
    const lt = await callOk<SearchResult>(client, 'memory_search', {
      query: 'deploy window',
      namespace: 'u',
      tier: 'long_term',
      mode: 'vector',
    });
    expect(ids(lt)).toContain(m.id);
  });

  it('memory_update refuses what cannot be done, and nothing changes', async () => {
    const m = await callOk<StoreResult>(client, 'memory_store', { content: 'Unchanged by refused updates', namespace: 'u2' });
    expect(await callErr(client, 'memory_update', { id: m.id })).toMatch(/Nothing to update/);
    expect(await callErr(client, 'memory_update', { id: m.id, tier: 'flashbulb', ttl_seconds: 30 })).toMatch(
      /flashbulb memories never expire/,
    );
    expect(await callErr(client, 'memory_update', { id: m.id, tier: 'working', ttl_seconds: null })).toMatch(
      /working memories always expire/,
    );
    expect(await callErr(client, 'memory_update', { id: 'no-such-memory', tags: ['x'] })).toMatch(
      /No memory with id "no-such-memory".*memory_search or memory_list/,
    );
    expect(await callErr(client, 'memory_update', { id: m.id, namespace: 'elsewhere' })).toMatch(/Unknown field.*"namespace"/);
    expect(await callErr(client, 'memory_update', { id: m.id, ttl_seconds: -1 })).toMatch(/ttl_seconds must be at least 1/);
    expect(await callErr(client, 'memory_update', { id: m.id, content: '' })).toMatch(/content is empty/);
    const same = await callOk<MemoryOut>(client, 'memory_get', { id: m.id });
    expect(same).toMatchObject({ content: 'Unchanged by refused updates', tags: [], tier: 'long_term', expires_at: null });
  });

  it('memory_list pages newest first with an opaque cursor tied to its filters', async () => {
    expect(ids(await callOk<Page>(client, 'memory_list', { namespace: 'hist' }))).toEqual(['old-3', 'old-2', 'old-1']);
    const p1 = await callOk<Page>(client, 'memory_list', { namespace: 'hist', limit: 2 });
    expect(ids(p1)).toEqual(['old-3', 'old-2']);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const p2 = await callOk<Page>(client, 'memory_list', { namespace: 'hist', limit: 2, cursor: p1.next_cursor });
    expect(ids(p2)).toEqual(['old-1']);
    expect(p2.next_cursor).toBeNull();
    expect(await callErr(client, 'memory_list', { namespace: 'd', limit: 2, cursor: p1.next_cursor })).toMatch(
      /cursor is not one this server issued for these filters/,
    );
    expect(await callErr(client, 'memory_list', { cursor: 'garbage' })).toMatch(/cursor is not one this server issued/);
    const all = await callOk<Page>(client, 'memory_list', { limit: 100 });
    expect(all.memories.length).toBeGreaterThan(3);
  });

  it('tags_any, tags_all, after and before filter memory_list and memory_search; order "recent" sorts by time', async () => {
    const list = (args: Record<string, unknown>) => callOk<Page>(client, 'memory_list', { namespace: 'hist', ...args }).then(ids);
    expect(await list({ tags_any: ['decision', 'OPS'] })).toEqual(['old-3', 'old-1']);
    expect(await list({ tags_all: ['project-x', 'decision'] })).toEqual(['old-1']);
    expect(await list({ tags_any: ['Project X'] })).toEqual(['old-2', 'old-1']); // normalised as stored
    expect(await list({ after: '2024-05-01' })).toEqual(['old-3', 'old-2']);
    expect(await list({ before: '2024-05-01T00:00:00Z' })).toEqual(['old-1']);
    expect(await list({ after: '2024-01-01', before: '2024-12-31' })).toEqual(['old-2', 'old-1']);
    expect(await list({ after: '7d' })).toEqual([]);
    const recentAll = await callOk<Page>(client, 'memory_list', { after: '24h', limit: 100 });
    expect(recentAll.memories.length).toBeGreaterThan(0);
    expect(recentAll.memories.every((m) => m.namespace !== 'hist')).toBe(true);

    const search = (args: Record<string, unknown>) =>
      callOk<SearchResult>(client, 'memory_search', { query: 'billing service database', namespace: 'hist', ...args });
    const byScore = await search({});
    expect(byScore.results).toHaveLength(3);
    expect(ids(await search({ order: 'recent' }))).toEqual(['old-3', 'old-2', 'old-1']);
    expect(ids(await search({ order: 'recent', k: 1 }))).toEqual(['old-3']);
    expect(new Set(ids(await search({ tags_all: ['project-x'] })))).toEqual(new Set(['old-1', 'old-2']));
    expect(ids(await search({ after: '2024-12-01' }))).toEqual(['old-3']);
    expect(ids(await search({ mode: 'vector', tags_any: ['ops'] }))).toEqual(['old-3']);
    expect(ids(await search({ mode: 'keyword', before: '2024-02-01' }))).toEqual(['old-1']);
    const hit = (await search({ tags_any: ['decision'] })).results[0];
    expect(hit).toMatchObject({
      id: 'old-1',
      tags: ['decision', 'project-x'],
      created_at: '2024-01-10T10:00:00.000Z',
      updated_at: '2024-01-10T10:00:00.000Z',
    });
    expect(await callErr(client, 'memory_search', { query: 'x', after: '2025-01-01', before: '2024-01-01' })).toMatch(
      /after .* is not earlier than before/,
    );
  });

  it('bad input for every new field gets an isError that says what to send, and the server keeps serving', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['memory_store', { content: 'x', tags: 'ops' }, /tags must be an array of strings/],
      ['memory_store', { content: 'x', tags: [''] }, /tags: a tag is empty; send short labels/],
      ['memory_store', { content: 'x', tags: ['#!'] }, /tag "#!" may hold only letters, digits/],
      ['memory_store', { content: 'x', tags: ['t'.repeat(65)] }, /is over 64 characters/],
      ['memory_store', { content: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, /at most 32 tags/],
      ['memory_store', { content: 'x', tags: [5] }, /tags must be an array of strings/],
      ['memory_store', { content: 'x', allow_duplicate: 'yes' }, /allow_duplicate must be true or false/],
      [
        'memory_search',
        { query: 'x', after: 'yesterday' },
        /after must be an ISO 8601 time .* or an age such as "30m", "24h", "7d", "2w"/,
      ],
      ['memory_search', { query: 'x', before: 5 }, /before must be a string/],
      ['memory_search', { query: 'x', after: '9999999d' }, /after must be an ISO 8601 time/],
      ['memory_search', { query: 'x', order: 'newest' }, /order must be one of relevance, recent/],
      ['memory_search', { query: 'x', tags_all: 'a' }, /tags_all must be an array of strings/],
      ['memory_list', { tags_any: ['ok', '??'] }, /tags_any: tag "\?\?" may hold only/],
      ['memory_list', { limit: 0 }, /limit must be at least 1/],
      ['memory_list', { limit: 101 }, /limit must be at most 100/],
      ['memory_list', { cursor: 123 }, /cursor must be the next_cursor string/],
      ['memory_list', { cursor: 'c'.repeat(201) }, /cursor is too long/],
      ['memory_list', { namespace: 'Bad NS' }, /namespace must be 1-64 characters/],
      ['memory_list', { after: '2024-13-45' }, /after must be an ISO 8601 time/],
      ['memory_list', { page: 2 }, /Unknown field.*"page".*Accepted fields: namespace, tier, tags_any/],
      ['memory_get', { id: 5 }, /id must be the string id returned by memory_store/],
      ['memory_get', {}, /id must be the string id/],
      ['memory_get', { id: 'missing-id' }, /No memory with id "missing-id"/],
      ['memory_update', { id: 'x', tags: 'a' }, /tags must be an array of strings/],
      ['memory_update', { id: 'x', salience: 3 }, /salience must be at most 1/],
      ['memory_update', { id: 'x', tier: 'forever' }, /tier must be one of working, long_term, flashbulb/],
      ['memory_update', { id: 'x', ttl_seconds: 1.5 }, /ttl_seconds must be a whole number of seconds/],
      ['memory_update', { id: 'x', metadata: [1] }, /metadata must be a JSON object/],
    ];
    for (const [tool, args, want] of cases) {
      const text = await callErr(client, tool, args);
      expect(text, `${tool} ${JSON.stringify(args).slice(0, 80)}`).toMatch(want);
    }
    await callOk(client, 'memory_list', { limit: 1 });
  });
});
