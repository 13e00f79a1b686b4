/**
 * Aggregation across the nodes of a cluster. Each node folds its own values into a partial state
 * (the same Partial and merge code as the simulated tree), and the partials are combined along a
 * k-ary spanning tree over the nodes, rooted at the node that was asked:
 *
 *   members = [root, ...other nodes]; the children of position i are positions k·i+1 .. k·i+k.
 *
 * A node gets a request naming its own subtree (itself first, in the same heap layout, so the
 * rule applies again below it) and a time budget. It folds its values, asks its children with a
 * smaller budget, merges what comes back, and answers its parent before its own budget is spent.
 * A child that is not connected is skipped and its children asked directly (they are adopted);
 * a child whose connection fails mid-request is handled the same way; a child that does not
 * answer in time is reported missing with its whole subtree (what happened below it is unknown).
 * Nothing waits past the budget: missing nodes are listed in the result, with the reason.
 *
 * Counted as it happens: requests sent down, partials sent up (one per answering node but the
 * root: N − 1 when every node answers), and the height of the tree that answered (message hops
 * from the deepest answering node to the root: ⌈log_k((k−1)·N + 1)⌉ − 1 for a complete run,
 * never more than ⌈log_k N⌉).
 *
 * Pure: the network and the local fold are passed in.
 */
import { invalidInput } from '../../errors.js';
import { M as HLL_REGISTERS } from './hll.js';
import type { SketchWire } from './quantiles.js';
import { Moments } from './moments.js';
import { makePlan, type Plan } from './ops.js';
import { Partial } from './partial.js';

export const MAX_CLUSTER_NODES = 256;
export const DEFAULT_CLUSTER_TIMEOUT_MS = 2000;
/** Ops that travel as mergeable state between nodes (top-k is not among them yet). */
export const CLUSTER_OPS = new Set(['count', 'sum', 'mean', 'min', 'max', 'variance', 'stddev', 'quantile', 'distinct']);
const MAX_REGISTER = 33;

export interface ClusterNet {
  readonly self: string;
  isConnected(peer: string): boolean;
  /** Sends a request to `peer`; rejects with an error whose `reason` is 'timeout' or another string. */
  request(peer: string, body: ClusterRequest, timeoutMs: number, signal?: AbortSignal): Promise<unknown>;
}

/** This node's own contribution. */
export interface LocalFold {
  (
    namespace: string,
    field: string,
    plan: Plan,
    signal?: AbortSignal,
  ): Promise<{ partial: Partial; values: number; skipped: number }>;
}

export interface ClusterRequest {
  v: 1;
  namespace: string;
  field: string;
  ops: string[];
  /** The receiver's subtree, the receiver first, in heap order. */
  members: string[];
  fanout: number;
  budget_ms: number;
}

export interface WirePartial {
  n: number;
  /** Moments: [n, mean, m2, sum and its compensation, the scaled sum and its compensation, min, max] (Moments.toArray). */
  m: number[];
  /** Quantiles: the raw values while few (as numbers: no byte order to agree on), else the DDSketch bins. */
  q?: { raw: number[] } | { sketch: SketchWire };
  h?: Uint8Array;
}

export interface Missing {
  id: string;
  reason: string;
}

export interface ClusterReply {
  partial: WirePartial;
  answered: string[];
  missing: Missing[];
  values: number;
  skipped: number;
  height: number;
  /** Partials sent up inside this subtree (to this node or below it). */
  messages: number;
  requests: number;
  adopted: number;
}

export function toWire(p: Partial): WirePartial {
  const m = p.moments;
  const w: WirePartial = { n: p.n, m: m.toArray() };
  if (p.quantiles) {
    const q = p.quantiles.toWire();
    w.q = 'sketch' in q ? q : { raw: Array.from(q.raw) };
  }
  if (p.hll) w.h = p.hll.registers();
  return w;
}

const finite = (x: unknown): x is number => typeof x === 'number' && !Number.isNaN(x);

/** Merges another node's partial into `into`; throws if it is malformed (the node is then reported missing). */
export function mergeWire(into: Partial, w: unknown): void {
  const o = w as WirePartial;
  if (
    !o ||
    typeof o !== 'object' ||
    !Number.isSafeInteger(o.n) ||
    o.n < 0 ||
    !Array.isArray(o.m) ||
    o.m.length !== 9 ||
    !o.m.every(finite)
  ) {
    throw new Error('a malformed partial state');
  }
  const mo = Moments.fromArray(o.m);
  if (mo.n !== o.n || mo.m2 < 0) throw new Error('a malformed partial state (moments)');
  if (into.quantiles) {
    const q = o.q as { raw?: unknown; sketch?: unknown } | undefined;
    if (q?.sketch && typeof q.sketch === 'object') into.quantiles.mergeWire({ sketch: q.sketch as SketchWire });
    else if (Array.isArray(q?.raw) && q.raw.length <= 64 && q.raw.every(finite))
      into.quantiles.mergeWire({ raw: Float64Array.from(q.raw) });
    else if (o.n > 0) throw new Error('a partial state without the quantile sketch asked for');
  }
  if (into.hll) {
    if (o.h instanceof Uint8Array && o.h.length === HLL_REGISTERS && o.h.every((r) => r <= MAX_REGISTER))
      into.hll.mergeRegisters(o.h);
    else if (o.n > 0) throw new Error('a partial state without valid HyperLogLog registers');
  }
  into.n += o.n;
  into.moments.merge(mo);
}

/** The members of position p's subtree, p first, keeping the heap layout. */
export function subtreeOf(members: readonly string[], p: number, k: number): string[] {
  const out: string[] = [];
  const n = members.length;
  for (let lo = p, hi = p; lo < n; lo = k * lo + 1, hi = k * hi + k) {
    for (let i = lo; i <= Math.min(hi, n - 1); i++) out.push(members[i]);
  }
  return out;
}

/** Checks a plan for the cluster source. */
export function clusterPlan(ops: readonly string[]): Plan {
  const plan = makePlan(ops);
  const bad = plan.ops.filter((o) => !CLUSTER_OPS.has(o.kind));
  if (bad.length) {
    throw invalidInput(
      `Op(s) ${bad.map((o) => `"${o.name}"`).join(', ')} are not available for the cluster source.`,
      'Across nodes use count, sum, mean, min, max, variance, stddev, p50/p90/p99/quantile:<q> or distinct.',
    );
  }
  return plan;
}

/** Checks a request that arrived from a peer (it is authenticated, but still only data). */
export function parseRequest(body: unknown, self: string): ClusterRequest {
  const r = body as ClusterRequest;
  const ok =
    r &&
    typeof r === 'object' &&
    r.v === 1 &&
    typeof r.namespace === 'string' &&
    r.namespace.length <= 200 &&
    typeof r.field === 'string' &&
    r.field.length <= 200 &&
    Array.isArray(r.ops) &&
    r.ops.length <= 32 &&
    r.ops.every((o) => typeof o === 'string' && o.length <= 64) &&
    Array.isArray(r.members) &&
    r.members.length >= 1 &&
    r.members.length <= MAX_CLUSTER_NODES &&
    r.members.every((m) => typeof m === 'string' && m.length <= 64) &&
    Number.isInteger(r.fanout) &&
    r.fanout >= 2 &&
    r.fanout <= MAX_CLUSTER_NODES &&
    Number.isFinite(r.budget_ms) &&
    r.budget_ms >= 1 &&
    r.budget_ms <= 600_000;
  if (!ok) throw invalidInput('a malformed aggregate request');
  if (r.members[0] !== self) throw invalidInput('an aggregate request for another node');
  if (new Set(r.members).size !== r.members.length) throw invalidInput('an aggregate request naming a node twice');
  return r;
}

/** What a child's answer must look like before it is merged. */
function checkReply(body: unknown, subtree: readonly string[]): ClusterReply {
  const r = body as ClusterReply;
  const inTree = new Set(subtree);
  const ids = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string' && inTree.has(x));
  if (
    !r ||
    typeof r !== 'object' ||
    !ids(r.answered) ||
    !Array.isArray(r.missing) ||
    !ids(r.missing.map((m) => (m as Missing)?.id)) ||
    ![r.values, r.skipped, r.height, r.messages, r.requests, r.adopted].every((x) => Number.isSafeInteger(x) && x >= 0)
  ) {
    throw new Error('a malformed reply');
  }
  return r;
}

/**
 * Collects the partial state of `req.members` (this node first) within `req.budget_ms`: this
 * node's own fold plus its subtree's. The root calls it directly; every other node from its
 * request handler.
 */
export async function collect(
  req: ClusterRequest,
  net: ClusterNet,
  fold: LocalFold,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<ClusterReply> {
  const start = now();
  const plan = clusterPlan(req.ops);
  const k = req.fanout;
  const root = new Partial(plan);
  const out: ClusterReply = {
    partial: toWire(root),
    answered: [],
    missing: [],
    values: 0,
    skipped: 0,
    height: 0,
    messages: 0,
    requests: 0,
    adopted: 0,
  };
  // Children answer with 3/4 of our budget; we wait for them a little longer than that and still
  // have time to merge and answer our parent.
  const childBudget = Math.max(1, Math.floor(req.budget_ms * 0.75));
  const waitMs = Math.max(1, Math.floor(req.budget_ms * 0.875));

  const ask = async (p: number, members: readonly string[]): Promise<void> => {
    const id = members[p];
    const sub = subtreeOf(members, p, k);
    const adopt = async (why: string) => {
      out.missing.push({ id, reason: why });
      // Its children are asked directly, each with its own subtree.
      const kids: Promise<void>[] = [];
      for (let c = k * p + 1; c <= k * p + k && c < members.length; c++) {
        out.adopted++;
        kids.push(ask(c, members));
      }
      await Promise.all(kids);
    };
    if (!net.isConnected(id)) return adopt('not connected');
    const left = waitMs - (now() - start);
    if (left <= 0) {
      for (const m of sub) out.missing.push({ id: m, reason: 'no time left in the budget' });
      return;
    }
    out.requests++;
    let body: unknown;
    try {
      body = await net.request(id, { ...req, members: sub, budget_ms: Math.min(childBudget, left) }, left, signal);
    } catch (err) {
      const reason = (err as { reason?: unknown }).reason;
      if (reason === 'timeout') {
        for (const m of sub)
          out.missing.push({
            id: m,
            reason: m === id ? `did not answer within ${left} ms` : `in the subtree of ${id.slice(0, 9)}…, which did not answer`,
          });
        return;
      }
      if (reason === 'aborted') throw err;
      return adopt((err as Error).message.slice(0, 200));
    }
    let r: ClusterReply;
    try {
      r = checkReply(body, sub);
      mergeWire(root, r.partial);
    } catch (err) {
      for (const m of sub) out.missing.push({ id: m, reason: `sent ${(err as Error).message}` });
      return;
    }
    out.answered.push(...r.answered);
    out.missing.push(...r.missing);
    out.values += r.values;
    out.skipped += r.skipped;
    out.height = Math.max(out.height, r.height + 1);
    out.messages += r.messages + 1;
    out.requests += r.requests;
    out.adopted += r.adopted;
  };

  const children: Promise<void>[] = [];
  for (let c = 1; c <= k && c < req.members.length; c++) children.push(ask(c, req.members));
  // This node's own values, while the children work.
  try {
    const mine = await fold(req.namespace, req.field, plan, signal);
    root.merge(mine.partial);
    out.values += mine.values;
    out.skipped += mine.skipped;
    out.answered.unshift(req.members[0]);
  } catch (err) {
    if (signal?.aborted) throw err;
    out.missing.push({ id: req.members[0], reason: `its own values could not be read: ${(err as Error).message.slice(0, 200)}` });
  }
  await Promise.all(children);
  out.partial = toWire(root);
  return out;
}

/** The root's view: the merged state itself (not its wire form) with the counts. */
export async function aggregateCluster(
  opts: { namespace: string; field: string; ops: readonly string[]; fanout: number; timeoutMs: number; peers: readonly string[] },
  net: ClusterNet,
  fold: LocalFold,
  signal?: AbortSignal,
): Promise<{ root: Partial; plan: Plan; reply: ClusterReply; nodes: number }> {
  const plan = clusterPlan(opts.ops);
  const members = [net.self, ...opts.peers.filter((p) => p !== net.self)];
  if (members.length > MAX_CLUSTER_NODES)
    throw invalidInput(`The cluster has ${members.length} nodes; at most ${MAX_CLUSTER_NODES} are aggregated.`);
  const reply = await collect(
    {
      v: 1,
      namespace: opts.namespace,
      field: opts.field,
      ops: plan.ops.map((o) => o.name),
      members,
      fanout: opts.fanout,
      budget_ms: opts.timeoutMs,
    },
    net,
    fold,
    signal,
  );
  const root = new Partial(plan);
  mergeWire(root, reply.partial);
  return { root, plan, reply, nodes: members.length };
}

/** Hops from the deepest node to the root of a complete k-ary heap of n nodes. */
export function heapHeight(n: number, k: number): number {
  let h = 0;
  for (let covered = 1, level = 1; covered < n; h++) {
    level *= k;
    covered += level;
  }
  return h;
}
