import { describe, expect, it } from 'vitest';
import { DAY_MS, cosine, memoryScore, mmr, recency } from '../../../../src/patterns/codegen/score.js';

describe('recency and memoryScore', () => {
  it('recency is exp(-age / 45 days); the future counts as now', () => {
    expect(recency(0)).toBe(1);
    expect(recency(45 * DAY_MS)).toBeCloseTo(Math.exp(-1), 12);
    expect(recency(90 * DAY_MS)).toBeCloseTo(Math.exp(-2), 12);
    expect(recency(-DAY_MS)).toBe(1);
  });

  it('weights similarity 0.65, recency 0.15, confidence 0.20', () => {
    expect(memoryScore({ similarity: 1, ageMs: 0, confidence: 1 })).toBeCloseTo(1, 12);
    expect(memoryScore({ similarity: 0, ageMs: 0, confidence: 0 })).toBeCloseTo(0.15, 12);
    expect(memoryScore({ similarity: 0.8, ageMs: 45 * DAY_MS, confidence: 0.5 })).toBeCloseTo(
      0.65 * 0.8 + 0.15 * Math.exp(-1) + 0.2 * 0.5,
      12,
    );
  });

  it('an old, trusted memory can outrank a fresh, doubtful one of equal similarity', () => {
    const old = memoryScore({ similarity: 0.7, ageMs: 100 * DAY_MS, confidence: 1 });
    const fresh = memoryScore({ similarity: 0.7, ageMs: 0, confidence: 0.3 });
    expect(old).toBeGreaterThan(fresh);
  });
});

describe('cosine', () => {
  it('is 1 for parallel, 0 for orthogonal and for a zero vector', () => {
    expect(cosine([1, 0], [2, 0])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 3])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(cosine([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('mmr', () => {
  // Three near-copies of one lesson along x, and one different lesson along y.
  const a = { id: 'a', score: 0.9, vector: [1, 0, 0] };
  const a2 = { id: 'a2', score: 0.89, vector: [0.999, 0.045, 0] };
  const a3 = { id: 'a3', score: 0.88, vector: [0.998, 0, 0.063] };
  const b = { id: 'b', score: 0.6, vector: [0, 1, 0] };

  it('takes the best first, then prefers a different lesson over a near-copy', () => {
    expect(mmr([a, a2, a3, b], 2).map((x) => x.id)).toEqual(['a', 'b']);
    expect(mmr([a, a2, a3, b], 3).map((x) => x.id)).toEqual(['a', 'b', 'a2']);
  });

  it('with λ = 1 is plain ranking by score', () => {
    expect(mmr([b, a3, a, a2], 3, 1).map((x) => x.id)).toEqual(['a', 'a2', 'a3']);
  });

  it('follows the formula: λ·score − (1−λ)·max similarity to the picked ones', () => {
    // After a: a2 = 0.7·0.89 − 0.3·cos(a, a2) ≈ 0.323; b = 0.7·0.6 − 0 = 0.42: b wins.
    const value = (c: typeof a, picked: Array<typeof a>) =>
      0.7 * c.score - 0.3 * Math.max(...picked.map((p) => cosine(c.vector, p.vector)));
    expect(value(b, [a])).toBeGreaterThan(value(a2, [a]));
  });

  it('returns fewer when there are fewer, none for k = 0, and breaks ties by input order', () => {
    expect(mmr([a], 3).map((x) => x.id)).toEqual(['a']);
    expect(mmr([a, b], 0)).toEqual([]);
    const t1 = { id: 't1', score: 0.5, vector: [1, 0] };
    const t2 = { id: 't2', score: 0.5, vector: [0, 1] };
    expect(mmr([t1, t2], 1).map((x) => x.id)).toEqual(['t1']);
    expect(mmr([t2, t1], 1).map((x) => x.id)).toEqual(['t2']);
  });
});
