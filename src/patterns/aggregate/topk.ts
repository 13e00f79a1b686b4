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

const RAW_MAX = 32;

export class SpaceSaving {
  readonly capacity: number;
  /** A binary min-heap by count over parallel arrays; `pos` maps a key to its heap slot. */
  private keys: string[] = [];
  private counts: number[] = [];
  private errs: number[] = [];
  private pos = new Map<string, number>();
  private floorCount = 0;
  private totalCount = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Upper bound on the occurrences of any item not kept. */
  get floor(): number {
    this.settle();
    return this.floorCount;
  }

  /** Values counted, kept or not. */
  get total(): number {
    return this.totalCount + this.raw.length;
  }

  /**
   * Single occurrences not yet counted into the summary: a small state (a tree node under a
   * handful of leaves) is just its keys, folded into a parent with one update each, which halves
   * the map work per value. Counted in on first need; reading or merging always sees them.
   */
  private raw: string[] = [];

  add(key: string, w = 1): void {
    if (w === 1 && this.keys.length === 0 && this.raw.length < RAW_MAX) {
      this.raw.push(key);
      return;
    }
    this.settle();
    this.count(key, w);
  }

  private settle(): void {
    if (!this.raw.length) return;
    const raw = this.raw;
    this.raw = [];
    for (const k of raw) this.count(k, 1);
  }

  private count(key: string, w: number): void {
    this.totalCount += w;
    const p = this.pos.get(key);
    if (p !== undefined) {
      this.counts[p] += w;
      this.down(p);
    } else if (this.keys.length < this.capacity) {
      this.push(key, this.floorCount + w, this.floorCount);
    } else {
      // Evict the smallest: it may have occurred up to its count times, now unmonitored.
      const evicted = this.keys[0];
      if (this.counts[0] > this.floorCount) this.floorCount = this.counts[0];
      this.pos.delete(evicted);
      this.keys[0] = key;
      this.counts[0] = this.floorCount + w;
      this.errs[0] = this.floorCount;
      this.pos.set(key, 0);
      this.down(0);
    }
  }

  merge(o: SpaceSaving): void {
    for (const k of o.raw) this.add(k, 1);
    if (o.keys.length === 0) return;
    this.settle();
    if (o.floorCount === 0) {
      // An exact summary (no evictions: every count is true) is just weighted occurrences; adding
      // them is the space-saving update itself, so the invariants hold, at O(items · log capacity)
      // instead of a sort. The tree's lower levels are all like this. (The order of such adds can
      // change which items a full summary keeps: the bounds, not the exact contents, are
      // independent of merge order.)
      for (let j = 0; j < o.keys.length; j++) this.count(o.keys[j], o.counts[j]);
      return;
    }
    const merged: TopItem[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      const j = o.pos.get(k);
      merged.push({
        value: k,
        count: this.counts[i] + (j === undefined ? o.floorCount : o.counts[j]),
        error: this.errs[i] + (j === undefined ? o.floorCount : o.errs[j]),
      });
    }
    for (let j = 0; j < o.keys.length; j++) {
      if (this.pos.has(o.keys[j])) continue;
      merged.push({ value: o.keys[j], count: o.counts[j] + this.floorCount, error: o.errs[j] + this.floorCount });
    }
    let floor = this.floorCount + o.floorCount;
    const total = this.totalCount + o.totalCount;
    merged.sort(byCountThenValue);
    for (let i = this.capacity; i < merged.length; i++) if (merged[i].count > floor) floor = merged[i].count;
    // Kept items in ascending count order: a sorted array is already a valid min-heap.
    const kept = merged.slice(0, this.capacity).reverse();
    this.keys = kept.map((t) => t.value);
    this.counts = kept.map((t) => t.count);
    this.errs = kept.map((t) => t.error);
    this.pos.clear();
    for (let i = 0; i < kept.length; i++) this.pos.set(kept[i].value, i);
    this.floorCount = floor;
    this.totalCount = total;
  }

  reset(): void {
    this.raw = [];
    this.clear();
    this.floorCount = 0;
    this.totalCount = 0;
  }

  /** The k items with the highest counts (ties by value, so the order is deterministic). */
  top(k: number): TopItem[] {
    this.settle();
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
    const k = this.keys[a],
      c = this.counts[a],
      e = this.errs[a];
    this.keys[a] = this.keys[b];
    this.counts[a] = this.counts[b];
    this.errs[a] = this.errs[b];
    this.keys[b] = k;
    this.counts[b] = c;
    this.errs[b] = e;
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
