/**
 * Top-k heavy hitters with a mergeable space-saving summary (Metwally et al. 2005; merged as in
 * Agarwal et al., "Mergeable summaries", 2012). It keeps at most `capacity` items, each with an
 * upper-bound count and the most that count may overstate (`error`), and a `floor`: no item
 * outside the summary can have occurred more than `floor` times. Invariants, kept by every add
 * and merge: for a kept item, count − error ≤ true count ≤ count; for any other, true ≤ floor.
 */
export interface TopItem {
  value: string;
  count: number;
  error: number;
}

export class SpaceSaving {
  readonly capacity: number;
  /** A binary min-heap by count over parallel arrays; `pos` maps a key to its heap slot. */
  private keys: string[] = [];
  private counts: number[] = [];
  private errs: number[] = [];
  private pos = new Map<string, number>();
  floor = 0;
  total = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.keys.length;
  }

  add(key: string, w = 1): void {
    this.total += w;
    const p = this.pos.get(key);
    if (p !== undefined) {
      this.counts[p] += w;
      this.down(p);
    } else if (this.keys.length < this.capacity) {
      this.push(key, this.floor + w, this.floor);
    } else {
      // Evict the smallest: it may have occurred up to its count times, now unmonitored.
      const evicted = this.keys[0];
      if (this.counts[0] > this.floor) this.floor = this.counts[0];
      this.pos.delete(evicted);
      this.keys[0] = key;
      this.counts[0] = this.floor + w;
      this.errs[0] = this.floor;
      this.pos.set(key, 0);
      this.down(0);
    }
  }

  merge(o: SpaceSaving): void {
    if (o.total === 0) return;
    const merged: TopItem[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      const j = o.pos.get(k);
      merged.push({
        value: k,
        count: this.counts[i] + (j === undefined ? o.floor : o.counts[j]),
        error: this.errs[i] + (j === undefined ? o.floor : o.errs[j]),
      });
    }
    for (let j = 0; j < o.keys.length; j++) {
      if (this.pos.has(o.keys[j])) continue;
      merged.push({ value: o.keys[j], count: o.counts[j] + this.floor, error: o.errs[j] + this.floor });
    }
    let floor = this.floor + o.floor;
    const total = this.total + o.total;
    merged.sort(byCountThenValue);
    for (let i = this.capacity; i < merged.length; i++) if (merged[i].count > floor) floor = merged[i].count;
    this.clear();
    this.floor = floor;
    this.total = total;
    for (let i = 0; i < Math.min(this.capacity, merged.length); i++) this.push(merged[i].value, merged[i].count, merged[i].error);
  }

  reset(): void {
    this.clear();
    this.floor = 0;
    this.total = 0;
  }

  /** The k items with the highest counts (ties by value, so the order is deterministic). */
  top(k: number): TopItem[] {
    const items = this.keys.map((value, i) => ({ value, count: this.counts[i], error: this.errs[i] }));
    return items.sort(byCountThenValue).slice(0, k);
  }

  private clear(): void {
    this.keys = [];
    this.counts = [];
    this.errs = [];
    this.pos.clear();
  }

  private push(key: string, count: number, err: number): void {
    const i = this.keys.length;
    this.keys.push(key);
    this.counts.push(count);
    this.errs.push(err);
    this.pos.set(key, i);
    this.up(i);
  }

  private swap(a: number, b: number): void {
    const k = this.keys[a], c = this.counts[a], e = this.errs[a];
    this.keys[a] = this.keys[b]; this.counts[a] = this.counts[b]; this.errs[a] = this.errs[b];
    this.keys[b] = k; this.counts[b] = c; this.errs[b] = e;
    this.pos.set(this.keys[a], a);
    this.pos.set(this.keys[b], b);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.counts[p] <= this.counts[i]) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.counts[r] < this.counts[l] ? r : l;
      if (this.counts[i] <= this.counts[c]) return;
      this.swap(i, c);
      i = c;
    }
  }
}

function byCountThenValue(a: TopItem, b: TopItem): number {
  return b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}
