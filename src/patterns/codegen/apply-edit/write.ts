import { echo, SixfoldError } from '../../../errors.js';
import type { Placement, RegionShape } from './placements.js';

function indentOf(s: string): string {
  return /^\s*/.exec(s)![0];
}

type Shift = { add: string } | { strip: string };

/**
 * A snippet indented as a whole by a different amount than the file (a model re-indenting a
 * method): when every anchor line is off by the same prefix, shift the region back by it.
 */
export function reindent(
  region: readonly string[],
  shape: RegionShape,
  p: Placement,
  orig: readonly string[],
): { lines: readonly string[]; shifted: boolean } {
  const pairs: Array<[number, number]> = [];
  if (!shape.fixedStart) pairs.push([shape.first, p.start]);
  if (!shape.fixedEnd) pairs.push([shape.last, p.end]);
  let delta: Shift | null = null;
  for (const [k, pos] of pairs) {
    if (region[k].trim() === '') continue;
    const ri = indentOf(region[k]);
    const oi = indentOf(orig[pos]);
    const d: Shift | null =
      oi.length >= ri.length && oi.endsWith(ri)
        ? { add: oi.slice(0, oi.length - ri.length) }
        : ri.endsWith(oi)
          ? { strip: ri.slice(0, ri.length - oi.length) }
          : null;
    if (!d) return { lines: region, shifted: false };
    if (delta === null) delta = d;
    else if (JSON.stringify(delta) !== JSON.stringify(d)) return { lines: region, shifted: false };
  }
  if (!delta || ('add' in delta ? delta.add === '' : delta.strip === '')) return { lines: region, shifted: false };
  const by = delta;
  const lines = region.map((l) => {
    if (l.trim() === '') return l;
    if ('add' in by) return by.add + l;
    return l.startsWith(by.strip) ? l.slice(by.strip.length) : l.trimStart();
  });
  return { lines, shifted: true };
}

/** The original outside the chosen spans, each region's lines inside its span. */
export function assemble(
  orig: readonly string[],
  spans: ReadonlyArray<{ start: number; end: number; lines: readonly string[] }>,
): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (const s of spans) {
    for (let p = cursor; p < s.start; p++) out.push(orig[p]);
    out.push(...s.lines);
    cursor = s.end + 1;
  }
  for (let p = cursor; p < orig.length; p++) out.push(orig[p]);
  return out;
}

const LOOKS_LIKE_MARKER = /(\.{3}|…)\s*(existing code|rest of (the )?code|unchanged)/i;

/** Safety net: a marker-like line that was not recognised as a marker must not end up in the file as code. */
export function refuseStrayMarker(merged: readonly string[], orig: readonly string[]): void {
  const known = new Set(orig);
  const stray = merged.find((l) => LOOKS_LIKE_MARKER.test(l) && !known.has(l));
  if (stray !== undefined) {
    throw new SixfoldError(
      'invalid_input',
      `The edit contains a line that looks like a marker but is not one: ${echo(stray.trim(), 120)}.`,
      'Write markers as a comment line on their own, e.g. "// ... existing code ...".',
    );
  }
}
