import { echo } from '../../../errors.js';
import type { LineIndex } from './line-index.js';
import type { Placement } from './placements.js';

/**
 * Evidence against the fewest-deleted placement of a region. It never moves the region: it only
 * turns the merge into a flagged guess (confidence below 0.5, with a warning naming the other
 * placement), so the caller checks it. Each kind says that a placement deleting more lines `other`
 * explains the region better:
 * - keeps-more: it changes fewer lines in all (deleted plus inserted): the chosen one re-inserts
 *   region lines that the original already has just beyond its span;
 * - rewrite: a new region line is a near copy of an original line that only `other` replaces, so
 *   the chosen one leaves the old and the new version side by side;
 * - redeclare: a new region line declares a name (`type X`, `function X`, `def X` ...) that an
 *   original line only `other` replaces declares too, so the merge would declare it twice.
 */
export interface Doubt {
  kind: 'keeps-more' | 'rewrite' | 'redeclare';
  other: Placement;
  /** The region line behind a rewrite or redeclare. */
  line?: string;
}

/** Two lines are near copies (an old and a new version) when their character bigrams agree this much. */
const NEAR_COPY = 0.8;
/** Lines shorter than this (whitespace removed) are too generic to be near copies of anything. */
const NEAR_COPY_MIN_CHARS = 13;
const PUNCTUATION_ONLY = /^[\s{}()[\];,.:*/#<>'"`|=-]*$/;
/** Alternatives examined per region, fewest deleted first. */
const MAX_EXAMINED = 8;

/** `type X`, `interface X`, `function X`, `class X`, `const X`, `def X`, `fn X` ...: the name a line declares. */
const DECLARATION =
  /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:pub\s+)?(type|interface|class|function\*?|const|let|var|enum|namespace|def|fn|struct|trait)\s+([A-Za-z_$][\w$]*)/;

export function declaredName(line: string): string | null {
  const m = DECLARATION.exec(line);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** Character bigrams of a line with whitespace removed and case folded, sorted. */
function bigrams(s: string): Int32Array {
  const t = s.replace(/\s+/g, '').toLowerCase();
  const out = new Int32Array(Math.max(0, t.length - 1));
  for (let i = 0; i + 1 < t.length; i++) out[i] = t.charCodeAt(i) * 65536 + t.charCodeAt(i + 1);
  return out.sort();
}

/** Dice coefficient of two sorted bigram lists. */
function dice(x: Int32Array, y: Int32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      common++;
      i++;
      j++;
    } else if (x[i] < y[j]) i++;
    else j++;
  }
  return (2 * common) / (x.length + y.length || 1);
}

/**
 * Near copies among the original's lines, with each line's bigrams computed once and lines whose
 * length alone rules out a near copy skipped (Dice needs the shorter list near the longer's size).
 */
export class NearCopies {
  private readonly sizes: Int32Array;
  private readonly grams: Array<Int32Array | undefined> = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly orig: readonly string[]) {
    this.sizes = Int32Array.from(orig, (l) => Math.max(0, l.replace(/\s+/g, '').length - 1));
  }

  /** Whether original line p is a near copy of the line whose bigrams are `g`. */
  isNear(g: Int32Array, p: number): boolean {
    const size = this.sizes[p];
    if (size < NEAR_COPY_MIN_CHARS - 1 || (2 * Math.min(size, g.length)) / (size + g.length) < NEAR_COPY) return false;
    return dice(g, (this.grams[p] ??= bigrams(this.orig[p]))) >= NEAR_COPY;
  }

  /** How many original lines are near copies of `line` (bigrams `g`). */
  count(line: string, g: Int32Array): number {
    let c = this.counts.get(line);
    if (c === undefined) {
      c = 0;
      for (let p = 0; p < this.orig.length; p++) if (this.isNear(g, p)) c++;
      this.counts.set(line, c);
    }
    return c;
  }
}

/**
 * The first doubt about placement `p` of `region` against the other placements (those that delete
 * more), or null. `index` is the match level the region was placed at.
 */
export function doubtAbout(
  region: readonly string[],
  p: Placement,
  others: readonly Placement[],
  orig: readonly string[],
  index: LineIndex,
  near: NearCopies,
): Doubt | null {
  const m = region.length;
  const changes = (q: Placement) => q.deleted + (m - q.kept);
  const worse = others
    .filter((q) => q.deleted > p.deleted)
    .sort((x, y) => x.deleted - y.deleted || x.start - y.start)
    .slice(0, MAX_EXAMINED);
  if (!worse.length) return null;
  const regionSet = new Set(region);
  // New lines: the region's lines the original lacks (at this match level).
  const fresh = region.filter((l) => index.occurrences(index.idOf(l)).length === 0 && !PUNCTUATION_ONLY.test(l));
  const freshGrams = fresh
    .filter((l) => l.replace(/\s+/g, '').length >= NEAR_COPY_MIN_CHARS)
    .map((l) => ({ line: l, grams: bigrams(l) }));
  const freshDecls = fresh
    .map((l) => ({ line: l, name: declaredName(l) }))
    .filter((d): d is { line: string; name: string } => d.name !== null);
  for (const q of worse) {
    if (changes(q) < changes(p)) return { kind: 'keeps-more', other: q };
    // Original lines that only q replaces (and the region does not repeat).
    const onlyQ: number[] = [];
    for (let k = q.start; k <= q.end; k++) if ((k < p.start || k > p.end) && !regionSet.has(orig[k])) onlyQ.push(k);
    if (!onlyQ.length) continue;
    for (const d of freshDecls)
      if (onlyQ.some((k) => declaredName(orig[k]) === d.name)) return { kind: 'redeclare', other: q, line: d.line };
    for (const f of freshGrams) {
      // Only a line with a single near copy in the whole file: a line like several others is one
      // more sibling (another test case, another field), not a rewrite of any of them.
      if (onlyQ.some((k) => near.isNear(f.grams, k)) && near.count(f.line, f.grams) === 1) {
        return { kind: 'rewrite', other: q, line: f.line };
      }
    }
  }
  return null;
}

export function describeDoubt(d: Doubt): string {
  const at = `lines ${d.other.start + 1}-${d.other.end + 1} (deleting ${d.other.deleted})`;
  const line = d.line ? echo(d.line.trim(), 80) : '';
  switch (d.kind) {
    case 'keeps-more':
      return `placing it at ${at} would change fewer lines in all: the chosen span leaves lines the region repeats just beyond it`;
    case 'rewrite':
      return `its new line ${line} looks like a rewrite of a line only ${at} would replace, so the merge may leave the old version beside the new`;
    case 'redeclare':
      return `its new line ${line} declares a name that a line only ${at} would replace declares too, so the merge may declare it twice`;
  }
}
