/**
 * count, sum, min, max, mean and variance as one partial state. Values are folded in with
 * Welford's update and partial states merged with Chan et al.'s parallel formula, so variance stays
 * accurate when the mean is large against the spread (no sum-of-squares cancellation).
 */
export class Moments {
  n = 0;
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    const n = ++this.n;
    const d = v - this.mean;
    this.mean += d / n;
    this.m2 += d * (v - this.mean);
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(o: Moments): void {
    if (o.n === 0) return;
    if (this.n === 0) {
      this.n = o.n; this.mean = o.mean; this.m2 = o.m2; this.sum = o.sum; this.min = o.min; this.max = o.max;
      return;
    }
    const n = this.n + o.n;
    const d = o.mean - this.mean;
    this.mean += (d * o.n) / n;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.n = n;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  reset(): void {
    this.n = 0; this.mean = 0; this.m2 = 0; this.sum = 0; this.min = Infinity; this.max = -Infinity;
  }

  /** Population variance (divides by n): the variance of the agents' values, not an estimate. */
  variance(): number | null {
    return this.n === 0 ? null : Math.max(0, this.m2 / this.n);
  }
}
