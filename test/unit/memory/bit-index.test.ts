import { describe, expect, it } from 'vitest';
import { BitIndex, signBits } from '../../../src/memory/bit-index.js';
import { mulberry32 } from '../../../src/random.js';

function randomVector(rand: () => number, dims: number): Float32Array {
  return Float32Array.from({ length: dims }, () => rand() - 0.5);
}

function hamming(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let w = 0; w < a.length; w++) for (let x = a[w] ^ b[w]; x; x &= x - 1) d++;
  return d;
}

describe('signBits', () => {
  it('sets bit i of word i/32 exactly for the positive dimensions', () => {
    const v = new Float32Array(64);
    v[0] = 1;
    v[31] = 0.5;
    v[32] = 2;
    v[63] = 1e-9;
    v[5] = -1;
    v[6] = 0; // zero is not positive
    const b = signBits(v);
    expect(b.length).toBe(2);
    expect(b[0]).toBe((1 | (1 << 31)) >>> 0);
    expect(b[1]).toBe((1 | (1 << 31)) >>> 0);
  });
});

describe('BitIndex', () => {
  const DIMS = 512;

  function build(n: number, seed = 7) {
    const rand = mulberry32(seed);
    const index = new BitIndex(DIMS, 4); // small capacity: growth is exercised
    const rows = Array.from({ length: n }, (_, i) => ({
      rowid: i + 1,
      bits: signBits(randomVector(rand, DIMS)),
      ns: i % 3 === 0 ? 'a' : 'b',
      tier: (i % 2) + 1,
      expires: i % 5 === 0 ? 1000 : null,
    }));
    for (const r of rows) index.add(r.rowid, r.bits, r.ns, r.tier, r.expires);
    return { index, rows, rand };
  }

  it('returns exactly the rows nearest by Hamming distance, with filters applied in the scan', () => {
    const { index, rows, rand } = build(500);
    for (const filter of [
      { now: 0 },
      { now: 0, namespace: 'a' },
      { now: 0, tier: 2 },
      { now: 5000 },
      { now: 5000, namespace: 'b', tier: 1 },
    ]) {
      const q = signBits(randomVector(rand, DIMS));
      const passing = rows.filter(
        (r) =>
          (filter.namespace === undefined || r.ns === filter.namespace) &&
          (filter.tier === undefined || r.tier === filter.tier) &&
          (r.expires === null || r.expires > filter.now),
      );
      const got = index.nearest(q, 20, filter);
      expect(got).toHaveLength(20);
      const d = (rowid: number) => hamming(rows[rowid - 1].bits, q);
      const worstIn = Math.max(...got.map(d));
      const outside = passing.filter((r) => !got.includes(r.rowid));
      expect(outside.every((r) => d(r.rowid) >= worstIn)).toBe(true);
      expect(got.every((rowid) => passing.some((p) => p.rowid === rowid))).toBe(true);
    }
  });

  it('returns every passing row when fewer than asked, and nothing for an unknown namespace', () => {
    const { index, rand } = build(30);
    const q = signBits(randomVector(rand, DIMS));
    expect(index.nearest(q, 100, { now: 0, namespace: 'a' })).toHaveLength(10);
    expect(index.nearest(q, 100, { now: 0, namespace: 'nope' })).toEqual([]);
    expect(index.nearest(q, 0, { now: 0 })).toEqual([]);
  });

  it('remove forgets a row, add with a known rowid replaces it', () => {
    const { index, rows } = build(10);
    index.remove(3);
    index.remove(3); // twice is harmless
    expect(index.size).toBe(9);
    expect(index.has(3)).toBe(false);
    expect(index.nearest(rows[2].bits, 9, { now: 0 })).not.toContain(3);
    // Row 10 moved into the freed slot: still found first by its own bits.
    expect(index.nearest(rows[9].bits, 1, { now: 0 })).toEqual([10]);
    index.add(5, rows[0].bits, 'a', 1, null);
    expect(index.size).toBe(9);
    expect(index.nearest(rows[0].bits, 2, { now: 0 }).sort()).toEqual([1, 5]);
  });
});
