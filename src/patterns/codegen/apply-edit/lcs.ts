/**
 * Longest common subsequence of a region (fixed, as line ids) against a growing run of original
 * lines, in O(m/32) per original line: the bit-vector algorithm of Allison & Dix (1986) in Hyyrö's
 * formulation (2004). `push` one original line at a time; `length` is the LCS of the region and
 * every line pushed since `reset`. Used to count what a placement deletes without an m × n table.
 */
export class LcsScanner {
  private readonly words: number;
  /** Bit k of masks.get(id) is set when region line k has that id. */
  private readonly masks = new Map<number, Uint32Array>();
  private readonly v: Uint32Array;
  private readonly lastMask: number;

  constructor(readonly region: ArrayLike<number>) {
    const m = region.length;
    this.words = Math.max(1, Math.ceil(m / 32));
    for (let k = 0; k < m; k++) {
      let mask = this.masks.get(region[k]);
      if (!mask) this.masks.set(region[k], (mask = new Uint32Array(this.words)));
      mask[k >>> 5] |= 1 << (k & 31);
    }
    this.v = new Uint32Array(this.words);
    const rest = m & 31;
    this.lastMask = m === 0 ? 0 : rest === 0 ? 0xffffffff : (1 << rest) - 1;
    this.reset();
  }

  reset(): void {
    this.v.fill(0xffffffff);
  }

  push(id: number): void {
    const pm = this.masks.get(id);
    if (!pm) return; // a line the region does not have leaves V unchanged
    const v = this.v;
    let carry = 0;
    for (let w = 0; w < this.words; w++) {
      const vw = v[w];
      const u = (vw & pm[w]) >>> 0;
      // V' = (V + U) | (V - U); U is a subset of V's bits, so V - U = V & ~U (no borrow).
      const sum = vw + u + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      v[w] = ((sum >>> 0) | (vw & ~u)) >>> 0;
    }
  }

  /** LCS length: the region lines whose bit in V is 0. */
  length(): number {
    let ones = 0;
    const last = this.words - 1;
    for (let w = 0; w <= last; w++) ones += popcount(w === last ? this.v[w] & this.lastMask : this.v[w]);
    return this.region.length - ones;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
