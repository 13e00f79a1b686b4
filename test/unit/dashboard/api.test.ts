/**
 * The dashboard's server side without HTTP: its SQL (paging, facets, runs, router series), the
 * live-update feed, a CRDT doc's history, the auth helpers and the metrics registry, over a real
 * store on a temp file.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Params, createDashboardApi } from '../../../src/dashboard/api.js';
import { basicMatches, crossSiteRefusal, tokenRefusal } from '../../../src/dashboard/auth.js';
import { ChangeFeed } from '../../../src/dashboard/changes.js';
import { DashboardQueries, SERIES_MAX_CALLS } from '../../../src/dashboard/queries.js';
import type { Deps } from '../../../src/deps.js';
import { lazy } from '../../../src/lazy.js';
import { createLogger } from '../../../src/log.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { Metrics } from '../../../src/metrics.js';
import { DocStore } from '../../../src/patterns/crdt/docs.js';
import { AgentLedger } from '../../../src/patterns/ephemeral/ledger.js';
import { tempDir } from '../helpers.js';

const log = createLogger('silent');

describe('dashboard queries', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: MemoryStore;
  let sql: DashboardQueries;
  let t = 1_000_000;

  beforeEach(async () => {
    dir = tempDir();
    store = await MemoryStore.open({ path: join(dir.path, 'd.db'), embedder: new HashEmbedder(), log, now: () => t });
    sql = new DashboardQueries(store.db);
  });

  afterEach(() => {
    store.close();
    dir.remove();
  });

  const insert = async (n: number, namespace: string, tier: 'working' | 'long_term' = 'long_term') => {
    for (let i = 0; i < n; i++) {
      t += i % 3 === 0 ? 0 : 1; // some share a timestamp: the cursor must still be exact
      await store.insert([{ content: `${namespace} note ${i}`, namespace, tier }]);
    }
  };

  const all = (f: { namespace?: string; tier?: string }, limit: number) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = sql.memories({ ...f, cursor, limit }, t);
      seen.push(...page.items.map((m) => m.content));
      if (!page.next) return seen;
      cursor = page.next;
    }
    throw new Error('paging did not end');
  };

  it('pages memories newest first, across namespaces and within one, without gaps or repeats', async () => {
    await insert(23, 'a');
    await insert(11, 'b', 'working');
    const everything = all({}, 7);
    expect(everything).toHaveLength(34);
    expect(new Set(everything).size).toBe(34);
    expect(everything[0]).toBe('b note 10');
    expect(everything.at(-1)).toBe('a note 0');
    const inA = all({ namespace: 'a' }, 5);
    expect(inA).toEqual(Array.from({ length: 23 }, (_, i) => `a note ${22 - i}`));
    expect(all({ tier: 'working' }, 4)).toHaveLength(11);
    expect(sql.memories({ namespace: 'none', limit: 10 }, t)).toEqual({ items: [], next: null });
  });

  it('tags: counted over live memories, and a filter of the list', async () => {
    await insert(3, 'a');
    expect(sql.tags(t, 10)).toEqual([]);
    store.db.prepare("UPDATE memories SET tags = ? WHERE content = 'a note 0'").run('["x","y"]');
    store.db.prepare("UPDATE memories SET tags = ? WHERE content = 'a note 1'").run('["x"]');
    expect(sql.tags(t, 10)).toEqual([
      { tag: 'x', count: 2 },
      { tag: 'y', count: 1 },
    ]);
    expect(sql.memories({ tag: 'y', limit: 10 }, t).items.map((m) => m.content)).toEqual(['a note 0']);
  });

  it('summarises ephemeral runs with their agents by status and cost', () => {
    const ledger = new AgentLedger(store.db, () => t);
    ledger.enqueue(
      [0, 1, 2].map((i) => ({
        id: `00000000-0000-0000-0000-00000000000${i}`,
        run_id: '11111111-1111-1111-1111-111111111111',
        role: 'w',
        input_index: i,
      })),
    );
    for (const i of [0, 1, 2]) ledger.start(`00000000-0000-0000-0000-00000000000${i}`, new AbortController());
    const end = (i: number, status: 'succeeded' | 'failed', cost: number) =>
      ledger.end(`00000000-0000-0000-0000-00000000000${i}`, {
        status,
        result: null,
        memories_loaded: 0,
        memories_written: 0,
        cost_usd: cost,
        error: null,
      });
    end(0, 'succeeded', 0.25);
    end(1, 'succeeded', 0.5);
    end(2, 'failed', 0);
    ledger.flush();
    const [run] = sql.runs(10);
    expect(run).toMatchObject({
      run_id: '11111111-1111-1111-1111-111111111111',
      agents: 3,
      cost_usd: 0.75,
      statuses: { succeeded: 2, failed: 1 },
    });
    expect(sql.agentStatuses()).toEqual({ succeeded: 2, failed: 1 });
  });

  it('buckets LLM calls per provider and interval; failures exclude cancellations', () => {
    const add = store.db.prepare(
      'INSERT INTO llm_calls (at, provider, model, purpose, outcome, cost_usd, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const base = 60_000 * 1000;
    add.run(base + 1_000, 'openai', 'm', 'vote', 'ok', 0.01, 100, null);
    add.run(base + 59_000, 'openai', 'm', 'vote', 'server', 0, 300, 'boom');
    add.run(base + 61_000, 'openai', 'm', 'vote', 'cancelled', 0, 50, 'cancelled');
    add.run(base + 62_000, 'anthropic', 'm', 'vote', 'ok', 0.02, 200, null);
    add.run(base - 10, 'openai', 'm', 'vote', 'ok', 1, 1, null); // before the window
    const points = sql.routerSeries(base, 60_000);
    expect(points).toEqual([
      { t: base, provider: 'openai', calls: 2, failures: 1, latency_ms: 200, cost_usd: 0.01 },
      { t: base + 60_000, provider: 'anthropic', calls: 1, failures: 0, latency_ms: 200, cost_usd: 0.02 },
      { t: base + 60_000, provider: 'openai', calls: 1, failures: 0, latency_ms: 50, cost_usd: 0 },
    ]);
    expect(sql.routerFailures(10).map((f) => f.error)).toEqual(['boom']);
    expect(SERIES_MAX_CALLS).toBe(100_000);
  });

  it("a CRDT document's history: one entry per merge since the last compaction, newest first", () => {
    const docs = new DocStore(store.db, { compactEvery: 3, cacheSize: 4, maxDocBytes: 1 << 20, now: () => t });
    docs.merge('d', { ops: [{ op: 'text_insert', target: 'body', value: 'hello' }], actor: 'a' });
    docs.merge('d', { ops: [{ op: 'text_delete', target: 'body', index: 0, length: 2 }], actor: 'b' });
    const h = docs.history('d', 10)!;
    expect(h.entries.map((e) => [e.updates, e.inserted, e.deleted])).toEqual([
      [1, 0, 2],
      [1, 5, 0],
    ]);
    expect(h.entries[0].seq).toBeGreaterThan(h.entries[1].seq);
    expect(h.entries[0].clients).toHaveLength(1);
    docs.merge('d', { ops: [{ op: 'text_insert', target: 'body', value: '!' }], actor: 'a' }); // the third: compacted
    expect(docs.history('d', 10)!.entries).toEqual([]);
    expect(docs.view('d').snapshot).toEqual({ body: 'llo!' });
    expect(docs.history('nope', 10)).toBeUndefined();
    docs.close();
  });

  it('the change feed names the areas a write touched, and nothing when nothing was written', async () => {
    const docs = new DocStore(store.db, { compactEvery: 100, cacheSize: 4, maxDocBytes: 1 << 20 });
    const deps = { store, crdt: lazy(async () => docs), log, gossip: undefined } as unknown as Deps;
    const feed = new ChangeFeed(sql, deps, 60_000);
    const heard: string[][] = [];
    const stop = feed.subscribe((topics) => heard.push(topics));
    expect(feed.check()).toEqual([]);
    await store.insert([{ content: 'x' }]);
    expect(feed.check()).toEqual(['memory']);
    docs.merge('d', { ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] });
    expect(feed.check()).toEqual(['crdt']);
    store.db.prepare("INSERT INTO meta (key, value) VALUES ('probe', '1')").run();
    expect(feed.check()).toEqual(['db']);
    expect(feed.check()).toEqual([]);
    expect(heard).toEqual([['memory'], ['crdt'], ['db']]);
    stop();
    expect(feed.size).toBe(0);
    docs.close();
  });
});

describe('the peers view', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: MemoryStore;

  beforeEach(async () => {
    dir = tempDir();
    store = await MemoryStore.open({ path: join(dir.path, 'p.db'), embedder: new HashEmbedder(), log });
  });

  afterEach(() => {
    store.close();
    dir.remove();
  });

  const peersOf = (extra: Record<string, unknown>) =>
    createDashboardApi({ store, log, ...extra } as unknown as Deps).get('peers')!(
      new Params(new URLSearchParams()),
      new AbortController().signal,
    );

  it('says "not configured" on a lone server, and shows gossip and a peer layer when there are', () => {
    expect(peersOf({ gossip: undefined })).toEqual({ configured: false });
    const gossip = {
      status: () => ({ enabled: true, peers: [{ peer: 'ws://10.0.0.2:7401', state: 'open' }], counters: { rounds: 3 } }),
    };
    expect(peersOf({ gossip })).toMatchObject({
      configured: true,
      node_id: null,
      peers: null,
      gossip: { enabled: true, counters: { rounds: 3 } },
    });
    // A cluster peer layer in Deps (node ids, connection states, counters) is shown when present.
    const peers = {
      id: 'node-a',
      address: () => ({ host: '10.0.0.1', port: 7500 }),
      status: () => [{ peer: 'node-b', state: 'open' }],
      counters: { frames_sent: 9 },
    };
    expect(peersOf({ gossip, peers })).toMatchObject({
      configured: true,
      node_id: 'node-a',
      address: { host: '10.0.0.1', port: 7500 },
      peers: [{ peer: 'node-b', state: 'open' }],
      counters: { frames_sent: 9 },
    });
  });
});

describe('dashboard auth helpers', () => {
  const token = 'unit-token-0123456789';
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('Basic takes any user name with the token as the password, and nothing else', () => {
    expect(basicMatches(`Basic ${b64(`me:${token}`)}`, token)).toBe(true);
    expect(basicMatches(`basic ${b64(`:${token}`)}`, token)).toBe(true);
    expect(basicMatches(`Basic ${b64(`me:${token}:x`)}`, token)).toBe(false);
    expect(basicMatches(`Basic ${b64(`${token}:`)}`, token)).toBe(false);
    expect(basicMatches(`Basic ${b64(token)}`, token)).toBe(false);
    expect(basicMatches(`Bearer ${token}`, token)).toBe(false);
    expect(basicMatches(undefined, token)).toBe(false);
  });

  it('the token check: none needed without a token; Bearer everywhere; Basic on browser paths only', () => {
    expect(tokenRefusal({}, undefined, true)).toBeUndefined();
    expect(tokenRefusal({ authorization: `Bearer ${token}` }, token, false)).toBeUndefined();
    expect(tokenRefusal({ authorization: `Basic ${b64(`u:${token}`)}` }, token, true)).toBeUndefined();
    expect(tokenRefusal({ authorization: `Basic ${b64(`u:${token}`)}` }, token, false)?.status).toBe(401);
    expect(tokenRefusal({}, token, true)?.headers['www-authenticate']).toMatch(/^Basic/);
    expect(tokenRefusal({}, token, false)?.headers['www-authenticate']).toBe('Bearer');
  });

  it('Fetch Metadata: another site may navigate to the page but not fetch or embed anything', () => {
    expect(crossSiteRefusal({}, 'GET')).toBeUndefined();
    expect(crossSiteRefusal({ 'sec-fetch-site': 'same-origin' }, 'GET')).toBeUndefined();
    expect(crossSiteRefusal({ 'sec-fetch-site': 'none' }, 'GET')).toBeUndefined();
    expect(
      crossSiteRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, 'GET'),
    ).toBeUndefined();
    expect(
      crossSiteRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }, 'GET')
        ?.status,
    ).toBe(403);
    expect(crossSiteRefusal({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }, 'GET')?.status).toBe(403);
    expect(
      crossSiteRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'embed' }, 'GET')
        ?.status,
    ).toBe(403);
    expect(crossSiteRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'POST')?.status).toBe(403);
  });
});

describe('metrics', () => {
  it('counts what it is told and reads levels at render; caller-named clusters are capped', async () => {
    const m = new Metrics('9.9.9');
    m.toolCall('memory_store', true, 0.002);
    m.toolCall('memory_store', false, 0.5);
    m.providerCall({ provider: 'openai', outcome: 'ok', inputTokens: 10, outputTokens: 5, costUsd: 0.001, latencyMs: 120 });
    m.providerCall({ provider: 'openai', outcome: 'rate_limit', inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 30 });
    m.providerCall({ provider: 'openai', outcome: 'cancelled', inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 5 });
    for (let i = 0; i < 105; i++) m.consensusProposal(`c${i}`, true, i === 0 ? 2 : 0);
    const text = await m.render({
      memoryTiers: () => ({ working: 1, long_term: 2, flashbulb: 0 }),
      agentStatuses: () => ({ running: 1 }),
      gossip: () => ({ rounds: 7, sent: 3, sent_bytes: 300, received: 2, received_bytes: 200 }),
    });
    const line = (s: string) => expect(text).toMatch(new RegExp(`^${s.replace(/[{}"]/g, (c) => `\\${c}`)}$`, 'm'));
    line('sixfold_tool_calls_total{tool="memory_store"} 2');
    line('sixfold_tool_errors_total{tool="memory_store"} 1');
    line('sixfold_tool_call_duration_seconds_count{tool="memory_store"} 2');
    line('sixfold_provider_calls_total{provider="openai"} 3');
    line('sixfold_provider_failures_total{provider="openai",kind="rate_limit"} 1');
    line('sixfold_provider_tokens_total{provider="openai",direction="input"} 10');
    line('sixfold_memories{tier="long_term"} 2');
    line('sixfold_agents{state="running"} 1');
    line('sixfold_consensus_view_changes_total{cluster="c0"} 2');
    line('sixfold_consensus_commits_total{cluster="other"} 5');
    line('sixfold_gossip_rounds_total 7');
    line('sixfold_gossip_bytes_total{direction="received"} 200');
    line('sixfold_info{version="9.9.9"} 1');
    expect(text).not.toContain('kind="cancelled"');
    // Rendering twice mirrors the gossip totals; it does not add them up.
    const again = await m.render({
      memoryTiers: () => ({}),
      agentStatuses: () => ({}),
      gossip: () => ({ rounds: 8, sent: 3, sent_bytes: 300, received: 2, received_bytes: 200 }),
    });
    expect(again).toMatch(/^sixfold_gossip_rounds_total 8$/m);
    expect(again).not.toMatch(/^sixfold_memories\{/m);
  });
});
