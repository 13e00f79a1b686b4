/** A power of two (exact to multiply by): 10 million values of up to ±1.8e308 times this cannot overflow. */
const SCALE = 2 ** -32;

/**
 * count, sum, min, max, mean and variance as one partial state. Values are folded in with
 * Welford's update and partial states merged with Chan et al.'s parallel formula, so variance stays
 * accurate when the mean is large against the spread (no sum-of-squares cancellation).
 *
 * The sum (and the mean read from it) is Neumaier-compensated, so it is exact to the last rounding
 * whatever the order, and is kept twice: as is, and scaled by 2^-32, which cannot overflow. When
 * the plain sum overflows part-way (1e308 + 1e308 - 1e308) the scaled one gives the answer; when
 * the true sum is beyond the double range, `total()` is null (no JSON number can carry it).
 */
export class Moments {
  n = 0;
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  /** The running sum and its Neumaier compensation. */
  private s = 0;
  private c = 0;
  /** The same for the values × SCALE. */
  private ss = 0;
  private sc = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    const n = ++this.n;
    const d = v - this.mean;
    this.mean += d / n;
    this.m2 += d * (v - this.mean);
    this.addSum(v);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Neumaier's compensated step, on both the plain and the scaled sum (`y` is `x` scaled). */
  private addSum(x: number, y = x * SCALE): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
    const u = this.ss + y;
    this.sc += Math.abs(this.ss) >= Math.abs(y) ? this.ss - u + y : y - u + this.ss;
    this.ss = u;
  }

  /** The compensated sum as summed (±Infinity or NaN if it overflowed on the way). */
  get sum(): number {
    return this.s + this.c;
  }

  /** The sum, or null when it is beyond ±1.8e308. */
  total(): number | null {
    const s = this.sum;
    if (Number.isFinite(s)) return s;
    const t = (this.ss + this.sc) / SCALE;
    return Number.isFinite(t) ? t : null;
  }

  /** The mean from the compensated sum (always finite for finite values), or null with no values. */
  average(): number | null {
    if (this.n === 0) return null;
    const s = this.sum;
    if (Number.isFinite(s)) return s / this.n;
    return (this.ss + this.sc) / this.n / SCALE;
  }

  merge(o: Moments): void {
    if (o.n === 0) return;
    if (this.n === 0) {
      this.n = o.n;
      this.mean = o.mean;
      this.m2 = o.m2;
      this.s = o.s;
      this.c = o.c;
      this.ss = o.ss;
      this.sc = o.sc;
      this.min = o.min;
      this.max = o.max;
      return;
    }
    const n = this.n + o.n;
    const d = o.mean - this.mean;
    this.mean += (d * o.n) / n;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.n = n;
    // The other's sum and its compensation, each a compensated step (its scaled parts alongside).
    this.addSum(o.s, o.ss);
    this.addSum(o.c, o.sc);
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  /** The whole state as numbers, for another process: n, mean, m2, both compensated sums, min, max. */
  toArray(): number[] {
    return [this.n, this.mean, this.m2, this.s, this.c, this.ss, this.sc, this.min, this.max];
  }

  static fromArray(a: readonly number[]): Moments {
    const m = new Moments();
    [m.n, m.mean, m.m2, m.s, m.c, m.ss, m.sc, m.min, m.max] = a;
    return m;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
    this.s = 0;
    this.c = 0;
    this.ss = 0;
    this.sc = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /**
   * Population variance (divides by n): the variance of the agents' values, not an estimate.
   * NaN or Infinity when the squared deviations left the double range (values about 1e154 apart).
   */
  variance(): number | null {
    return this.n === 0 ? null : Math.max(0, this.m2 / this.n);
  }
}
