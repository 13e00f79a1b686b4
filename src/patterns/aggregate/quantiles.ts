/**
 * Quantiles with a relative-error guarantee: DDSketch (α = 1%). A partial state starts as the raw
 * values (up to RAW_MAX) and becomes a sketch only when it outgrows them: most tree nodes hold a
 * handful of values, and building a sketch for each would cost more than the whole pass. Both forms
 * merge exactly (a DDSketch's bins are counts, so accepting the values equals merging their sketch).
 */
import { DDSketch } from '@datadog/sketches-js';

export const ALPHA = 0.01;
const RAW_MAX = 64;

export class QuantileState {
  private raw = new Float64Array(RAW_MAX);
  private len = 0;
  private sketch: DDSketch | null = null;

  add(v: number): void {
    if (this.sketch) this.sketch.accept(v);
    else if (this.len < RAW_MAX) this.raw[this.len++] = v;
    else this.toSketch().accept(v);
  }

  merge(o: QuantileState): void {
    if (o.sketch) mergeSketch(this.toSketch(), o.sketch);
    else for (let i = 0; i < o.len; i++) this.add(o.raw[i]);
  }

  reset(): void {
    this.len = 0;
    this.sketch = null;
  }

  /**
   * The value at rank ⌊q·(n−1)⌋ (0-based), DDSketch's rule: exact while raw, within α relative
   * error once a sketch. null when empty.
   */
  quantile(q: number): number | null {
    if (this.sketch) return this.sketch.count ? this.sketch.getValueAtQuantile(q) : null;
    if (!this.len) return null;
    const sorted = this.raw.slice(0, this.len).sort();
    return sorted[Math.floor(q * (this.len - 1))];
  }

  /**
   * The state for another process: the raw values while raw, else the sketch's bins (zero count,
   * and per store its first key and the counts from there). The library's own serialisation is
   * protobuf, which would need protobufjs installed as well; the bins are all a merge reads.
   */
  toWire(): { raw: Float64Array } | { sketch: SketchWire } {
    const s = this.sketch;
    if (!s) return { raw: this.raw.slice(0, this.len) };
    return { sketch: { zero: s.zeroCount, pos: binsOf(s.store), neg: binsOf(s.negativeStore) } };
  }

  /** Merges a state from toWire() (another node's); throws on a malformed one. */
  mergeWire(w: { raw: Float64Array } | { sketch: SketchWire }): void {
    if ('raw' in w) {
      for (const v of w.raw) this.add(v);
      return;
    }
    const { zero, pos, neg } = w.sketch;
    if (!(Number.isFinite(zero) && zero >= 0)) throw new Error('a malformed quantile sketch');
    const from = new DDSketch({ relativeAccuracy: ALPHA });
    from.count = addBins(from.store, pos) + addBins(from.negativeStore, neg) + zero;
    from.zeroCount = zero;
    mergeSketch(this.toSketch(), from);
  }

  private toSketch(): DDSketch {
    if (!this.sketch) {
      this.sketch = new DDSketch({ relativeAccuracy: ALPHA });
      for (let i = 0; i < this.len; i++) this.sketch.accept(this.raw[i]);
      this.len = 0;
    }
    return this.sketch;
  }
}

/**
 * DDSketch.merge from @datadog/sketches-js 2.1.1 merges the positive store and the zero count but
 * not the negative store (unless the target is empty, when it copies both), so negative values
 * from the merged sketch are lost and quantiles shift. Merge the negative store ourselves.
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
  const wasEmpty = into.count === 0;
  into.merge(from);
  if (!wasEmpty && from.negativeStore.count > 0) into.negativeStore.merge(from.negativeStore);
}

/** A store's bins on the wire: [first key, count, count, ...], or [] when empty. */
export interface SketchWire {
  zero: number;
  pos: number[];
  neg: number[];
}

/** Bins a sketch may span at α = 1% (the whole float range is about 71,000). */
const MAX_WIRE_BINS = 100_000;

function binsOf(store: DDSketch['store']): number[] {
  if (store.count === 0) return [];
  const out = [store.minKey];
  for (let k = store.minKey; k <= store.maxKey; k++) out.push(store.bins[k - store.offset] ?? 0);
  return out;
}

/** Adds wire bins to a store through its own add(); returns the count added. */
function addBins(store: DDSketch['store'], w: number[]): number {
  if (!Array.isArray(w) || w.length > MAX_WIRE_BINS + 1) throw new Error('a malformed quantile sketch');
  if (!w.length) return 0;
  const first = w[0];
  if (!Number.isSafeInteger(first)) throw new Error('a malformed quantile sketch');
  let total = 0;
  for (let i = 1; i < w.length; i++) {
    const c = w[i];
    if (!(Number.isFinite(c) && c >= 0)) throw new Error('a malformed quantile sketch');
    if (c > 0) {
      store.add(first + i - 1, c);
      total += c;
    }
  }
  return total;
}
