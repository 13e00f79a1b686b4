/**
 * Each partial state against an exact computation on seeded random data: moments exact up to float
 * rounding, quantiles within DDSketch's α, distinct within 3 standard errors, top-k inside the
 * space-saving bounds.
 */
import { describe, expect, it } from 'vitest';
import { HyperLogLog, M, STANDARD_ERROR, ertlEstimate } from '../../../../src/patterns/aggregate/hll.js';
import { Moments } from '../../../../src/patterns/aggregate/moments.js';
import { ALPHA, QuantileState } from '../../../../src/patterns/aggregate/quantiles.js';
import { mulberry32 } from '../../../../src/random.js';
import { SpaceSaving } from '../../../../src/patterns/aggregate/topk.js';

function data(n: number, seed: number, shape: 'uniform' | 'lognormal' | 'signed'): Float64Array {
  const r = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = shape === 'uniform' ? u * 1000 : shape === 'lognormal' ? Math.exp(4 * u - 2 + r()) : (u - 0.3) * 50 * r();
  }
  return out;
}

/** Two-pass reference: the mean first, then squared deviations from it. */
function exactMoments(xs: Float64Array) {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { sum: s, mean, variance: ss / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
}

describe('Moments', () => {
  it('matches a two-pass computation, folded in one by one or merged from pieces', () => {
    const xs = data(50_000, 7, 'signed');
    const want = exactMoments(xs);
    const one = new Moments();
    for (const x of xs) one.add(x);
    const parts = [new Moments(), new Moments(), new Moments()];
    xs.forEach((x, i) => parts[i % 3 === 0 ? 0 : i < 20_000 ? 1 : 2].add(x));
    const merged = new Moments();
    for (const p of parts) merged.merge(p);
    for (const m of [one, merged]) {
      expect(m.n).toBe(xs.length);
      expect(m.sum).toBeCloseTo(want.sum, 6);
      expect(m.mean).toBeCloseTo(want.mean, 9);
      expect(m.variance()! / want.variance).toBeCloseTo(1, 10);
      expect(m.min).toBe(want.min);
      expect(m.max).toBe(want.max);
    }
  });

  it('keeps the variance when the mean dwarfs the spread (no sum-of-squares cancellation)', () => {
    const m = new Moments();
    for (let i = 0; i < 1000; i++) m.add(1e9 + (i % 2 ? 1 : -1));
    expect(m.variance()).toBeCloseTo(1, 6);
  });

  it('is empty until something is added', () => {
    const m = new Moments();
    expect(m.variance()).toBeNull();
    m.merge(new Moments());
    expect(m.n).toBe(0);
  });
});

describe('QuantileState (DDSketch, α = 1%)', () => {
  const qs = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];
  for (const shape of ['uniform', 'lognormal', 'signed'] as const) {
    it(`every quantile is within α of the exact value at rank ⌊q(n−1)⌋ (${shape}, 100k values)`, () => {
      const xs = data(100_000, 11, shape);
      const s = new QuantileState();
      for (const x of xs) s.add(x);
      const sorted = Float64Array.from(xs).sort();
      for (const q of qs) {
        const exact = sorted[Math.floor(q * (xs.length - 1))];
        const got = s.quantile(q)!;
        expect(Math.abs(got - exact), `q=${q}: ${got} vs ${exact}`).toBeLessThanOrEqual(ALPHA * Math.abs(exact) + 1e-12);
      }
    });
  }

  it('merged states keep negative values (works around DDSketch.merge dropping the negative store)', () => {
    const xs = data(20_000, 13, 'signed');
    const parts = [new QuantileState(), new QuantileState(), new QuantileState()];
    xs.forEach((x, i) => parts[i % 3].add(x));
    const m = new QuantileState();
    for (const p of parts) m.merge(p);
    const sorted = Float64Array.from(xs).sort();
    expect(sorted[0]).toBeLessThan(0);
    for (const q of qs) {
      const exact = sorted[Math.floor(q * (xs.length - 1))];
      expect(Math.abs(m.quantile(q)! - exact), `q=${q}`).toBeLessThanOrEqual(ALPHA * Math.abs(exact) + 1e-12);
    }
  });

  it('is exact while it holds few values, and null when empty', () => {
    const s = new QuantileState();
    expect(s.quantile(0.5)).toBeNull();
    [5, 1, 4, 2, 3].forEach((x) => s.add(x));
    expect(s.quantile(0.5)).toBe(3);
    expect(s.quantile(0)).toBe(1);
    expect(s.quantile(1)).toBe(5);
    expect(s.quantile(0.9)).toBe(4); // rank ⌊0.9·4⌋ = 3
  });
});

describe('HyperLogLog (p = 14)', () => {
  const bound = 3 * STANDARD_ERROR;
  for (const n of [1, 10, 100, 1000, 10_000, 30_000, 50_000, 80_000, 200_000, 1_000_000]) {
    it(`estimates ${n} distinct numbers within 3 standard errors (${(bound * 100).toFixed(2)}%)`, () => {
      const h = new HyperLogLog();
      // Every value added twice: duplicates must not count.
      for (let i = 0; i < n; i++) h.addNumber(i * 1.5 + 0.25);
      for (let i = 0; i < n; i++) h.addNumber(i * 1.5 + 0.25);
      const e = h.estimate();
      expect(Math.abs(e - n) / n, `estimate ${e} for ${n}`).toBeLessThanOrEqual(bound);
    });
  }

  it('estimates distinct strings within 3 standard errors', () => {
    const h = new HyperLogLog();
    const r = mulberry32(3);
    const n = 40_000;
    for (let i = 0; i < n * 3; i++) h.addString(`user-${Math.floor(r() * n)}`);
    // The exact number of distinct ids drawn:
    const seen = new Set<string>();
    const r2 = mulberry32(3);
    for (let i = 0; i < n * 3; i++) seen.add(`user-${Math.floor(r2() * n)}`);
    expect(Math.abs(h.estimate() - seen.size) / seen.size).toBeLessThanOrEqual(bound);
  });

  it('is 0 when empty, and the sparse and dense forms give the same registers', () => {
    expect(new HyperLogLog().estimate()).toBe(0);
    expect(ertlEstimate(new Uint8Array(M))).toBe(0);
    const sparse = new HyperLogLog();
    const dense = new HyperLogLog();
    for (let i = 0; i < 300; i++) sparse.addNumber(i);
    for (let i = 0; i < 5000; i++) dense.addNumber(-i); // forces the dense form
    const a = new HyperLogLog();
    a.merge(dense);
    a.merge(sparse);
    const b = new HyperLogLog();
    for (let i = 0; i < 300; i++) b.addNumber(i);
    for (let i = 0; i < 5000; i++) b.addNumber(-i);
    expect(a.registers()).toEqual(b.registers());
  });

  it('a reset state counts from zero again (tree slots are reused)', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 5000; i++) h.addNumber(i);
    h.reset();
    expect(h.estimate()).toBe(0);
    const fresh = new HyperLogLog();
    for (let i = 0; i < 100; i++) h.addNumber(i);
    for (let i = 0; i < 100; i++) fresh.addNumber(i);
    expect(h.registers()).toEqual(fresh.registers());
    expect(h.estimate()).toBe(fresh.estimate());
  });
});

describe('SpaceSaving top-k', () => {
  it('finds the heavy hitters of a skewed stream, every count inside its stated bounds', () => {
    const r = mulberry32(5);
    const exact = new Map<string, number>();
    const s = new SpaceSaving(100);
    for (let i = 0; i < 200_000; i++) {
      const key = `k${Math.floor(1 / (r() + 0.0005))}`; // ~1/x: a few very frequent keys, a long tail
      exact.set(key, (exact.get(key) ?? 0) + 1);
      s.add(key);
    }
    const truth = [...exact.entries()].sort((a, b) => b[1] - a[1]);
    const top = s.top(10);
    expect(top.map((t) => t.value)).toEqual(truth.slice(0, 10).map(([k]) => k));
    for (const t of s.top(100)) {
      const f = exact.get(t.value)!;
      expect(t.count).toBeGreaterThanOrEqual(f);
      expect(t.count - t.error).toBeLessThanOrEqual(f);
    }
    for (const [k, f] of exact) if (!s.top(100).some((t) => t.value === k)) expect(f).toBeLessThanOrEqual(s.floor);
    expect(s.floor).toBeLessThanOrEqual(200_000 / 100);
    expect(s.total).toBe(200_000);
  });

  it('is exact while the distinct values fit', () => {
    const s = new SpaceSaving(10);
    for (const k of ['a', 'b', 'a', 'c', 'a', 'b']) s.add(k);
    expect(s.top(3)).toEqual([
      { value: 'a', count: 3, error: 0 },
      { value: 'b', count: 2, error: 0 },
      { value: 'c', count: 1, error: 0 },
    ]);
  });
});
