/**
 * Tree aggregation over N virtual agents, streamed.
 *
 * The tree: agents 0..N-1 are the leaves. Level j groups them in blocks of k^j; the first agent of
 * a block leads it, so a level-j group is k level-(j−1) groups and its leader is the leader of the
 * first. Every member sends its partial state to its group's leader once its own (lower) group is
 * complete; a leader that also leads the next level up keeps its state without a message. So each
 * agent except the root (agent 0) sends exactly one message, N − 1 in all, and the root's group at
 * the top level covers everyone: that level is the depth, ⌈log_k N⌉.
 *
 * The walk visits agents in order and keeps one open group per level (a stack of depth + 1 partial
 * states), completing groups bottom-up as their last agent passes: memory is O(depth), not O(N),
 * and nothing is allocated per agent. Messages, depth, lost and re-sent messages are counted as the
 * walk makes them; nothing is taken from a formula.
 *
 * Failures: a failed agent holds no value and forwards nothing. A member whose leader has failed
 * has its message lost, or with `reparent` it sends again to its grandparent (the failed leader's
 * own parent), and further up while those have failed too; every send counts as a message. The
 * root is the caller's agent and never fails.
 */
import { SixfoldError } from '../../errors.js';
import { unitHash } from './hash.js';
import type { Plan } from './ops.js';
import { Partial } from './partial.js';
import { CHUNK, type ChunkSource } from './sources.js';

export interface TreeOptions {
  fanout: number;
  /** Fraction of agents (other than the root) that fail, chosen by hashing (seed, agent). */
  failures?: number;
  /** Agents whose whole subtree fails (the agent and every agent it leads). */
  failedSubtrees?: readonly number[];
  reparent?: boolean;
  seed?: number;
  chunk?: number;
  signal?: AbortSignal;
  onChunk?: (done: number, total: number) => void;
}

export interface TreeStats {
  agents: number;
  depth: number;
  messages_total: number;
  max_messages_per_agent: number;
  /** Messages sent to a failed leader (counted in messages_total too). */
  messages_lost: number;
  /** Sends to a grandparent (or higher) after the parent was found failed. */
  reparented: number;
  failed_agents: number;
  /** Fraction of the agents whose value reached the root. */
  coverage: number;
}

export interface TreeResult {
  root: Partial;
  stats: TreeStats;
}

/** A macrotask: setImmediate in Node; in a browser a MessageChannel post (setTimeout(0) is clamped to 4 ms when chained). */
const macrotask: (f: () => void) => void = (() => {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (immediate) return (f: () => void) => void immediate(f);
  const waiting: Array<() => void> = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => waiting.shift()?.();
  return (f: () => void) => {
    waiting.push(f);
    channel.port2.postMessage(0);
  };
})();

/** Lets other work (and other requests) run between chunks. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => macrotask(resolve));

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new SixfoldError('unavailable', 'The aggregation was cancelled.', 'Send the call again if you still need it.');
}

/** [lo, hi) ranges of agents inside failed subtrees, sorted and merged. */
export function subtreeRanges(roots: readonly number[], n: number, k: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const x of roots) {
    let span = 1;
    while (x % (span * k) === 0 && span * k < n) span *= k;
    ranges.push([x, Math.min(n, x + span)]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export async function runTree(
  src: ChunkSource,
  plan: Pick<Plan, 'quantiles' | 'distinct' | 'topK'>,
  opts: TreeOptions,
): Promise<TreeResult> {
  const n = src.total;
  const k = opts.fanout;
  const chunkSize = opts.chunk ?? CHUNK;
  const failP = opts.failures ?? 0;
  const seed = opts.seed ?? 1;
  const reparent = opts.reparent ?? false;
  const ranges = subtreeRanges(opts.failedSubtrees ?? [], n, k);
  const isNum = src.kind === 'number';
  if (n < 1) throw new Error('runTree needs at least one agent');

  // Per level j (1..depth): the open group's leader, whether it is alive, its state, its span k^j.
  const leader: number[] = [0];
  const leaderAlive: boolean[] = [true];
  const slots: Partial[] = [new Partial(plan)];
  const span: number[] = [1];

  let depth = 0;
  let messages = 0;
  let lost = 0;
  let resent = 0;
  let maxPerAgent = 0;
  let failed = 0;
  let range = 0;

  const aliveAt = (i: number): boolean => {
    if (i === 0) return true;
    while (range < ranges.length && ranges[range][1] <= i) range++;
    if (range < ranges.length && ranges[range][0] <= i) return false;
    return failP === 0 || unitHash(i, seed) >= failP;
  };

  const anyFailure = failP > 0 || ranges.length > 0;

  const open = (j: number, i: number, alive: boolean): void => {
    if (j > depth) {
      depth = j;
      slots.push(new Partial(plan));
      span.push(span[j - 1] * k);
      leader.push(i);
      leaderAlive.push(alive);
    }
    leader[j] = i;
    leaderAlive[j] = alive;
    slots[j].reset();
  };

  /**
   * A live agent sends to the leader of its level-j group: returns the level whose state received
   * it, or -1 if it was lost. Counts every send.
   */
  const route = (j: number): number => {
    let sends = 1;
    messages++;
    let t = j;
    while (!leaderAlive[t]) {
      lost++;
      if (!reparent) {
        t = -1;
        break;
      }
      const dead = leader[t];
      while (leader[t] === dead) t++; // up past every level the failed agent leads: its parent
      sends++;
      messages++;
      resent++;
    }
    if (sends > maxPerAgent) maxPerAgent = sends;
    return t;
  };

  /** After agent i: complete every group whose last agent it is, bottom-up, until the root. */
  const complete = (i: number): void => {
    const last = i === n - 1;
    for (let j = 1; j <= depth; j++) {
      if (!last && (i + 1) % span[j] !== 0) return;
      if (span[j] >= n) return; // the root's group: nothing above it
      if (!leaderAlive[j]) continue; // a failed leader holds nothing and sends nothing
      if (leader[j + 1] === leader[j]) {
        slots[j + 1].merge(slots[j]); // the same agent leads the next level: no message
      } else {
        const t = route(j + 1);
        if (t >= 0) slots[t].merge(slots[j]);
      }
    }
  };

  let i = 0;
  let pos1 = 0; // i mod k, kept incrementally
  let slot1 = slots[0];
  if (n === 1) {
    const v = src.next(1);
    if (isNum) slots[0].addNumber((v as Float64Array)[0]);
    else slots[0].addString((v as readonly string[])[0]);
  }
  while (n > 1 && i < n) {
    checkAborted(opts.signal);
    const chunk = src.next(chunkSize);
    if (!chunk.length) throw new Error(`source ended at ${i} of ${n} values`);
    for (let c = 0; c < chunk.length; c++, i++) {
      const alive = anyFailure ? aliveAt(i) : true;
      if (!alive) failed++;
      if (pos1 === 0) {
        // i starts a level-1 group, and every higher group whose first agent it is.
        open(1, i, alive);
        for (let j = 1; span[j] < n && i % (span[j] * k) === 0; j++) open(j + 1, i, alive);
        slot1 = slots[1];
        if (alive) {
          if (isNum) slot1.addNumber((chunk as Float64Array)[c]);
          else slot1.addString((chunk as readonly string[])[c]);
        }
      } else if (alive) {
        let t = 1;
        if (leaderAlive[1]) {
          messages++;
          if (maxPerAgent === 0) maxPerAgent = 1;
        } else {
          t = route(1);
        }
        if (t >= 0) {
          const s = t === 1 ? slot1 : slots[t];
          if (isNum) s.addNumber((chunk as Float64Array)[c]);
          else s.addString((chunk as readonly string[])[c]);
        }
      }
      if (++pos1 === k || i === n - 1) {
        pos1 = 0;
        complete(i);
      }
    }
    opts.onChunk?.(i, n);
    if (i < n) await yieldToLoop();
  }
  checkAborted(opts.signal);
  const root = slots[depth];
  return {
    root,
    stats: {
      agents: n,
      depth,
      messages_total: messages,
      max_messages_per_agent: maxPerAgent,
      messages_lost: lost,
      reparented: resent,
      failed_agents: failed,
      coverage: n ? root.n / n : 0,
    },
  };
}
