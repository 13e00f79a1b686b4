/**
 * Push-sum gossip (Kempe, Dobra and Gehrke, "Gossip-based computation of aggregate information",
 * FOCS 2003). Each agent holds mass pairs (s, w); every round it keeps half and sends half to one
 * agent chosen uniformly at random; s/w at every agent converges to Σs/Σw. With s = value, w = 1
 * that is the mean; with w = 1 at agent 0 only it is the sum (s = value) or the count (s = 1).
 *
 * Message loss: a lost message is not acknowledged, so its sender keeps the half it sent. Mass is
 * conserved and the estimates still converge, only more slowly (dropping the mass instead would bias
 * the sum and count). Rounds run until every agent is within the target relative error of the exact
 * answer (known here because this is a simulation), or until `maxRounds`.
 */
import { checkAborted, yieldToLoop } from './tree.js';
import { mulberry32 } from '../../random.js';

export type GossipOp = 'count' | 'sum' | 'mean';

export interface GossipOptions {
  ops: readonly GossipOp[];
  /** Probability that a message is lost, 0..0.5. */
  loss?: number;
  targetError?: number;
  seed?: number;
  maxRounds?: number;
  signal?: AbortSignal;
  onRound?: (round: number, maxError: number) => void;
}

export interface GossipResult {
  /** The estimates agent 0 holds at the end. */
  estimates: Record<GossipOp, number | null>;
  exact: Record<GossipOp, number>;
  /** Worst relative error over all agents at the end, per op. */
  max_error: Record<GossipOp, number>;
  rounds: number;
  converged: boolean;
  messages_total: number;
  messages_lost: number;
  max_messages_per_agent: number;
}

export const DEFAULT_TARGET_ERROR = 0.01;
export const MAX_ROUNDS = 500;

/** Relative error, or absolute when the exact value is 0. Agents with no weight yet have none. */
function relError(est: number, exact: number): number {
  if (!Number.isFinite(est)) return Infinity;
  return exact === 0 ? Math.abs(est) : Math.abs(est - exact) / Math.abs(exact);
}

/** Σ with Neumaier compensation: the exact sum the estimates are judged against. */
export function exactSum(xs: Float64Array): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + c;
}

export async function pushSum(values: Float64Array, opts: GossipOptions): Promise<GossipResult> {
  const n = values.length;
  const ops = opts.ops;
  const loss = opts.loss ?? 0;
  const target = opts.targetError ?? DEFAULT_TARGET_ERROR;
  const maxRounds = opts.maxRounds ?? MAX_ROUNDS;
  const rand = mulberry32(opts.seed ?? 1);
  const total = exactSum(values);
  const exact: Record<GossipOp, number> = { count: n, sum: total, mean: total / n };

  // Mass vectors: x (the values), one (1 everywhere), ind (1 at agent 0). Only those the ops need.
  const need = {
    x: ops.includes('sum') || ops.includes('mean'),
    one: ops.includes('count') || ops.includes('mean'),
    ind: ops.includes('sum') || ops.includes('count'),
  };
  type Mass = { x: Float64Array; one: Float64Array; ind: Float64Array };
  const empty = new Float64Array(0);
  const make = (): Mass => ({
    x: need.x ? new Float64Array(n) : empty,
    one: need.one ? new Float64Array(n) : empty,
    ind: need.ind ? new Float64Array(n) : empty,
  });
  let cur = make();
  let nxt = make();
  if (need.x) cur.x.set(values);
  if (need.one) cur.one.fill(1);
  if (need.ind) cur.ind[0] = 1;
  const ratio = (op: GossipOp, i: number): number =>
    op === 'sum' ? cur.x[i] / cur.ind[i] : op === 'count' ? cur.one[i] / cur.ind[i] : cur.x[i] / cur.one[i];

  const maxErr = (): Record<GossipOp, number> => {
    const out = { count: 0, sum: 0, mean: 0 };
    for (const op of ops) {
      const s = op === 'count' ? cur.one : cur.x;
      const w = op === 'mean' ? cur.one : cur.ind;
      const want = exact[op];
      let worst = 0;
      for (let i = 0; i < n && worst !== Infinity; i++) {
        const e = relError(s[i] / w[i], want);
        if (e > worst) worst = e;
      }
      out[op] = worst;
    }
    return out;
  };
  const worstOf = (e: Record<GossipOp, number>) => Math.max(...ops.map((op) => e[op]));

  let rounds = 0;
  let messages = 0;
  let lost = 0;
  let err = maxErr();
  while (worstOf(err) > target && rounds < maxRounds && n > 1) {
    checkAborted(opts.signal);
    // Unrolled over the three vectors (empty ones are skipped): this loop is the whole cost.
    const { x: cx, one: co, ind: ci } = cur;
    const { x: nx, one: no, ind: ni } = nxt;
    const hx = need.x,
      ho = need.one,
      hi = need.ind;
    for (let i = 0; i < n; i++) {
      if (hx) nx[i] = cx[i] * 0.5;
      if (ho) no[i] = co[i] * 0.5;
      if (hi) ni[i] = ci[i] * 0.5;
    }
    for (let i = 0; i < n; i++) {
      let to = Math.floor(rand() * (n - 1));
      if (to >= i) to++;
      messages++;
      if (loss > 0 && rand() < loss) {
        lost++;
        to = i; // no acknowledgement: the sender keeps its half
      }
      if (hx) nx[to] += cx[i] * 0.5;
      if (ho) no[to] += co[i] * 0.5;
      if (hi) ni[to] += ci[i] * 0.5;
    }
    [cur, nxt] = [nxt, cur];
    rounds++;
    err = maxErr();
    opts.onRound?.(rounds, worstOf(err));
    await yieldToLoop();
  }

  const estimates = { count: null, sum: null, mean: null } as Record<GossipOp, number | null>;
  for (const op of ops) {
    const e = ratio(op, 0);
    estimates[op] = Number.isFinite(e) ? e : null;
  }
  return {
    estimates,
    exact,
    max_error: err,
    rounds,
    converged: worstOf(err) <= target,
    messages_total: messages,
    messages_lost: lost,
    max_messages_per_agent: n > 1 ? rounds : 0,
  };
}
