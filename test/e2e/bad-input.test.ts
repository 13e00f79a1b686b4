/**
 * Acceptance 3: bad input for every tool. Each call returns isError with a text that names the
 * field or problem and what to send instead; the server keeps serving (a successful call follows
 * every failure); and nothing is written by a failed store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callErr, callOk, readNamespace, readStatus, search, store, type NamespacePage, type Status } from '../helpers/mcp.js';
import { makeTempDir, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

interface Case {
  name: string;
  tool: 'memory_store' | 'memory_search' | 'memory_delete';
  args: Record<string, unknown>;
  /** Each must match the error text: what is wrong (the field) and how to fix it. */
  expect: RegExp[];
}

const NS_RULE = /namespace must be 1-64 characters of a-z, 0-9/;

const cases: Case[] = [
  // wrong types
  {
    name: 'store content: 5',
    tool: 'memory_store',
    args: { content: 5 },
    expect: [/\bcontent\b/, /must be a string/, /1\.\.100000/],
  },
  { name: 'store salience: 2', tool: 'memory_store', args: { content: 'x', salience: 2 }, expect: [/\bsalience\b/, /at most 1/] },
  {
    name: 'store salience: "high"',
    tool: 'memory_store',
    args: { content: 'x', salience: 'high' },
    expect: [/\bsalience\b/, /number from 0 to 1/],
  },
  {
    name: 'store metadata: "str"',
    tool: 'memory_store',
    args: { content: 'x', metadata: 'str' },
    expect: [/\bmetadata\b/, /must be a JSON object/],
  },
  {
    name: 'store metadata: [1]',
    tool: 'memory_store',
    args: { content: 'x', metadata: [1] },
    expect: [/\bmetadata\b/, /must be a JSON object/],
  },
  {
    name: 'store tier: "forever"',
    tool: 'memory_store',
    args: { content: 'x', tier: 'forever' },
    expect: [/\btier\b/, /one of working, long_term, flashbulb/],
  },
  {
    name: 'store ttl_seconds: 1.5',
    tool: 'memory_store',
    args: { content: 'x', ttl_seconds: 1.5 },
    expect: [/\bttl_seconds\b/, /whole number of seconds/],
  },
  { name: 'search k: "x"', tool: 'memory_search', args: { query: 'x', k: 'x' }, expect: [/\bk\b/, /whole number from 1 to 100/] },
  { name: 'search query: 5', tool: 'memory_search', args: { query: 5 }, expect: [/\bquery\b/, /must be a string/] },
  {
    name: 'search mode: "fuzzy"',
    tool: 'memory_search',
    args: { query: 'x', mode: 'fuzzy' },
    expect: [/\bmode\b/, /one of vector, keyword, hybrid/],
  },
  {
    name: 'search min_score: 2',
    tool: 'memory_search',
    args: { query: 'x', min_score: 2 },
    expect: [/\bmin_score\b/, /at most 1/],
  },
  { name: 'delete id: 5', tool: 'memory_delete', args: { id: 5 }, expect: [/\bid\b/, /string id returned by memory_store/] },
  {
    name: 'delete confirm: "yes"',
    tool: 'memory_delete',
    args: { namespace: 'default', confirm: 'yes' },
    expect: [/\bconfirm\b/, /true or false/],
  },
  // missing required fields
  {
    name: 'store without content',
    tool: 'memory_store',
    args: { namespace: 'default' },
    expect: [/\bcontent\b/, /must be a string/],
  },
  {
    name: 'store with empty content',
    tool: 'memory_store',
    args: { content: '' },
    expect: [/\bcontent\b/, /empty; send the text to remember/],
  },
  { name: 'search without query', tool: 'memory_search', args: {}, expect: [/\bquery\b/, /must be a string/] },
  { name: 'search with empty query', tool: 'memory_search', args: { query: '' }, expect: [/\bquery\b/, /empty; send the words/] },
  {
    name: 'delete with neither id nor namespace',
    tool: 'memory_delete',
    args: {},
    expect: [/needs an id or a namespace/, /Send \{"id"/],
  },
  // oversize
  {
    name: 'store content of 100001 chars',
    tool: 'memory_store',
    args: { content: 'a'.repeat(100_001) },
    expect: [/\bcontent\b/, /over 100000 characters/, /split it/],
  },
  {
    name: 'store metadata over 16 KiB',
    tool: 'memory_store',
    args: { content: 'x', metadata: { blob: 'm'.repeat(16 * 1024) } },
    expect: [/\bmetadata\b/, /over 16 KiB/, /keep large data/],
  },
  {
    name: 'search query over 10000 chars',
    tool: 'memory_search',
    args: { query: 'q'.repeat(10_001) },
    expect: [/\bquery\b/, /over 10000 characters; shorten it/],
  },
  // bad namespace
  {
    name: 'store namespace "Bad NS"',
    tool: 'memory_store',
    args: { content: 'x', namespace: 'Bad NS' },
    expect: [NS_RULE, /e\.g\. "project\.notes"/],
  },
  {
    name: 'store namespace of 65 chars',
    tool: 'memory_store',
    args: { content: 'x', namespace: 'n'.repeat(65) },
    expect: [NS_RULE],
  },
  { name: 'search namespace "Bad NS"', tool: 'memory_search', args: { query: 'x', namespace: 'Bad NS' }, expect: [NS_RULE] },
  { name: 'delete namespace "Bad NS"', tool: 'memory_delete', args: { namespace: 'Bad NS', confirm: true }, expect: [NS_RULE] },
  // unknown id
  {
    name: 'delete unknown id',
    tool: 'memory_delete',
    args: { id: '00000000-0000-4000-8000-000000000000' },
    expect: [/No memory with id "00000000-0000-4000-8000-000000000000"/, /Find ids with memory_search/],
  },
  // unknown extra keys (strict objects)
  {
    name: 'store with extra key contnet',
    tool: 'memory_store',
    args: { content: 'x', contnet: 'typo' },
    expect: [/Unknown field/, /"contnet"/, /remove/, /Accepted fields: content, /],
  },
  {
    name: 'store with only the misspelt contnet',
    tool: 'memory_store',
    args: { contnet: 'typo' },
    expect: [/"contnet"/, /\bcontent\b.*must be a string/],
  },
  {
    name: 'search with extra key limit',
    tool: 'memory_search',
    args: { query: 'x', limit: 3 },
    expect: [/Unknown field/, /"limit"/, /Accepted fields: query, /],
  },
  {
    name: 'delete with extra key ids',
    tool: 'memory_delete',
    args: { ids: ['a'] },
    expect: [/Unknown field/, /"ids"/, /Accepted fields: id, namespace, confirm/],
  },
  // cross-field rules
  {
    name: 'store ttl_seconds with tier flashbulb',
    tool: 'memory_store',
    args: { content: 'x', tier: 'flashbulb', ttl_seconds: 60 },
    expect: [/\bttl_seconds\b/, /flashbulb/, /Drop ttl_seconds/],
  },
  {
    name: 'delete with both id and namespace',
    tool: 'memory_delete',
    args: { id: 'abc', namespace: 'default', confirm: true },
    expect: [/either id or namespace, not both/, /Use \{"id"/],
  },
  {
    name: 'delete namespace without confirm',
    tool: 'memory_delete',
    args: { namespace: 'default' },
    expect: [/needs confirm: true/, /Send \{"namespace": "default", "confirm": true\}/],
  },
  // range
  { name: 'search k: 0', tool: 'memory_search', args: { query: 'x', k: 0 }, expect: [/\bk\b/, /at least 1/] },
  { name: 'search k: 101', tool: 'memory_search', args: { query: 'x', k: 101 }, expect: [/\bk\b/, /at most 100/] },
  { name: 'search k: 2.5', tool: 'memory_search', args: { query: 'x', k: 2.5 }, expect: [/\bk\b/, /whole number/] },
];

describe('bad input', () => {
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  let seeded: string[] = [];
  let statusBefore: Status;
  let pagesBefore: Record<string, NamespacePage>;

  const snapshotPages = async () => ({
    default: await readNamespace(client, 'memory://default'),
    notes: await readNamespace(client, 'memory://notes'),
  });

  beforeAll(async () => {
    tmp = makeTempDir();
    h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    client = h.client;
    await client.listTools();
    seeded = [
      (await store(client, { content: 'a healthy memory about canaries', namespace: 'default' })).id,
      (await store(client, { content: 'another healthy memory about canaries', namespace: 'notes' })).id,
    ];
    statusBefore = await readStatus(client);
    pagesBefore = await snapshotPages();
  });

  afterAll(async () => {
    await h?.close();
    tmp?.remove();
  });

  it.each(cases)('$name → isError naming the problem and the fix; server keeps serving', async (c) => {
    const text = await callErr(client, c.tool, c.args);
    for (const re of c.expect) expect(text, `error text for ${c.name}`).toMatch(re);
    // No stack traces or internals leak into the message.
    expect(text).not.toMatch(/\n\s+at\s/);
    expect(text).not.toMatch(/SQLITE|TypeError|undefined is not/);

    const ok = await search(client, { query: 'canaries', mode: 'keyword' });
    expect(ok.results.map((r) => r.id).sort()).toEqual([...seeded].sort());
  });

  it('nothing partial was written by the failed calls', async () => {
    const after = await readStatus(client);
    expect(after.counts).toEqual(statusBefore.counts);
    expect(await snapshotPages()).toEqual(pagesBefore);
    const { resources } = await client.listResources();
    expect(
      resources
        .map((r) => r.uri)
        .filter((u) => u.startsWith('memory://'))
        .sort(),
    ).toEqual(['memory://default', 'memory://notes']);
    // No junk from the oversize/typo stores is findable.
    const junk = await search(client, { query: 'typo x', mode: 'keyword' });
    expect(junk.results).toEqual([]);
  });

  describe('limits are inclusive', () => {
    it('accepts content of exactly 100000 chars, a 64-char namespace, k 1 and 100, salience 0 and 1', async () => {
      const big = await store(client, { content: 'b'.repeat(100_000), namespace: 'n'.repeat(64), salience: 0 });
      expect(big.namespace).toBe('n'.repeat(64));
      await store(client, {
        content: 'edge salience',
        namespace: 'edges',
        salience: 1,
        metadata: { blob: 'm'.repeat(16 * 1024 - 20) },
      });
      expect((await search(client, { query: 'canaries', k: 1 })).results).toHaveLength(1);
      expect((await search(client, { query: 'canaries', k: 100 })).results.length).toBeGreaterThan(0);
      expect(await callOk(client, 'memory_delete', { id: big.id })).toEqual({ deleted: 1 });
      expect(await callOk(client, 'memory_delete', { namespace: 'edges', confirm: true })).toEqual({ deleted: 1 });
    });
  });
});
