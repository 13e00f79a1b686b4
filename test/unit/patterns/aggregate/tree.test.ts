/**
 * The streamed tree against a brute-force model built independently: explicit parent pointers for
 * every agent, then each agent's route to the root walked one by one. Depth, messages (sent, lost,
 * re-sent), the most any agent sent and coverage must agree exactly, and the root's answers must be
 * the exact answers over the values that reached it.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../../src/patterns/aggregate/aggregate.js';
import { unitHash } from '../../../../src/patterns/aggregate/hash.js';
import { makePlan } from '../../../../src/patterns/aggregate/ops.js';
import { numberSource, simulatedSource, stringSource } from '../../../../src/patterns/aggregate/sources.js';
import { mulberry32 } from '../../../../src/random.js';
import { runTree, subtreeRanges } from '../../../../src/patterns/aggregate/tree.js';
import { rejection } from '../../helpers.js';

/** Levels above the leaves: the smallest d with k^d >= n, by repeated multiplication. */
function levels(n: number, k: number): number {
  let d = 0;
  for (let span = 1; span < n; span *= k) d++;
  return d;
}

interface Model {
  depth: number;
  messages: number;
  lost: number;
  resent: number;
  maxPer: number;
  reached: boolean[];
  failed: number;
}

/**
 * Agent i (i > 0) leads levels 1..top(i), where top(i) is the largest t with k^t dividing i; it
 * sends once, to the leader of its level-(top+1) group: ⌊i / k^(top+1)⌋·k^(top+1).
 */
function model(n: number, k: number, dead: (i: number) => boolean, reparent: boolean): Model {
  const depth = levels(n, k);
  const parent = (i: number): number => {
    let span = 1;
    while (i % (span * k) === 0) span *= k;
    return Math.floor(i / (span * k)) * (span * k);
  };
  const m: Model = { depth, messages: 0, lost: 0, resent: 0, maxPer: 0, reached: [], failed: 0 };
  for (let i = 0; i < n; i++) {
    if (i > 0 && dead(i)) {
      m.failed++;
      m.reached.push(false);
      continue;
    }
    // Does i's value reach the root? Walk its chain; every hop is one live agent's single send.
    let at = i;
    let ok = true;
    while (at !== 0) {
      const p = parent(at);
      if (dead(p) && !reparent) {
        ok = false;
        break;
      }
      at = p; // with reparent a failed parent's parent receives instead: the next hop up
      if (dead(at)) continue;
    }
    m.reached.push(ok);
    if (i === 0) continue;
    // i's own sends: to its parent, then (reparent) to each failed ancestor's parent until a live one.
    let sends = 1;
    let p = parent(i);
    if (dead(p)) {
      m.lost++;
      if (reparent) {
        while (dead(p)) {
          p = parent(p);
          sends++;
          m.resent++;
          if (dead(p)) m.lost++;
        }
      }
    }
    m.messages += sends;
    m.maxPer = Math.max(m.maxPer, sends);
  }
  return m;
}

const exactOps = ['count', 'sum', 'mean', 'min', 'max', 'variance', 'stddev'];

function exact(xs: number[]) {
  const n = xs.length;
  const sum = xs.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / n;
  return { count: n, sum, mean, min: Math.min(...xs), max: Math.max(...xs), variance, stddev: Math.sqrt(variance) };
}

function values(n: number, seed = 9): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => Math.round(r() * 1e6) / 100);
}

describe('tree aggregation: counts', () => {
  const cases: Array<[number, number]> = [
    [1, 16],
    [2, 2],
    [16, 16],
    [17, 16],
    [256, 16],
    [257, 16],
    [1000, 16],
    [4097, 16],
    [1000, 2],
    [999, 3],
    [100_000, 256],
    [65_537, 256],
    [12_345, 7],
  ];
  for (const [n, k] of cases) {
    it(`N=${n}, fanout ${k}: depth ⌈log_k N⌉ = ${levels(n, k)}, N − 1 messages, one per agent, full coverage`, async () => {
      const r = await runTree(numberSource(values(n)), makePlan(['count']), { fanout: k, chunk: 1000 });
      expect(r.stats.depth).toBe(levels(n, k));
      expect(r.stats.messages_total).toBe(n - 1);
      expect(r.stats.max_messages_per_agent).toBe(n > 1 ? 1 : 0);
      expect(r.stats.coverage).toBe(1);
      expect(r.root.n).toBe(n);
    });
  }

  it('5 levels for 1M agents at fanout 16, as the issue says', async () => {
    const r = await runTree(simulatedSource(1_000_000, 'uniform', 1), makePlan(['count']), { fanout: 16 });
    expect([r.stats.depth, r.stats.messages_total, r.stats.max_messages_per_agent]).toEqual([5, 999_999, 1]);
  });
});

describe('tree aggregation: answers', () => {
  it('every exact op equals a direct computation, whatever the fanout', async () => {
    const xs = values(20_011, 4);
    const want = exact([...xs]);
    for (const k of [2, 5, 16, 256]) {
      const r = await aggregate(numberSource(xs), { ops: exactOps, fanout: k });
      const got = r.results as Record<string, number>;
      expect(got.count).toBe(want.count);
      expect(got.min).toBe(want.min);
      expect(got.max).toBe(want.max);
      for (const op of ['sum', 'mean', 'variance', 'stddev'] as const) expect(got[op] / want[op]).toBeCloseTo(1, 10);
      for (const op of exactOps) expect(r.error_bounds[op]).toBe(0);
    }
  });

  it('the same values in different chunk sizes give identical states', async () => {
    const xs = values(5000, 2);
    const plan = makePlan(['p50', 'distinct', 'top:3', 'sum']);
    const a = await runTree(numberSource(xs), plan, { fanout: 16, chunk: 7 });
    const b = await runTree(numberSource(xs), plan, { fanout: 16, chunk: 65_536 });
    expect(a.root.moments.sum).toBe(b.root.moments.sum);
    expect(a.root.quantiles!.quantile(0.5)).toBe(b.root.quantiles!.quantile(0.5));
    expect(a.root.hll!.estimate()).toBe(b.root.hll!.estimate());
  });

  it('quantiles, distinct and top-k on 200k agents are within their bounds of the exact answers', async () => {
    const src = simulatedSource(200_000, 'zipf', 5);
    const xs = Float64Array.from(src.next(200_000) as Float64Array);
    const r = await aggregate(numberSource(xs), { ops: ['p50', 'p90', 'p99', 'quantile:0.999', 'distinct', 'top:5'] });
    const sorted = Float64Array.from(xs).sort();
    for (const [op, q] of [
      ['p50', 0.5],
      ['p90', 0.9],
      ['p99', 0.99],
      ['quantile:0.999', 0.999],
    ] as const) {
      const e = sorted[Math.floor(q * (xs.length - 1))];
      expect(Math.abs((r.results[op] as number) - e)).toBeLessThanOrEqual(0.01 * e);
      expect(r.error_bounds[op]).toBe(0.01);
    }
    const distinct = new Set(xs).size;
    expect(Math.abs((r.results.distinct as number) - distinct) / distinct).toBeLessThanOrEqual(r.error_bounds.distinct);
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    const truth = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const top = r.results['top:5'] as Array<{ value: string; count: number; error: number }>;
    expect(top.map((t) => t.value)).toEqual(truth.map(([v]) => String(v)));
    for (const t of top) {
      const f = counts.get(Number(t.value))!;
      expect(t.count).toBeGreaterThanOrEqual(f);
      expect(t.count - t.error).toBeLessThanOrEqual(f);
    }
  });

  it('strings: count, distinct and top-k; numeric ops are refused', async () => {
    const words = Array.from({ length: 3000 }, (_, i) => ['red', 'green', 'blue', `w${i % 500}`][i % 4]);
    const r = await aggregate(stringSource(words), { ops: ['count', 'distinct', 'top:3'] });
    expect(r.results.count).toBe(3000);
    const distinct = new Set(words).size; // 3 colours + 125 w-ids (i ≡ 3 mod 4 hits i mod 500 ≡ 3 mod 4)
    expect(distinct).toBe(128);
    expect(Math.abs((r.results.distinct as number) - distinct) / distinct).toBeLessThanOrEqual(r.error_bounds.distinct);
    expect((r.results['top:3'] as Array<{ value: string; count: number }>).map((t) => [t.value, t.count])).toEqual([
      ['blue', 750],
      ['green', 750],
      ['red', 750],
    ]);
    const err = await rejection(aggregate(stringSource(words), { ops: ['count', 'mean', 'p50'] }));
    expect(err.message).toMatch(/"mean", "p50" need numeric values/);
  });
});

describe('tree aggregation: failures', () => {
  const n = 5000;
  const k = 4;
  const xs = values(n, 3);

  for (const reparent of [false, true]) {
    for (const failures of [0.05, 0.3]) {
      it(`${failures * 100}% failed agents${reparent ? ', orphans re-parented' : ''}: counts and coverage match the brute-force model`, async () => {
        const dead = (i: number) => i !== 0 && unitHash(i, 77) < failures;
        const m = model(n, k, dead, reparent);
        const r = await aggregate(numberSource(xs), { ops: ['count', 'sum'], fanout: k, failures, reparent, seed: 77 });
        expect(r.depth).toBe(m.depth);
        expect(r.failed_agents).toBe(m.failed);
        expect(r.messages_total).toBe(m.messages);
        expect(r.messages_lost).toBe(m.lost);
        expect(r.reparented).toBe(m.resent);
        expect(r.max_messages_per_agent).toBe(m.maxPer);
        const reached = m.reached.filter(Boolean).length;
        expect(r.coverage).toBe(reached / n);
        expect(r.results.count).toBe(reached);
        const sum = [...xs].reduce((a, x, i) => a + (m.reached[i] ? x : 0), 0);
        expect((r.results.sum as number) / sum).toBeCloseTo(1, 10);
        // Coverage falls below the live fraction unless orphans are re-parented, which recovers all of it.
        if (reparent) expect(r.coverage).toBe((n - m.failed) / n);
        else expect(r.coverage).toBeLessThan((n - m.failed) / n);
      });
    }
  }

  it('a named subtree takes exactly its agents out of coverage', async () => {
    // Agent 64 leads [64, 128) at fanout 4 (64 = 4^3); agent 5 leads nothing below it.
    expect(subtreeRanges([64, 5, 80], n, k)).toEqual([
      [5, 6],
      [64, 128],
    ]);
    const r = await aggregate(numberSource(xs), { ops: ['count', 'sum'], fanout: k, failedSubtrees: [64, 5] });
    expect(r.failed_agents).toBe(65);
    expect(r.results.count).toBe(n - 65);
    expect(r.coverage).toBe((n - 65) / n);
    const sum = [...xs].reduce((a, x, i) => a + (i === 5 || (i >= 64 && i < 128) ? 0 : x), 0);
    expect((r.results.sum as number) / sum).toBeCloseTo(1, 10);
    const m = model(n, k, (i) => i === 5 || (i >= 64 && i < 128), false);
    expect(r.messages_total).toBe(m.messages);
  });

  it('refuses to fail the root or an agent that does not exist', async () => {
    expect((await rejection(aggregate(numberSource(xs), { ops: ['count'], failedSubtrees: [0] }))).message).toMatch(
      /agent 0, the root/,
    );
    expect((await rejection(aggregate(numberSource(xs), { ops: ['count'], failedSubtrees: [n] }))).message).toMatch(
      /only 5000 agents/,
    );
  });
});

describe('tree aggregation: long runs', () => {
  it('reports progress per chunk and stops when cancelled', async () => {
    const seen: number[] = [];
    const ctl = new AbortController();
    const err = await rejection(
      runTree(simulatedSource(1_000_000, 'uniform', 1), makePlan(['sum']), {
        fanout: 16,
        chunk: 100_000,
        signal: ctl.signal,
        onChunk: (done) => {
          seen.push(done);
          if (done === 300_000) ctl.abort();
        },
      }),
    );
    expect(err.message).toMatch(/cancelled/);
    expect(seen).toEqual([100_000, 200_000, 300_000]);
  });
});
