import { SixfoldError } from '../../errors.js';
import { isMarker } from './markers.js';
import { joinLines, keyNoWs, keyWs, splitLines } from './lines.js';

/**
 * apply_edit: merges a lazy edit (new code for some regions of a file, unchanged code between
 * them elided by "... existing code ..." marker lines) into the original, with no LLM.
 *
 * Each region is placed by aligning its lines with the original (longest common subsequence
 * around its rarest line): the first and last region lines found in the original are its anchors,
 * and the original lines between them are replaced by the region. Ties go to the placement that
 * deletes the fewest lines; a tie on that too, after the order of the regions has been used to
 * rule placements out, is refused rather than guessed.
 */
export interface EditRegion {
  lines: string[];
  leadingMarker: boolean;
  trailingMarker: boolean;
  /** 1-based lines of the edit this region came from. */
  editStart: number;
  editEnd: number;
}

export interface PlacedRegion {
  start_line: number;
  end_line: number;
  anchors: string[];
}

export interface ApplyResult {
  merged: string;
  confidence: number;
  strategy: string;
  regions: PlacedRegion[];
  changed_lines: number;
  /** Why the merge is a guess (confidence below 0.5): check these regions before using it. */
  warnings?: string[];
}

/** The confidence of a merge that had to guess (see ApplyResult.warnings). */
export const GUESS_CONFIDENCE = 0.4;

interface Candidate {
  /** 0-based inclusive span of the original that the region replaces. */
  start: number;
  end: number;
  /** Distinctive region lines found where they should be. */
  score: number;
  /** Braces and blank lines found where they should be: weak evidence, outweighed by deletions. */
  weak: number;
  /** Deleted lines weighted by how little they resemble the region's code, in thousandths (deletionCosts). */
  cost: number;
  /** Original index of each region anchor line, or -1. */
  match: Int32Array;
  /** New region lines whose near copy (old version) lies among the lines the span replaces. */
  rewrites: number;
  /** New region lines declaring a name whose old declaration lies among the lines the span replaces. */
  redeclares: number;
  /** Applying it would change nothing: the span already reads like the region. */
  noop?: boolean;
  /** Another placement with the same score deleted more lines (the tie-break was used). */
  tieBroken: boolean;
}

const MAX_PIVOT_OCCURRENCES = 400;
const NO_MATCH = new Int32Array(0);
/** A line occurring more often than this is no evidence of where a region goes. */
const STRONG_MAX = 3;
const PUNCTUATION_ONLY = /^[\s{}()[\];,.:*/#<>'"`|=-]*$/;
/** Two lines are near copies (an old and a new version) when their character bigrams agree this much. */
const NEAR_COPY = 0.8;
/** ...and alike (siblings: one more case of a switch, one more field) from this much on. */
const LIKE = 0.7;
/** Lines shorter than this (whitespace removed) are too generic to be near copies of anything. */
const NEAR_COPY_MIN_CHARS = 13;

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
  return (2 * common) / (x.length + y.length);
}

/** Where each (new) region line has a near copy in the original: the old version of a line it rewrites. */
class NearCopies {
  /** Bigram count of each original line (its length without whitespace, less one), computed once. */
  private sizes: Int32Array | null = null;
  /** Bigrams of original lines, built only for lines whose size could make them alike. */
  private readonly grams: Array<Int32Array | undefined> = [];
  private readonly cache = new Map<string, number[]>();
  readonly alike = new Map<string, number>();
  constructor(private readonly lines: string[]) {}
  /** Near copies of `line` among original lines lo..hi, the range a region's placements can cover (siblings are counted there too). */
  of(line: string, lo: number, hi: number): number[] {
    const key = `${lo}:${hi}:${line}`;
    let hit = this.cache.get(key);
    if (hit) return hit;
    hit = [];
    const g = bigrams(line);
    let alike = 0;
    if (g.length >= NEAR_COPY_MIN_CHARS - 1) {
      this.sizes ??= Int32Array.from(this.lines, (l) => Math.max(0, l.replace(/\s+/g, '').length - 1));
      for (let p = lo; p <= hi; p++) {
        const size = this.sizes[p];
        // Dice can reach LIKE only if the shorter list is long enough against the longer one.
        if ((2 * Math.min(size, g.length)) / (size + g.length) < LIKE) continue;
        const o = (this.grams[p] ??= bigrams(this.lines[p]));
        const d = dice(g, o);
        if (d >= LIKE) alike++;
        if (d >= NEAR_COPY) hit.push(p);
      }
    }
    this.cache.set(key, hit);
    this.alike.set(key, alike);
    return hit;
  }
}

/** `type X`, `interface X`, `function X`, `class X`, `const X`, `def X`, `fn X` ...: the name a line declares. */
const DECLARATION = /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:pub\s+)?(type|interface|class|function\*?|const|let|var|enum|namespace|def|fn|struct|trait)\s+([A-Za-z_$][\w$]*)/;

export function declaredName(line: string): string | null {
  const m = DECLARATION.exec(line);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** Where each declared name (keyword and name) is declared in the original, indexed once. */
class Declarations {
  private index: Map<string, number[]> | null = null;
  constructor(readonly lines: string[]) {}
  of(name: string, lo: number, hi: number): number[] {
    if (!this.index) {
      this.index = new Map();
      this.lines.forEach((l, p) => {
        const d = declaredName(l);
        if (!d) return;
        let list = this.index!.get(d);
        if (!list) this.index!.set(d, (list = []));
        list.push(p);
      });
    }
    return (this.index.get(name) ?? []).filter((p) => p >= lo && p <= hi);
  }
}

export function parseEdit(editLines: string[]): EditRegion[] {
  const regions: EditRegion[] = [];
  let cur: string[] = [];
  let curStart = 0;
  let sawMarker = false;
  const flush = (trailing: boolean, end: number) => {
    if (cur.some((l) => l.trim() !== '')) {
      regions.push({ lines: cur, leadingMarker: sawMarker, trailingMarker: trailing, editStart: curStart + 1, editEnd: end });
    }
    cur = [];
  };
  editLines.forEach((line, idx) => {
    if (isMarker(line)) {
      flush(true, idx);
      sawMarker = true;
    } else {
      if (!cur.length) curStart = idx;
      cur.push(line);
    }
  });
  flush(false, editLines.length);
  // A region's leading marker is the one right before it; only the first region can lack one.
  for (let i = 1; i < regions.length; i++) regions[i].leadingMarker = true;
  return regions;
}

/** Integer ids for match keys, so the alignment compares numbers. */
class Keys {
  private readonly ids = new Map<string, number>();
  id(k: string): number {
    let v = this.ids.get(k);
    if (v === undefined) {
      v = this.ids.size + 1;
      this.ids.set(k, v);
    }
    return v;
  }
}

interface Level {
  orig: Int32Array;
  occurrences: Map<number, number[]>;
  keyOf: (s: string) => number;
  blank: number;
  /** Ids of lines made only of punctuation ("}", "});", " *"). */
  weak: Set<number>;
  /** Ids of blank lines (at the exact level, whitespace-only lines differ from each other). */
  blanks: Set<number>;
}

function buildLevel(origLines: string[], key: (s: string) => string): Level {
  const keys = new Keys();
  const orig = new Int32Array(origLines.length);
  const occurrences = new Map<number, number[]>();
  const weak = new Set<number>();
  const blanks = new Set<number>();
  const keyOf = (s: string) => {
    const k = key(s);
    const id = keys.id(k);
    if (PUNCTUATION_ONLY.test(k)) weak.add(id);
    if (k.trim() === '') blanks.add(id);
    return id;
  };
  origLines.forEach((l, i) => {
    const id = keyOf(l);
    orig[i] = id;
    let list = occurrences.get(id);
    if (!list) occurrences.set(id, (list = []));
    list.push(i);
  });
  keyOf('');
  return { orig, occurrences, keyOf, blank: keys.id(''), weak, blanks };
}

/** How many region lines from `k` (walking by `step`) equal the original lines from `pos`. */
function run(r: number[], k: number, o: Int32Array, pos: number, step: 1 | -1, maxLen: number): number {
  let len = 0;
  while (len < maxLen && k >= 0 && k < r.length && pos >= 0 && pos < o.length && r[k] === o[pos]) {
    len++;
    k += step;
    pos += step;
  }
  return len;
}

/** Longest common subsequence length of region ids and an original range (middle context). */
function lcs(r: number[], o: Int32Array, from: number, to: number): number {
  if (!r.length || to < from) return 0;
  const prev = new Int32Array(r.length + 1);
  const cur = new Int32Array(r.length + 1);
  for (let p = from; p <= to; p++) {
    for (let c = 1; c <= r.length; c++) cur[c] = r[c - 1] === o[p] ? prev[c - 1] + 1 : Math.max(prev[c], cur[c - 1]);
    prev.set(cur);
  }
  return prev[r.length];
}

/**
 * Placements of one region. Anchors are the region's first and last lines found in the original;
 * a placement's evidence is the run of region lines equal to the original after the first anchor
 * and before the last, the distinctive middle lines found in order inside the span, and rewritten
 * lines whose old version the span replaces; its cost is what it deletes. For each start, the end
 * with the best `value` is kept.
 */
function candidatesFor(region: EditRegion, level: Level, n: number, first: boolean, last: boolean, costsOf: () => Float64Array, near: NearCopies, decls: Declarations): Candidate[] {
  const r = region.lines.map(level.keyOf);
  const present = (k: number) => (level.occurrences.get(r[k])?.length ?? 0) > 0;
  let a = 0;
  while (a < r.length && !present(a)) a++;
  if (a === r.length) return [];
  let b = r.length - 1;
  while (!present(b)) b--;
  const fixedStart = !region.leadingMarker && first;
  const fixedEnd = !region.trailingMarker && last;
  const starts = fixedStart ? [0] : level.occurrences.get(r[a])!;
  const ends = fixedEnd ? [n - 1] : level.occurrences.get(r[b])!;
  if (starts.length * ends.length > MAX_PIVOT_OCCURRENCES * MAX_PIVOT_OCCURRENCES) return [];
  const regionSpan = b - a + 1;
  // Only distinctive lines are evidence: braces, blank lines and lines that occur everywhere match
  // anywhere. They must still match for a run of context to continue, but they score nothing.
  const strong = r.map((id, k) => !level.blanks.has(id) && !level.weak.has(id) && (level.occurrences.get(id)?.length ?? 0) <= STRONG_MAX && present(k));
  const strongBefore = new Int32Array(r.length + 1);
  strong.forEach((x, k) => { strongBefore[k + 1] = strongBefore[k] + (x ? 1 : 0); });
  const strongIn = (from: number, to: number) => (to < from ? 0 : strongBefore[to + 1] - strongBefore[from]);
  const lead = (i: number) => (fixedStart ? 0 : run(r, a, level.orig, i, 1, regionSpan));
  const trail = (j: number) => (fixedEnd ? 0 : run(r, b, level.orig, j, -1, regionSpan));
  const trails = ends.map(trail); // once per end, not once per (start, end) pair
  // Middle evidence: distinctive lines between the anchors, found in order inside the span. They
  // occur at most STRONG_MAX times, so the count is a tiny chain search over their positions.
  const middle: Array<{ k: number; at: number[] }> = [];
  for (let k = a + 1; k < b; k++) if (strong[k]) middle.push({ k, at: level.occurrences.get(r[k])! });
  const middleIn = (fromK: number, toK: number, lo: number, hi: number): number => {
    // best[p] = longest chain of middle lines ending at original position p.
    let best = 0;
    const chain: Array<[pos: number, len: number]> = [];
    for (const { k, at } of middle) {
      if (k < fromK || k > toK) continue;
      const add: Array<[number, number]> = [];
      for (const p of at) {
        if (p < lo || p > hi) continue;
        let len = 1;
        for (const [q, l] of chain) if (q < p && l + 1 > len) len = l + 1;
        add.push([p, len]);
        if (len > best) best = len;
      }
      chain.push(...add);
    }
    return best;
  };
  // Rewritten lines: region lines not in the original whose old version (a near copy) is, and that
  // resemble at most STRONG_MAX original lines (one more sibling of many is no evidence).
  // A placement that replaces that old version is a rewrite; one that leaves it would duplicate it.
  // Deletion costs and rewrite evidence only matter when there is a choice between placements.
  const choice = starts.length * ends.length > 1;
  let costTable: Float64Array | undefined;
  const costs = () => (costTable ??= costsOf());
  const rewritten: Array<{ k: number; at: number[] }> = [];
  for (let k = a + 1; k < b && choice; k++) {
    if (present(k) || PUNCTUATION_ONLY.test(region.lines[k])) continue;
    const at = near.of(region.lines[k], starts[0], ends[ends.length - 1]);
    if (at.length && near.alike.get(`${starts[0]}:${ends[ends.length - 1]}:${region.lines[k]}`)! <= STRONG_MAX) rewritten.push({ k, at });
  }
  // Redeclarations: a new region line that declares a name (type X, function X, class X ...) which
  // an original line in reach declares too. A placement that leaves the old declaration would
  // declare X twice, so one that replaces it is much likelier.
  const redeclared: Array<{ k: number; at: number[] }> = [];
  let regionText: Set<string> | undefined; // built only when a new line declares something
  for (let k = a + 1; k < b && choice; k++) {
    if (present(k)) continue;
    const name = declaredName(region.lines[k]);
    if (!name) continue;
    const at = decls.of(name, starts[0], ends[ends.length - 1]).filter((p) => !(regionText ??= new Set(region.lines)).has(decls.lines[p]));
    if (at.length && at.length <= STRONG_MAX) redeclared.push({ k, at });
  }
  // How many region lines fromK..toK have their old version (a near copy, a declaration) at lo..hi.
  const replacedIn = (lines: Array<{ k: number; at: number[] }>, fromK: number, toK: number, lo: number, hi: number): number => {
    let f = 0;
    for (const { k, at } of lines) if (k >= fromK && k <= toK && at.some((p) => p >= lo && p <= hi)) f++;
    return f;
  };
  const out: Candidate[] = [];
  let firstEnd = 0;
  for (const i of starts) {
    const L = lead(i);
    let best: Candidate | null = null;
    while (firstEnd < ends.length && ends[firstEnd] < i) firstEnd++; // starts and ends are sorted
    for (let e = firstEnd; e < ends.length; e++) {
      const j = ends[e];
      if (a === b && !fixedStart && !fixedEnd && j !== i) break;
      const T = trails[e];
      const span = j - i + 1;
      const l = Math.min(L, span);
      const t = Math.min(T, span, b - a + 1 - l);
      const midFrom = a + l;
      const midTo = b - t;
      const M = middle.length && midTo >= midFrom ? middleIn(midFrom, midTo, i + l, j - t) : 0;
      const score = strongIn(a, a + l - 1) + strongIn(b - t + 1, b) + M;
      const weak = l + t - (strongIn(a, a + l - 1) + strongIn(b - t + 1, b));
      const rewrites = rewritten.length && midTo >= midFrom ? replacedIn(rewritten, midFrom, midTo, i + l, j - t) : 0;
      const redeclares = redeclared.length && midTo >= midFrom ? replacedIn(redeclared, midFrom, midTo, i + l, j - t) : 0;
      const noop = span === r.length && r.every((id, k) => id === level.orig[i + k]);
      const cand: Candidate = {
        start: i, end: j, score, weak, rewrites, redeclares, noop, tieBroken: false,
        // Lines between the context runs go; their cost says whether the region rewrites them.
        // In thousandths of a line, so candidate values add up exactly (the choice compares sums).
        cost: choice && i + l <= j - t ? Math.round((costs()[j - t + 1] - costs()[i + l]) * 1000) : 0,
        match: NO_MATCH, // filled in below for the candidate kept for this start
      };
      if (!best || value(cand) > value(best)) {
        if (best && score === best.score) cand.tieBroken = true;
        best = cand;
      } else if (score === best.score) {
        best.tieBroken = true;
      }
      if (value(cand) === value(best) && cand !== best && cand.end !== best.end) best.tieBroken = true;
    }
    if (best) {
      best.match = anchorMatch(r.length, a, b, best.start, best.end, fixedStart, fixedEnd);
      out.push(best);
    }
  }
  return out;
}

/** Which original line each anchor of the region sits on (the rest are -1). */
function anchorMatch(m: number, a: number, b: number, i: number, j: number, fixedStart: boolean, fixedEnd: boolean): Int32Array {
  const match = new Int32Array(m).fill(-1);
  if (!fixedStart) match[a] = i;
  if (!fixedEnd) match[b] = j;
  return match;
}

function hasStrongLine(region: EditRegion, level: Level): boolean {
  return region.lines.some((line) => {
    const id = level.keyOf(line);
    return !level.blanks.has(id) && !level.weak.has(id) && (level.occurrences.get(id)?.length ?? 0) > 0;
  });
}

/**
 * A placement that changes something first; then distinctive context (worth STRONG_LINE_WEIGHT
 * deleted lines each: one agreeing line does not justify deleting a screenful of unrelated code),
 * weak context (WEAK_LINE_WEIGHT each) and rewritten lines (REWRITE_WEIGHT each) against what the
 * placement would delete: an edit changes as little as it can.
 */
export const WEAK_LINE_WEIGHT = 5;
export const STRONG_LINE_WEIGHT = 100;
export const REWRITE_WEIGHT = 2;
export const REDECLARE_WEIGHT = 10;
const value = (c: Candidate) =>
  (c.noop ? 0 : 1e13) + c.score * STRONG_LINE_WEIGHT * 1000 + c.weak * WEAK_LINE_WEIGHT * 1000 + c.rewrites * REWRITE_WEIGHT * 1000 + c.redeclares * REDECLARE_WEIGHT * 1000 - c.cost;

const WORDS = /[A-Za-z_$][\w$]*|\d+/g;

/**
 * What deleting each original line costs, as prefix sums: a line whose words the region's code
 * also uses is probably the old version of what the region rewrites (cheap to replace); an
 * unrelated line is a real loss (1). Blank lines cost 0.2, lines of only punctuation 0.5.
 */
function deletionCosts(region: string[], origWords: ReadonlyArray<string[] | null>, orig: string[]): Float64Array {
  const words = new Set(region.flatMap((l) => l.match(WORDS) ?? []));
  const prefix = new Float64Array(orig.length + 1);
  for (let i = 0; i < orig.length; i++) {
    const w = origWords[i];
    let cost: number;
    if (!orig[i].trim()) cost = 0.2;
    else if (!w) cost = 0.5;
    else {
      let common = 0;
      for (const x of w) if (words.has(x)) common++;
      cost = 1 - common / w.length;
    }
    prefix[i + 1] = prefix[i] + cost;
  }
  return prefix;
}

/**
 * Chooses one candidate per region, in file order and without overlap, maximising the summed
 * value (see `value`). Returns, per region, the chosen candidate and every other candidate that
 * would do equally well (a tie that must be refused).
 */
function chooseSequence(cands: Candidate[][]): { chosen: Candidate[]; ties: Candidate[][] } | { stuck: number } {
  const k = cands.length;
  const prefix: number[][] = [];
  for (let i = 0; i < k; i++) {
    prefix.push(cands[i].map((c) => {
      if (i === 0) return value(c);
      let best = -Infinity;
      cands[i - 1].forEach((p, pi) => { if (p.end < c.start && prefix[i - 1][pi] > best) best = prefix[i - 1][pi]; });
      return best === -Infinity ? -Infinity : best + value(c);
    }));
    if (!prefix[i].some((v) => v > -Infinity)) return { stuck: i };
  }
  const suffix: number[][] = new Array(k);
  for (let i = k - 1; i >= 0; i--) {
    suffix[i] = cands[i].map((c) => {
      if (i === k - 1) return value(c);
      let best = -Infinity;
      cands[i + 1].forEach((nx, ni) => { if (c.end < nx.start && suffix[i + 1][ni] > best) best = suffix[i + 1][ni]; });
      return best === -Infinity ? -Infinity : best + value(c);
    });
  }
  const total = Math.max(...prefix[k - 1]);
  const optimal = cands.map((list, i) => list.filter((c, ci) => prefix[i][ci] + suffix[i][ci] - value(c) === total));
  // Walk one optimal path left to right.
  const chosen: Candidate[] = [];
  let need = total;
  let prevEnd = -1;
  for (let i = 0; i < k; i++) {
    const pick = cands[i].find((c, ci) => c.start > prevEnd && prefix[i][ci] + suffix[i][ci] - value(c) === total && suffix[i][ci] === need);
    if (!pick) return { stuck: i };
    chosen.push(pick);
    need -= value(pick);
    prevEnd = pick.end;
  }
  return { chosen, ties: optimal };
}

function indentOf(s: string): string {
  return /^\s*/.exec(s)![0];
}

/**
 * When every context line of a region is indented by the same extra (or missing) prefix compared
 * with the original, the snippet was re-indented as a whole: shift it back.
 */
function reindent(region: string[], c: Candidate, orig: string[]): { lines: string[]; shifted: boolean } {
  let delta: { add: string } | { strip: string } | null = null;
  for (let k = 0; k < region.length; k++) {
    const pos = c.match[k];
    if (pos < 0 || region[k].trim() === '') continue;
    const ri = indentOf(region[k]);
    const oi = indentOf(orig[pos]);
    const d = oi.length >= ri.length && oi.endsWith(ri) ? { add: oi.slice(0, oi.length - ri.length) } : ri.endsWith(oi) ? { strip: ri.slice(0, ri.length - oi.length) } : null;
    if (!d) return { lines: region, shifted: false };
    if (delta === null) delta = d;
    else if (JSON.stringify(delta) !== JSON.stringify(d)) return { lines: region, shifted: false };
  }
  if (!delta || ('add' in delta ? delta.add === '' : delta.strip === '')) return { lines: region, shifted: false };
  const lines = region.map((l) => {
    if (l.trim() === '') return l;
    if ('add' in delta!) return delta!.add + l;
    return l.startsWith(delta!.strip) ? l.slice(delta!.strip.length) : l.trimStart();
  });
  return { lines, shifted: true };
}

function describeRegion(r: EditRegion, i: number): string {
  return `Region ${i + 1} (edit lines ${r.editStart}-${r.editEnd})`;
}

const LOOKS_LIKE_MARKER = /(\.{3}|…)\s*(existing code|rest of (the )?code|unchanged)/i;

export function applyEdit(original: string, edit: string): ApplyResult {
  const o = splitLines(original);
  const e = splitLines(edit);
  const regions = parseEdit(e.lines);
  if (!regions.length) {
    throw new SixfoldError('invalid_input', 'The edit has no code: only markers or blank lines.', 'Send the new code for at least one region, with unchanged lines around it as context.');
  }
  if (o.lines.length === 0) {
    const lines = regions.flatMap((r) => r.lines);
    const merged = joinLines({ lines, eol: e.eol, trailingNewline: e.trailingNewline || lines.length > 0 });
    return { merged, confidence: 1, strategy: 'empty_original', regions: [{ start_line: 1, end_line: lines.length, anchors: [] }], changed_lines: lines.length };
  }
  const n = o.lines.length;
  if (regions.length === 1 && !regions[0].leadingMarker && !regions[0].trailingMarker) {
    const lines = regions[0].lines;
    return {
      merged: joinLines({ lines, eol: o.eol, trailingNewline: o.trailingNewline }),
      confidence: 1, strategy: 'full_replace',
      regions: [{ start_line: 1, end_line: n, anchors: [] }],
      changed_lines: Math.max(n, lines.length),
    };
  }

  // Match levels are built on demand: most files never need the whitespace-insensitive ones.
  const keyFns = [(l: string) => l, keyWs, keyNoWs];
  const built: Level[] = [];
  const level = (lv: number) => (built[lv] ??= buildLevel(o.lines, keyFns[lv]));
  const usedLevel: number[] = [];
  const origWords = o.lines.map((l) => l.match(WORDS)); // split once, shared by every region
  const costs = regions.map((r) => () => deletionCosts(r.lines, origWords, o.lines));
  const near = new NearCopies(o.lines);
  const decls = new Declarations(o.lines);
  const cands = regions.map((r, i) => {
    // The first level at which a distinctive line of the region is found decides; a region whose
    // only exact matches are braces or blank lines was probably re-indented.
    let fallback: { lv: number; list: Candidate[] } | undefined;
    for (let lv = 0; lv < keyFns.length; lv++) {
      const list = candidatesFor(r, level(lv), n, i === 0, i === regions.length - 1, costs[i], near, decls);
      if (!list.length) continue;
      if (hasStrongLine(r, level(lv))) {
        usedLevel[i] = lv;
        return list;
      }
      fallback ??= { lv, list };
    }
    if (fallback) {
      usedLevel[i] = fallback.lv;
      return fallback.list;
    }
    const tooCommon = r.lines.some((l) => l.trim() && (level(0).occurrences.get(level(0).keyOf(l))?.length ?? 0) > MAX_PIVOT_OCCURRENCES);
    throw new SixfoldError(
      'invalid_input',
      `${describeRegion(r, i)} could not be placed: ${tooCommon ? 'its only lines found in the original occur hundreds of times' : 'none of its lines occurs in the original file'}.`,
      'Start and end the region with a line of unchanged code copied from the original (e.g. the enclosing function signature), and put a "// ... existing code ..." marker between regions.',
    );
  });

  const seq = chooseSequence(cands);
  if ('stuck' in seq) {
    const r = regions[seq.stuck];
    throw new SixfoldError(
      'invalid_input',
      `${describeRegion(r, seq.stuck)} cannot be placed after the region before it: the regions are out of order or overlap.`,
      'Give the regions in the order they appear in the file, separated by "... existing code ..." markers.',
    );
  }
  seq.ties.forEach((list, i) => {
    if (list.length > 1) {
      const where = list.slice(0, 3).map((c) => `lines ${c.start + 1}-${c.end + 1}`).join(', ');
      throw new SixfoldError(
        'invalid_input',
        `${describeRegion(regions[i], i)} is ambiguous: it fits equally well at ${where}.`,
        'Add a line of unchanged context that occurs only once in the file (e.g. the enclosing function or class signature).',
      );
    }
  });

  // A region that only deletes (every line of it is already in the file) says what to delete by
  // its anchors alone. When another placement has exactly the same context and differs only in
  // how much it deletes, the fewest-deleted rule picks one, but that is a guess: flag it.
  const guessed = seq.chosen.map((c, i) => {
    const lv = level(usedLevel[i]);
    if (!regions[i].lines.every((l) => lv.occurrences.has(lv.keyOf(l)))) return null;
    const lo = i > 0 ? seq.chosen[i - 1].end : -1;
    const hi = i + 1 < seq.chosen.length ? seq.chosen[i + 1].start : n;
    return cands[i].find((d) => d !== c && !d.noop && d.start > lo && d.end < hi && d.score === c.score && d.weak === c.weak
      && d.rewrites === c.rewrites && d.redeclares === c.redeclares) ?? null;
  });

  // Assemble: original outside the spans, region lines inside.
  const out: string[] = [];
  const placed: PlacedRegion[] = [];
  let cursor = 0;
  let changed = 0;
  let confidence = 1;
  const notes = new Set<string>();
  const guesses: string[] = [];
  seq.chosen.forEach((c, i) => {
    const region = regions[i];
    const { lines, shifted } = reindent(region.lines, c, o.lines);
    if (shifted) notes.add('reindent');
    for (let p = cursor; p < c.start; p++) out.push(o.lines[p]);
    out.push(...lines);
    cursor = c.end + 1;
    const matched = [...c.match].filter((p) => p >= 0);
    let exact = 0;
    c.match.forEach((p, k) => { if (p >= 0 && o.lines[p] === lines[k]) exact++; });
    const lv = level(usedLevel[i]);
    const common = lcs(lines.map(lv.keyOf), lv.orig, c.start, c.end);
    changed += (lines.length - common) + (c.end - c.start + 1 - common);
    if (usedLevel[i] > 0) {
      confidence *= usedLevel[i] === 1 ? 0.95 : 0.85;
      notes.add('whitespace-insensitive');
    }
    const alt = guessed[i];
    if (alt) {
      guesses.push(`${describeRegion(region, i)} only deletes lines, and it fits lines ${c.start + 1}-${c.end + 1} and lines ${alt.start + 1}-${alt.end + 1} with the same context; the fewest-deleted rule chose lines ${c.start + 1}-${c.end + 1}.`);
      notes.add('guessed-deletion');
    }
    if (c.tieBroken) {
      confidence *= 0.9;
      notes.add('fewest-deleted');
    }
    // Little agreeing context: placed by its anchors alone.
    if (c.score < 2 && region.lines.length > 1) confidence *= 0.9;
    placed.push({ start_line: c.start + 1, end_line: c.end + 1, anchors: matched.map((p) => o.lines[p]) });
  });
  for (let p = cursor; p < n; p++) out.push(o.lines[p]);

  // Safety net: a marker-like line we did not recognise must not end up in the file as code.
  const stray = out.findIndex((l, idx) => LOOKS_LIKE_MARKER.test(l) && !o.lines.includes(l) && idx >= 0);
  if (stray >= 0) {
    throw new SixfoldError('invalid_input', `The edit contains a line that looks like a marker but is not one: "${out[stray].trim()}".`, 'Write markers as a comment line on their own, e.g. "// ... existing code ...".');
  }
  const strategy = ['anchored', ...notes].join('+');
  return {
    merged: joinLines({ lines: out, eol: o.eol, trailingNewline: o.trailingNewline }),
    // A guess never claims 0.5 or more; anything placed by the rules does.
    confidence: guesses.length ? GUESS_CONFIDENCE : Math.max(0.5, Math.round(confidence * 1000) / 1000),
    strategy,
    regions: placed,
    changed_lines: changed,
    ...(guesses.length ? { warnings: guesses } : {}),
  };
}
