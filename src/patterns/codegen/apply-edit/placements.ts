import { LcsScanner } from './lcs.js';
import type { LineIndex } from './line-index.js';

/**
 * Where one region can go. A placement replaces original lines start..end (0-based, inclusive) by
 * the region. It fits the region's context at depth c when the region's first c lines (from its
 * first line the original has) equal the original lines from `start` on, and its last c lines
 * (back from its last line the original has) equal those up to `end`. Its cost is what it deletes:
 * the original lines in the span that the region does not keep (span minus the longest common
 * subsequence of span and region).
 */
export interface Placement {
  start: number;
  end: number;
  /** Region lines equal to the original from `start` on (FIXED at a start fixed to line 1). */
  lead: number;
  /** Region lines equal to the original back from `end` (FIXED at an end fixed to the last line). */
  trail: number;
  /** Original lines in the span that the merge drops. */
  deleted: number;
  /** Original lines in the span that the region keeps (LCS of region and span). */
  kept: number;
}

/** The lead or trail of a side that no context needs to match: the file's first or last line. */
export const FIXED = 1 << 30;

/** One region as ids at a match level, with what its ends are bound to. */
export interface RegionShape {
  ids: Int32Array;
  /** Index of the first / last region line that the original has (the anchors). */
  first: number;
  last: number;
  /** No marker before the first region: it starts at line 1. No marker after the last: it runs to the end. */
  fixedStart: boolean;
  fixedEnd: boolean;
}

export function regionShape(
  lines: readonly string[],
  index: LineIndex,
  fixedStart: boolean,
  fixedEnd: boolean,
): RegionShape | null {
  const ids = Int32Array.from(lines, (l) => index.idOf(l));
  const present = (k: number) => index.occurrences(ids[k]).length > 0;
  let first = 0;
  while (first < ids.length && !present(first)) first++;
  if (first === ids.length) return null;
  let last = ids.length - 1;
  while (!present(last)) last--;
  return { ids, first, last, fixedStart, fixedEnd };
}

/** Context lines a placement of this shape needs at depth c: c at each end not fixed to the file's ends. */
export function contextNeeded(shape: RegionShape, c: number): number {
  return (shape.fixedStart ? 0 : c) + (shape.fixedEnd ? 0 : c);
}

/** Whether the shape can fit context of depth c at all: its anchored lines must hold both ends' context. */
export function canFit(shape: RegionShape, c: number): boolean {
  const anchored = shape.last - shape.first + 1;
  if (anchored === 1 && !shape.fixedStart && !shape.fixedEnd) return c === 1; // one line is both anchors
  return contextNeeded(shape, c) <= anchored;
}

/**
 * The placements of one region that fit its context at depth c: the original lines where its lead
 * context starts and where its trail context ends. Starts and ends are found once; `within` then
 * measures deletions, `count` says how many (start, end) pairs fit at all.
 */
export class Fits {
  private readonly starts: number[];
  private readonly ends: number[];
  /** The shortest span that can fit: both ends' context, less one blank line they may share. */
  private readonly minSpan: number;
  /** Spans shorter than this fit only when the one line both contexts share is blank. */
  private readonly fullSpan: number;
  private readonly single: boolean;

  constructor(
    private readonly shape: RegionShape,
    private readonly index: LineIndex,
    readonly depth: number,
  ) {
    const { ids, first, last, fixedStart, fixedEnd } = shape;
    const n = index.size;
    this.single = first === last && !fixedStart && !fixedEnd; // the one anchor line is the whole span
    this.fullSpan = this.single ? 1 : Math.max(1, contextNeeded(shape, depth));
    // A blank line between two blocks is often context at both ends ("}", "" before new code and
    // "", "function next() {" after it): the two contexts may share it, and only it, when the
    // region has lines of its own between them (else sharing would just insert a blank line).
    const between = last - first + 1 - 2 * depth;
    const share = !this.single && !fixedStart && !fixedEnd && depth > 1 && between > 0 ? 1 : 0;
    this.minSpan = this.fullSpan - share;
    if (!canFit(shape, depth)) {
      this.starts = [];
      this.ends = [];
      return;
    }
    const c = depth;
    this.starts = fixedStart ? [0] : index.occurrences(ids[first]).filter((s) => this.leadAt(s) >= c);
    this.ends = fixedEnd ? [n - 1] : index.occurrences(ids[last]).filter((e) => this.trailAt(e) >= c);
  }

  /** Lines in the original. */
  get size(): number {
    return this.index.size;
  }

  leadAt(s: number): number {
    const { ids, first, last, fixedStart } = this.shape;
    if (fixedStart) return FIXED;
    const orig = this.index.orig;
    let k = 0;
    while (first + k <= last && s + k < orig.length && ids[first + k] === orig[s + k]) k++;
    return k;
  }

  trailAt(e: number): number {
    const { ids, first, last, fixedEnd } = this.shape;
    if (fixedEnd) return FIXED;
    const orig = this.index.orig;
    let k = 0;
    while (last - k >= first && e - k >= 0 && ids[last - k] === orig[e - k]) k++;
    return k;
  }

  /** Whether a span from start s to end e is long enough for both contexts (see minSpan). */
  private longEnough(s: number, e: number): boolean {
    const span = e - s + 1;
    if (this.single) return span === 1;
    return span >= this.fullSpan || (span >= this.minSpan && this.index.blank[s + this.depth - 1] === 1);
  }

  /** How many placements fit with their span inside lo..hi (0-based, inclusive). */
  count(lo: number, hi: number): number {
    let total = 0;
    for (const s of this.starts) {
      if (s < lo || s > hi) continue;
      let from = lowerBound(this.ends, s + this.minSpan - 1);
      while (from < this.ends.length && this.ends[from] <= hi && !this.longEnough(s, this.ends[from])) from++;
      if (this.single) total += this.ends[from] === s ? 1 : 0;
      else total += Math.max(0, upperBound(this.ends, hi) - from);
    }
    return total;
  }

  /**
   * Every fitting placement inside lo..hi whose deletions are within `slack` of the fewest any has. Spans are
   * scanned from each start only as far as a placement could still be within that bound (a span
   * of s lines deletes at least s minus the region's length).
   */
  within(slack: number, lo = 0, hi = this.index.size - 1): Placement[] {
    const { minSpan, single } = this;
    const starts = lo > 0 || hi < this.index.size - 1 ? this.starts.filter((s) => s >= lo && s <= hi) : this.starts;
    const ends = hi < this.index.size - 1 ? this.ends.slice(0, upperBound(this.ends, hi)) : this.ends;
    if (!starts.length || !ends.length) return [];
    const ids = this.shape.ids;
    const orig = this.index.orig;
    const n = orig.length;
    const m = ids.length;
    const scanner = new LcsScanner(ids);
    const found: Placement[] = [];
    let best = Infinity;
    // Starts nearest their first end first: a small `best` early prunes the long scans of the rest.
    const firstEnd = (s: number) => lowerBound(ends, s + minSpan - 1);
    const gap = (s: number) => {
      const e = firstEnd(s);
      return e < ends.length ? ends[e] - s : Infinity;
    };
    const order = starts.length > 1 ? [...starts].sort((x, y) => gap(x) - gap(y) || x - y) : starts;
    for (const s of order) {
      let e = firstEnd(s);
      if (e >= ends.length || (single && ends[e] !== s)) continue;
      if (ends[e] - s + 1 - m > best + slack) continue;
      const lead = this.leadAt(s);
      scanner.reset();
      for (let p = s; p < n; p++) {
        scanner.push(orig[p]);
        const span = p - s + 1;
        if (span - m > best + slack) break;
        if (p !== ends[e]) continue;
        if (!this.longEnough(s, p)) {
          if (++e >= ends.length) break;
          continue;
        }
        const kept = scanner.length();
        const deleted = span - kept;
        if (deleted <= best + slack) found.push({ start: s, end: p, lead, trail: this.trailAt(p), deleted, kept });
        if (deleted < best) best = deleted;
        if (single || ++e >= ends.length) break;
      }
    }
    return found.filter((f) => f.deleted <= best + slack).sort((x, y) => x.start - y.start || x.end - y.end);
  }
}

/** First index in sorted `xs` whose value is >= x. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted `xs` whose value is > x. */
function upperBound(xs: readonly number[], x: number): number {
  return lowerBound(xs, x + 1);
}
