/**
 * Merges are associative and commutative (fast-check over arbitrary splits of arbitrary data), so
 * the tree's shape, fanout and failures cannot change what a set of values merges to. Moments agree
 * up to float rounding; DDSketch and HyperLogLog states agree exactly; space-saving, which
 * truncates, is commutative exactly and stays inside its bounds under any merge order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Partial } from '../../../../src/patterns/aggregate/partial.js';
import { SpaceSaving } from '../../../../src/patterns/aggregate/topk.js';

const plan = { quantiles: true, distinct: true, topK: 3 };
const num = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const nums = fc.array(num, { maxLength: 300 });

function state(xs: number[]): Partial {
  const p = new Partial(plan);
  for (const x of xs) p.addNumber(x);
  return p;
}

function merged(...parts: Partial[]): Partial {
  const out = new Partial(plan);
  for (const p of parts) out.merge(p);
  return out;
}

const QS = [0, 0.1, 0.5, 0.9, 0.99, 1];

function expectSame(a: Partial, b: Partial): void {
  expect(a.n).toBe(b.n);
  const close = (x: number, y: number) =>
    expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x), Math.abs(y)));
  close(a.moments.sum, b.moments.sum);
  close(a.moments.mean, b.moments.mean);
  close(a.moments.m2, b.moments.m2);
  expect(a.moments.min).toBe(b.moments.min);
  expect(a.moments.max).toBe(b.moments.max);
  for (const q of QS) expect(a.quantiles!.quantile(q)).toBe(b.quantiles!.quantile(q));
  // Buffer equality: toEqual walks 16384 registers through its generic machinery, far slower.
  expect(Buffer.from(a.hll!.registers()).equals(Buffer.from(b.hll!.registers()))).toBe(true);
}

describe('partial-state merges', () => {
  it('are commutative', () => {
    fc.assert(
      fc.property(nums, nums, (xs, ys) => {
        expectSame(merged(state(xs), state(ys)), merged(state(ys), state(xs)));
      }),
      { seed: 42, numRuns: 150, endOnFailure: true },
    );
  });

  it('are associative: (a·b)·c = a·(b·c)', () => {
    fc.assert(
      fc.property(nums, nums, nums, (xs, ys, zs) => {
        const left = merged(merged(state(xs), state(ys)), state(zs));
        const right = merged(state(xs), merged(state(ys), state(zs)));
        expectSame(left, right);
      }),
      { seed: 43, numRuns: 150, endOnFailure: true },
    );
  });

  it('merging the pieces of any split equals folding every value into one state', { timeout: 120_000 }, () => {
    // Long enough that pieces outgrow the raw form and merge as real DDSketches and dense HLLs.
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 1, maxLength: 3000, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (xs, cuts) => {
          const at = [...new Set(cuts.map((c) => c % xs.length))].sort((a, b) => a - b);
          const bounds = [0, ...at, xs.length];
          const pieces = bounds.slice(1).map((end, i) => state(xs.slice(bounds[i], end)));
          expectSame(merged(...pieces), state(xs));
        },
      ),
      { seed: 44, numRuns: 40, endOnFailure: true },
    );
  });

  it('space-saving merges keep true counts inside the stated bounds in any order; full merges are commutative', () => {
    const keys = fc.array(
      fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')).chain((c) => fc.constantFrom(c, c + c, c + '1')),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(keys, keys, keys, (xs, ys, zs) => {
        const ss = (ks: string[]) => {
          const s = new SpaceSaving(8);
          ks.forEach((k) => s.add(k));
          return s;
        };
        const m = (a: SpaceSaving, b: SpaceSaving) => {
          const s = new SpaceSaving(8);
          s.merge(a);
          s.merge(b);
          return s;
        };
        // Summaries that have evicted (floor > 0) merge by the full union-and-truncate rule, which is symmetric.
        // (Reading floor counts a summary's pending single occurrences in.)
        const a = ss(xs);
        const b = ss(ys);
        if (a.floor > 0 && b.floor > 0) expect(m(a, b).top(8)).toEqual(m(b, a).top(8));
        const all = [...xs, ...ys, ...zs];
        const truth = new Map<string, number>();
        for (const k of all) truth.set(k, (truth.get(k) ?? 0) + 1);
        for (const s of [m(m(ss(xs), ss(ys)), ss(zs)), m(ss(xs), m(ss(ys), ss(zs)))]) {
          expect(s.total).toBe(all.length);
          const kept = new Map(s.top(8).map((t) => [t.value, t]));
          for (const [k, f] of truth) {
            const t = kept.get(k);
            if (t) {
              expect(t.count).toBeGreaterThanOrEqual(f);
              expect(t.count - t.error).toBeLessThanOrEqual(f);
            } else {
              expect(f).toBeLessThanOrEqual(s.floor);
            }
          }
        }
      }),
      { seed: 45, numRuns: 200, endOnFailure: true },
    );
  });
});
