import { describeDoubt, doubtAbout, NearCopies } from './evidence.js';
import type { Located } from './locate.js';
import { describeRegion, type EditRegion } from './parse.js';
import { SLACK } from './place.js';
import { Fits, type Placement, type RegionShape } from './placements.js';

/** Another placement that fits a region's context, not taken because it deletes more (or needs less context). */
export interface Alternative {
  /** 1-based region number. */
  region: number;
  start_line: number;
  end_line: number;
  deleted_lines: number;
}

export interface Judgement {
  /** Before the 0.5 floor and the guess cap. */
  confidence: number;
  notes: Set<string>;
  alternatives: Alternative[];
  /** One per region whose placement is a guess. */
  warnings: string[];
}

/** Alternatives listed per region. */
const MAX_ALTERNATIVES = 3;
/** Confidence kept when the fewest-deleted rule had to choose among placements that fit. */
const CHOSE_BY_DELETIONS = 0.9;
/** Confidence kept at each match level (exact, whitespace runs collapsed, whitespace ignored). */
const LEVEL_CONFIDENCE = [1, 0.95, 0.85];

/**
 * How sure the merge is. Confidence 1 only when every region fits exactly one place between its
 * neighbours (with one line of context as well as with the depth used). Where the fewest-deleted
 * rule had to choose, confidence drops and the placements not taken are listed. Where something
 * speaks against the chosen placement (see evidence.ts, and the checks below), the region is a
 * guess: a warning says why. Nothing here moves a region.
 */
export function judge(
  regions: readonly EditRegion[],
  located: readonly Located[],
  chosen: readonly Placement[],
  fits: readonly Fits[],
  depth: number,
  orig: readonly string[],
): Judgement {
  const n = orig.length;
  let confidence = 1;
  const notes = new Set<string>();
  const alternatives: Alternative[] = [];
  const warnings: string[] = [];
  let near: NearCopies | undefined;
  chosen.forEach((p, i) => {
    const { shape, index, level } = located[i];
    const lo = i > 0 ? chosen[i - 1].end + 1 : 0;
    const hi = i + 1 < chosen.length ? chosen[i + 1].start - 1 : n - 1;
    const same = (q: Placement) => q.start === p.start && q.end === p.end;
    // Other placements between the neighbours: at the depth used, and with one line of context.
    const deep = fits[i].within(SLACK, lo, hi).filter((q) => !same(q));
    const shallow = depth > 1 ? new Fits(shape, index, 1).within(SLACK, lo, hi).filter((q) => !same(q)) : [];
    const others = [...deep, ...shallow.filter((q) => !deep.some((d) => d.start === q.start && d.end === q.end))];
    confidence *= LEVEL_CONFIDENCE[level];
    if (level > 0) notes.add('whitespace-insensitive');
    if (fits[i].count(lo, hi) <= 1 && !others.length) return;
    confidence *= CHOSE_BY_DELETIONS;
    notes.add('fewest-deleted');
    const listed = [...others].sort((x, y) => x.deleted - y.deleted || x.start - y.start).slice(0, MAX_ALTERNATIVES);
    for (const q of listed)
      alternatives.push({ region: i + 1, start_line: q.start + 1, end_line: q.end + 1, deleted_lines: q.deleted });
    const here = `${describeRegion(regions[i], i)} was placed at lines ${p.start + 1}-${p.end + 1} (deleting ${p.deleted})`;
    const m = shape.ids.length;
    // A placement whose anchors fit (one line of context at each end) and that deletes fewer lines:
    // only the deeper context favours ours, and that must not make a larger deletion look sure.
    const fewer = shallow.filter((q) => q.deleted < p.deleted).sort((x, y) => x.deleted - y.deleted)[0];
    const why: string[] = [];
    if (fewer) {
      // Two lines of context chose a placement that deletes more than one with a single line of
      // context would: which context the edit meant is not settled by the rule.
      why.push(`with a single line of context it also fits lines ${fewer.start + 1}-${fewer.end + 1}, deleting ${fewer.deleted}`);
    }
    if (blankContext(regions[i].lines, shape, depth))
      why.push('its context at one end is only blank lines, which fit almost anywhere');
    // A region all of whose lines the original already has only deletes: nothing in it says how much.
    if (p.kept === m && listed.length) why.push('it only deletes lines, and nothing in it says how many');
    const doubt = doubtAbout(regions[i].lines, p, others, orig, index, (near ??= new NearCopies(orig)));
    if (doubt) why.push(describeDoubt(doubt));
    if (why.length) {
      const elsewhere = listed.length
        ? ` Other placements: ${listed.map((q) => `lines ${q.start + 1}-${q.end + 1} (deleting ${q.deleted})`).join(', ')}.`
        : '';
      warnings.push(`${here}, but ${why.join('; and ')}.${elsewhere}`);
      notes.add('guess');
    }
  });

  return { confidence, notes, alternatives, warnings };
}

/** Whether the context lines at either end of the region (those not fixed to the file's ends) are all blank. */
function blankContext(lines: readonly string[], shape: RegionShape, depth: number): boolean {
  const blank = (from: number, to: number) => lines.slice(from, to + 1).every((l) => l.trim() === '');
  return (
    (!shape.fixedStart && blank(shape.first, shape.first + depth - 1)) ||
    (!shape.fixedEnd && blank(shape.last - depth + 1, shape.last))
  );
}
