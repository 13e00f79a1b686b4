/** A power of two (exact to multiply by): 10 million values of up to ±1.8e308 times this cannot overflow. */
const SCALE = 2 ** -32;

/** Neumaier's compensated step: adds x to the pair [sum, carry] in place. */
function neumaier(acc: Float64Array, x: number): void {
  const s = acc[0];
  const t = s + x;
  acc[1] += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
  acc[0] = t;
}

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
  /** [sum, compensation]. */
  readonly acc = new Float64Array(2);
  /** [sum × SCALE, compensation]. */
  readonly scaled = new Float64Array(2);
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    const n = ++this.n;
    const d = v - this.mean;
    this.mean += d / n;
    this.m2 += d * (v - this.mean);
    neumaier(this.acc, v);
    neumaier(this.scaled, v * SCALE);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The compensated sum as summed (±Infinity or NaN if it overflowed on the way). */
  get sum(): number {
    return this.acc[0] + this.acc[1];
  }

  /** The sum, or null when it is beyond ±1.8e308. */
  total(): number | null {
    const s = this.sum;
    if (Number.isFinite(s)) return s;
    const t = (this.scaled[0] + this.scaled[1]) / SCALE;
    return Number.isFinite(t) ? t : null;
  }

  /** The mean from the compensated sum (always finite for finite values), or null with no values. */
  average(): number | null {
    if (this.n === 0) return null;
    const s = this.sum;
    if (Number.isFinite(s)) return s / this.n;
    return ((this.scaled[0] + this.scaled[1]) / this.n) / SCALE;
  }

  merge(o: Moments): void {
    if (o.n === 0) return;
    if (this.n === 0) {
      this.n = o.n; this.mean = o.mean; this.m2 = o.m2; this.acc.set(o.acc); this.scaled.set(o.scaled); this.min = o.min; this.max = o.max;
      return;
    }
    const n = this.n + o.n;
    const d = o.mean - this.mean;
    this.mean += (d * o.n) / n;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.n = n;
    neumaier(this.acc, o.acc[0]);
    neumaier(this.acc, o.acc[1]);
    neumaier(this.scaled, o.scaled[0]);
    neumaier(this.scaled, o.scaled[1]);
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  reset(): void {
    this.n = 0; this.mean = 0; this.m2 = 0; this.acc.fill(0); this.scaled.fill(0); this.min = Infinity; this.max = -Infinity;
  }

  /**
   * Population variance (divides by n): the variance of the agents' values, not an estimate.
   * NaN or Infinity when the squared deviations left the double range (values about 1e154 apart).
   */
  variance(): number | null {
    return this.n === 0 ? null : Math.max(0, this.m2 / this.n);
  }
}
