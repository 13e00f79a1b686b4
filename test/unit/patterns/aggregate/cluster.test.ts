/**
 * Aggregation across nodes, with the network in memory: every request and reply goes through the
 * real peer frame codec (msgpack), so the wire form of the partial states is what is tested. The
 * root's answers are checked against the simulated tree over all values at once.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, readOp } from '../../../../src/patterns/aggregate/aggregate.js';
import {
  aggregateCluster,
  clusterPlan,
  collect,
  heapHeight,
  parseRequest,
  subtreeOf,
  type ClusterNet,
  type ClusterRequest,
  type LocalFold,
} from '../../../../src/patterns/aggregate/cluster.js';
import { Partial } from '../../../../src/patterns/aggregate/partial.js';
import { numberSource } from '../../../../src/patterns/aggregate/sources.js';
import { FrameReader, FrameType, encodeFrame } from '../../../../src/peer/frame.js';
import { mulberry32 } from '../../../../src/random.js';

type Fault = 'dead' | 'closed' | 'timeout' | 'garbage';

/** Through the real codec, as the peer network would carry it. */
function wire<T>(v: T): T {
  const reader = new FrameReader(1 << 24);
  return reader.push(encodeFrame({ type: FrameType.RES, channel: 'aggregate', id: 1, body: v }, 1 << 24))[0].body as T;
}

function cluster(values: number[][], faults: Map<number, Fault> = new Map()) {
  const ids = values.map((_, i) => `node-${String(i).padStart(2, '0')}`);
  const index = new Map(ids.map((id, i) => [id, i]));
  let requests = 0;
  const fold =
    (i: number): LocalFold =>
    async (_ns, _field, plan) => {
      const partial = new Partial(plan);
      for (const v of values[i]) partial.addNumber(v);
      return { partial, values: values[i].length, skipped: 0 };
    };
  const net = (self: string): ClusterNet => ({
    self,
    isConnected: (p) => faults.get(index.get(p)!) !== 'dead',
    request: async (p, body) => {
      requests++;
      const i = index.get(p)!;
      const fault = faults.get(i);
      if (fault === 'closed') throw Object.assign(new Error('the connection closed'), { reason: 'closed' });
      if (fault === 'timeout') throw Object.assign(new Error('no answer'), { reason: 'timeout' });
      if (fault === 'garbage') return wire({ partial: { n: -1 }, answered: [], missing: [] });
      const reply = await collect(parseRequest(wire(body), p), net(p), fold(i));
      return wire(reply);
    },
  });
  return { ids, net: net(ids[0]), fold: fold(0), requests: () => requests };
}

function values(n: number, per: number, seed: number): number[][] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: per }, () => Math.round(rnd() * 1000) / 10));
}

const OPS = ['count', 'sum', 'mean', 'min', 'max', 'variance', 'p50', 'p90', 'distinct'];

async function expected(all: number[], ops: string[]) {
  return (await aggregate(numberSource(Float64Array.from(all)), { ops, fanout: 4 })).results;
}

async function run(vals: number[][], fanout: number, faults?: Map<number, Fault>) {
  const c = cluster(vals, faults);
  const r = await aggregateCluster(
    { namespace: 'ns', field: 'f', ops: OPS, fanout, timeoutMs: 1000, peers: c.ids.slice(1) },
    c.net,
    c.fold,
  );
  const results: Record<string, unknown> = {};
  for (const op of r.plan.ops) results[op.name] = readOp(op, r.root).value;
  return { ...r, results, ids: c.ids, requests: c.requests() };
}

function close(a: Record<string, unknown>, b: Record<string, unknown>) {
  for (const k of Object.keys(b)) {
    // Sums in another order differ in the last bits; everything else is exact.
    if (['variance', 'mean', 'sum'].includes(k)) expect(a[k] as number).toBeCloseTo(b[k] as number, 6);
    else expect(a[k]).toEqual(b[k]);
  }
}

describe('aggregation across nodes (in-memory network, real codec)', () => {
  it('7 nodes, fanout 2: the exact answers; depth = heap height, N − 1 partials up, N − 1 requests down', async () => {
    const vals = values(7, 5, 1);
    const r = await run(vals, 2);
    close(r.results, await expected(vals.flat(), OPS));
    expect(r.reply.answered.sort()).toEqual([...r.ids].sort());
    expect(r.reply.missing).toEqual([]);
    expect(r.reply.height).toBe(heapHeight(7, 2));
    expect(heapHeight(7, 2)).toBe(2);
    expect(r.reply.messages).toBe(6);
    expect(r.reply.requests).toBe(6);
    expect(r.requests).toBe(6);
  });

  it('sketches cross the wire: 20 nodes with 200 values each (quantile sketches, dense HyperLogLog) equal one fold of everything', async () => {
    const vals = values(20, 200, 2);
    for (const k of [2, 3, 16]) {
      const r = await run(vals, k);
      close(r.results, await expected(vals.flat(), OPS));
      expect(r.reply.height).toBe(heapHeight(20, k));
      expect(r.reply.messages).toBe(19);
    }
  });

  it('a node that is down is skipped and its children asked directly; a connection that closes mid-request likewise', async () => {
    const vals = values(7, 4, 3);
    for (const fault of ['dead', 'closed'] as const) {
      const r = await run(vals, 2, new Map([[1, fault]]));
      // Node 1 (children 3 and 4) is missing; everyone else answered.
      expect(r.reply.missing.map((m) => m.id)).toEqual([r.ids[1]]);
      expect(r.reply.answered).toHaveLength(6);
      expect(r.reply.adopted).toBe(2);
      close(r.results, await expected(vals.filter((_, i) => i !== 1).flat(), OPS));
      expect(r.reply.messages).toBe(5);
    }
  });

  it('a node that does not answer in time is missing with its subtree; a malformed reply likewise; nothing stalls', async () => {
    const vals = values(7, 4, 4);
    const t = await run(vals, 2, new Map([[2, 'timeout']]));
    // Node 2's subtree is 2, 5, 6.
    expect(t.reply.missing.map((m) => m.id).sort()).toEqual([t.ids[2], t.ids[5], t.ids[6]].sort());
    expect(t.reply.missing.find((m) => m.id === t.ids[5])!.reason).toMatch(/subtree of node-02/);
    close(t.results, await expected(vals.filter((_, i) => ![2, 5, 6].includes(i)).flat(), OPS));
    const g = await run(vals, 2, new Map([[1, 'garbage']]));
    expect(g.reply.missing.map((m) => m.id).sort()).toEqual([g.ids[1], g.ids[3], g.ids[4]].sort());
    expect(g.reply.missing[0].reason).toMatch(/malformed/);
  });

  it('subtrees keep the heap layout; requests from peers are checked; top-k is refused', () => {
    const m = Array.from({ length: 10 }, (_, i) => `n${i}`);
    expect(subtreeOf(m, 1, 3)).toEqual(['n1', 'n4', 'n5', 'n6']);
    expect(subtreeOf(m, 2, 2)).toEqual(['n2', 'n5', 'n6']);
    expect(subtreeOf(m, 1, 2)).toEqual(['n1', 'n3', 'n4', 'n7', 'n8', 'n9']);
    expect(heapHeight(1, 2)).toBe(0);
    expect(heapHeight(7, 6)).toBe(1);
    expect(heapHeight(8, 2)).toBe(3);
    const ok: ClusterRequest = {
      v: 1,
      namespace: 'ns',
      field: 'f',
      ops: ['sum'],
      members: ['me', 'x'],
      fanout: 2,
      budget_ms: 100,
    };
    expect(parseRequest(ok, 'me')).toEqual(ok);
    expect(() => parseRequest(ok, 'other')).toThrow(/another node/);
    expect(() => parseRequest({ ...ok, members: ['me', 'me'] }, 'me')).toThrow(/twice/);
    expect(() => parseRequest({ ...ok, fanout: 1 }, 'me')).toThrow(/malformed/);
    expect(() => parseRequest({ ...ok, budget_ms: 1e9 }, 'me')).toThrow(/malformed/);
    expect(() => parseRequest('x', 'me')).toThrow(/malformed/);
    expect(() => clusterPlan(['sum', 'top:3'])).toThrow(/"top:3" are not available for the cluster source/);
  });
});
