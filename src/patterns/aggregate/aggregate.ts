/**
 * One aggregation call: checks the ops against the source and method, runs the tree or push-sum,
 * and reads each op's answer and error bound off the result. Pure: no MCP, no database.
 */
import { invalidInput } from '../../errors.js';
import { DEFAULT_TARGET_ERROR, pushSum, type GossipOp } from './gossip.js';
import { STANDARD_ERROR } from './hll.js';
import { GOSSIP_OPS, STRING_OPS, makePlan, type Op } from './ops.js';
import type { Partial } from './partial.js';
import { ALPHA } from './quantiles.js';
import { drain, type ChunkSource } from './sources.js';
import type { TopItem } from './topk.js';
import { runTree } from './tree.js';

export type OpValue = number | null | TopItem[];
export const DEFAULT_FANOUT = 16;
/** Push-sum holds every agent's mass in memory: this many agents at most. */
export const MAX_GOSSIP_AGENTS = 1_000_000;

export interface AggregateOptions {
  ops: readonly string[];
  method?: 'tree' | 'gossip';
  fanout?: number;
  failures?: number;
  failedSubtrees?: readonly number[];
  reparent?: boolean;
  loss?: number;
  targetError?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called as work advances: (done, total, message). */
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface AggregateResult {
  method: 'tree' | 'gossip';
  results: Record<string, OpValue>;
  error_bounds: Record<string, number>;
  /** Ops whose exact result is beyond the double range (about ±1.8e308): their value is null. */
  overflow?: string[];
  agents: number;
  depth: number | null;
  fanout: number | null;
  messages_total: number;
  max_messages_per_agent: number;
  messages_lost: number;
  rounds?: number;
  converged?: boolean;
  failed_agents: number;
  reparented: number;
  coverage: number;
}

function kindLabel(op: Op): string {
  return op.kind === 'quantile' || op.kind === 'top' ? op.name.replace(/:.*/, ':…') : op.name;
}

/**
 * An op's value as JSON can carry it: a result beyond the double range (a sum past ±1.8e308, a
 * variance of values about 1e154 apart) is null, and the op is listed in `overflow`.
 */
function finiteOrOverflow(op: Op, r: { value: OpValue; bound: number }, overflow: string[]): { value: OpValue; bound: number } {
  if (typeof r.value === 'number' && !Number.isFinite(r.value)) {
    overflow.push(op.name);
    return { value: null, bound: 0 };
  }
  if (r.value === null && op.kind === 'sum') overflow.push(op.name); // total() is null only on overflow
  return r;
}

export function readOp(op: Op, root: Partial): { value: OpValue; bound: number } {
  const m = root.moments;
  const none = root.n === 0;
  switch (op.kind) {
    case 'count':
      return { value: root.n, bound: 0 };
    case 'sum':
      return { value: m.total(), bound: 0 };
    case 'mean':
      return { value: m.average(), bound: 0 };
    case 'min':
      return { value: none ? null : m.min, bound: 0 };
    case 'max':
      return { value: none ? null : m.max, bound: 0 };
    case 'variance':
      return { value: m.variance(), bound: 0 };
    case 'stddev': {
      const v = m.variance();
      return { value: v === null ? null : Math.sqrt(v), bound: 0 };
    }
    case 'quantile':
      return { value: root.quantiles!.quantile(op.q), bound: ALPHA };
    case 'distinct':
      return { value: none ? 0 : Math.round(root.hll!.estimate()), bound: 3 * STANDARD_ERROR };
    case 'top': {
      const t = root.top!;
      return { value: t.top(op.k), bound: t.total ? t.floor / t.total : 0 };
    }
  }
}

export async function aggregate(src: ChunkSource, opts: AggregateOptions): Promise<AggregateResult> {
  const plan = makePlan(opts.ops);
  const method = opts.method ?? 'tree';
  if (src.total < 1)
    throw invalidInput(
      'There are no agents to aggregate over.',
      'Send at least one value, or a simulate source with agents >= 1.',
    );
  if (src.kind === 'string') {
    const bad = plan.ops.filter((o) => !STRING_OPS.has(o.kind));
    if (bad.length) {
      throw invalidInput(
        `Op(s) ${bad.map((o) => `"${o.name}"`).join(', ')} need numeric values, but the values are strings.`,
        'For strings use count, distinct or top:<k>.',
      );
    }
  }
  if (method === 'gossip') return gossip(src, plan.ops, opts);
  if (opts.loss !== undefined || opts.targetError !== undefined) {
    throw invalidInput('loss and target_error apply to method "gossip" only.', 'Drop them, or send method: "gossip".');
  }
  const fanout = opts.fanout ?? DEFAULT_FANOUT;
  for (const x of opts.failedSubtrees ?? []) {
    if (x === 0)
      throw invalidInput(
        'failed_subtrees names agent 0, the root: it is the caller and cannot fail.',
        'Name agents from 1 to agents − 1.',
      );
    if (x >= src.total)
      throw invalidInput(
        `failed_subtrees names agent ${x}, but there are only ${src.total} agents (0..${src.total - 1}).`,
        'Name agents that exist.',
      );
  }
  const tree = await runTree(src, plan, {
    fanout,
    failures: opts.failures,
    failedSubtrees: opts.failedSubtrees,
    reparent: opts.reparent,
    seed: opts.seed,
    signal: opts.signal,
    onChunk: (done, total) => opts.onProgress?.(done, total, `${done} of ${total} agents folded into the tree`),
  });
  const results: Record<string, OpValue> = {};
  const bounds: Record<string, number> = {};
  const overflow: string[] = [];
  for (const op of plan.ops) {
    const { value, bound } = finiteOrOverflow(op, readOp(op, tree.root), overflow);
    results[op.name] = value;
    bounds[op.name] = bound;
  }
  const s = tree.stats;
  return {
    method,
    results,
    error_bounds: bounds,
    ...(overflow.length ? { overflow } : {}),
    agents: s.agents,
    depth: s.depth,
    fanout,
    messages_total: s.messages_total,
    max_messages_per_agent: s.max_messages_per_agent,
    messages_lost: s.messages_lost,
    failed_agents: s.failed_agents,
    reparented: s.reparented,
    coverage: s.coverage,
  };
}

async function gossip(src: ChunkSource, ops: Op[], opts: AggregateOptions): Promise<AggregateResult> {
  const bad = ops.filter((o) => !GOSSIP_OPS.has(o.kind));
  if (bad.length) {
    throw invalidInput(
      `Method "gossip" (push-sum) computes count, sum and mean only; not ${bad.map((o) => `"${kindLabel(o)}"`).join(', ')}.`,
      'Use method "tree" for the other ops.',
    );
  }
  if (
    opts.failures !== undefined ||
    opts.failedSubtrees !== undefined ||
    opts.reparent !== undefined ||
    opts.fanout !== undefined
  ) {
    throw invalidInput(
      'fanout, failures, failed_subtrees and reparent apply to method "tree" only.',
      'For gossip, model an unreliable network with loss (0..0.5).',
    );
  }
  if (src.kind === 'string') throw invalidInput('Method "gossip" needs numeric values.', 'Use method "tree" for string values.');
  if (src.total > MAX_GOSSIP_AGENTS) {
    throw invalidInput(
      `Method "gossip" simulates every agent's state: at most ${MAX_GOSSIP_AGENTS} agents, not ${src.total}.`,
      'Use fewer agents, or method "tree".',
    );
  }
  const values = drain(src);
  const target = opts.targetError ?? DEFAULT_TARGET_ERROR;
  const g = await pushSum(values, {
    ops: ops.map((o) => o.kind as GossipOp),
    loss: opts.loss,
    targetError: target,
    seed: opts.seed,
    signal: opts.signal,
    onRound: (round, err) => opts.onProgress?.(round, 0, `round ${round}: worst relative error ${err.toPrecision(3)}`),
  });
  const results: Record<string, OpValue> = {};
  const bounds: Record<string, number> = {};
  const overflow: string[] = [];
  for (const op of ops) {
    // Push-sum carries the values' mass; beyond the double range it has no estimate to give.
    const exact = g.exact[op.kind as GossipOp];
    const over = !Number.isFinite(exact);
    if (over) overflow.push(op.name);
    results[op.name] = over ? null : g.estimates[op.kind as GossipOp];
    const bound = g.max_error[op.kind as GossipOp];
    bounds[op.name] = Number.isFinite(bound) ? bound : 0;
  }
  return {
    method: 'gossip',
    results,
    error_bounds: bounds,
    ...(overflow.length ? { overflow } : {}),
    agents: values.length,
    depth: null,
    fanout: null,
    messages_total: g.messages_total,
    max_messages_per_agent: g.max_messages_per_agent,
    messages_lost: g.messages_lost,
    rounds: g.rounds,
    converged: g.converged,
    failed_agents: 0,
    reparented: 0,
    coverage: 1,
  };
}
