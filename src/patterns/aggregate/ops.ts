/**
 * The ops `aggregate` accepts, parsed once into a plan: which partial-state parts a run needs
 * (moments, a quantile sketch, HyperLogLog, space-saving) and how each op reads the root state.
 */
import { invalidInput } from '../../errors.js';

export type Op =
  | { name: string; kind: 'count' | 'sum' | 'mean' | 'min' | 'max' | 'variance' | 'stddev' }
  | { name: string; kind: 'quantile'; q: number }
  | { name: string; kind: 'distinct' }
  | { name: string; kind: 'top'; k: number };

export const EXACT_OPS = ['count', 'sum', 'mean', 'min', 'max', 'variance', 'stddev'] as const;
export const MAX_TOP_K = 1000;
export const OP_HELP =
  'count, sum, mean, min, max, variance, stddev, p50, p90, p99, quantile:<q> (0 <= q <= 1), distinct, top:<k> (1..1000)';
/** Ops that make sense for string values; the rest need numbers. */
export const STRING_OPS = new Set(['count', 'distinct', 'top']);
/** Push-sum carries sums of mass, so gossip answers only these. */
export const GOSSIP_OPS = new Set(['count', 'sum', 'mean']);

export interface Plan {
  ops: Op[];
  quantiles: boolean;
  distinct: boolean;
  /** Largest k among top:<k> ops, 0 if none. */
  topK: number;
}

export function parseOp(text: string): Op {
  const s = text.trim();
  if ((EXACT_OPS as readonly string[]).includes(s)) return { name: s, kind: s as (typeof EXACT_OPS)[number] };
  if (s === 'p50' || s === 'p90' || s === 'p99') return { name: s, kind: 'quantile', q: Number(s.slice(1)) / 100 };
  if (s === 'distinct') return { name: s, kind: 'distinct' };
  let m = /^quantile:(\d*\.?\d+)$/.exec(s);
  if (m) {
    const q = Number(m[1]);
    if (!(q >= 0 && q <= 1)) throw invalidInput(`Op "${text}": the quantile must be from 0 to 1.`, 'Send e.g. "quantile:0.95".');
    return { name: s, kind: 'quantile', q };
  }
  m = /^top:(\d+)$/.exec(s);
  if (m) {
    const k = Number(m[1]);
    if (!(k >= 1 && k <= MAX_TOP_K)) throw invalidInput(`Op "${text}": k must be from 1 to ${MAX_TOP_K}.`, 'Send e.g. "top:10".');
    return { name: s, kind: 'top', k };
  }
  throw invalidInput(`Unknown op "${clipOp(text)}".`, `Ops are: ${OP_HELP}.`);
}

function clipOp(s: string): string {
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

export function makePlan(texts: readonly string[]): Plan {
  const ops: Op[] = [];
  for (const t of texts) {
    const op = parseOp(t);
    if (!ops.some((o) => o.name === op.name)) ops.push(op);
  }
  return {
    ops,
    quantiles: ops.some((o) => o.kind === 'quantile'),
    distinct: ops.some((o) => o.kind === 'distinct'),
    topK: ops.reduce((k, o) => (o.kind === 'top' ? Math.max(k, o.k) : k), 0),
  };
}
