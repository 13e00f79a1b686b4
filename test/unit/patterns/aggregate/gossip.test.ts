/** Push-sum: converges to the exact sum, mean and count, with and without message loss. */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../../src/patterns/aggregate/aggregate.js';
import { exactSum, pushSum } from '../../../../src/patterns/aggregate/gossip.js';
import { numberSource, simulatedSource } from '../../../../src/patterns/aggregate/sources.js';
import { mulberry32 } from '../../../../src/random.js';
import { rejection } from '../../helpers.js';

function values(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 1 + r() * 99);
}

describe('push-sum gossip', () => {
  for (const loss of [0, 0.2]) {
    it(`reaches 1% error at every agent for sum, mean and count with ${loss * 100}% message loss`, async () => {
      const xs = values(2000, 1);
      const rounds: number[] = [];
      const g = await pushSum(xs, {
        ops: ['sum', 'mean', 'count'],
        loss,
        targetError: 0.01,
        seed: 3,
        onRound: (r) => rounds.push(r),
      });
      expect(g.converged).toBe(true);
      expect(rounds).toEqual(Array.from({ length: g.rounds }, (_, i) => i + 1));
      const sum = exactSum(xs);
      expect(Math.abs(g.estimates.sum! - sum) / sum).toBeLessThanOrEqual(0.01);
      expect(Math.abs(g.estimates.mean! - sum / 2000) / (sum / 2000)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(g.estimates.count! - 2000) / 2000).toBeLessThanOrEqual(0.01);
      for (const op of ['sum', 'mean', 'count'] as const) expect(g.max_error[op]).toBeLessThanOrEqual(0.01);
      // Every agent sends one message per round; lost ones are counted too.
      expect(g.messages_total).toBe(2000 * g.rounds);
      expect(g.max_messages_per_agent).toBe(g.rounds);
      if (loss) expect(Math.abs(g.messages_lost / g.messages_total - loss)).toBeLessThan(0.02);
      else expect(g.messages_lost).toBe(0);
      // O(log N) rounds: log2(2000) ≈ 11, plus the log(1/ε) term and loss.
      expect(g.rounds).toBeGreaterThan(5);
      expect(g.rounds).toBeLessThan(80);
    });
  }

  it('loss slows convergence but does not bias it (the sender keeps unacknowledged mass)', async () => {
    const xs = values(5000, 2);
    const clean = await pushSum(xs, { ops: ['sum'], targetError: 0.001, seed: 5 });
    const lossy = await pushSum(xs, { ops: ['sum'], targetError: 0.001, seed: 5, loss: 0.4 });
    expect(clean.converged && lossy.converged).toBe(true);
    expect(lossy.rounds).toBeGreaterThan(clean.rounds);
  });

  it('a tighter target takes more rounds; an unreachable round budget reports not converged', async () => {
    const xs = values(3000, 4);
    const a = await pushSum(xs, { ops: ['mean'], targetError: 0.05, seed: 1 });
    const b = await pushSum(xs, { ops: ['mean'], targetError: 1e-5, seed: 1 });
    expect(b.rounds).toBeGreaterThan(a.rounds);
    const c = await pushSum(xs, { ops: ['sum'], targetError: 1e-6, seed: 1, maxRounds: 3 });
    expect(c.converged).toBe(false);
    expect(c.rounds).toBe(3);
  });

  it('through aggregate(): depth is null, rounds reported; tree-only options and other ops refused', async () => {
    const r = await aggregate(simulatedSource(1000, 'uniform', 1), {
      ops: ['mean', 'count'],
      method: 'gossip',
      loss: 0.1,
      seed: 2,
    });
    expect(r.method).toBe('gossip');
    expect(r.depth).toBeNull();
    expect(r.converged).toBe(true);
    expect(r.rounds).toBeGreaterThan(0);
    expect(r.error_bounds.mean).toBeLessThanOrEqual(0.01);
    expect((await rejection(aggregate(numberSource(values(10, 1)), { ops: ['p50'], method: 'gossip' }))).message).toMatch(
      /count, sum and mean only/,
    );
    expect(
      (await rejection(aggregate(numberSource(values(10, 1)), { ops: ['sum'], method: 'gossip', failures: 0.1 }))).message,
    ).toMatch(/tree" only/);
    expect((await rejection(aggregate(numberSource(values(10, 1)), { ops: ['sum'], loss: 0.1 }))).message).toMatch(
      /gossip" only/,
    );
  });

  it('stops when cancelled', async () => {
    const ctl = new AbortController();
    const err = await rejection(
      pushSum(values(1000, 1), { ops: ['sum'], targetError: 1e-6, signal: ctl.signal, onRound: (r) => r === 2 && ctl.abort() }),
    );
    expect(err.message).toMatch(/cancelled/);
  });
});
