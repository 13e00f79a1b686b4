import { SixfoldError } from '../../../errors.js';
import { chooseSequence } from './choose.js';
import type { Located } from './locate.js';
import { describeRegion, type EditRegion } from './parse.js';
import { Fits, type Placement } from './placements.js';

/** Lines of context sought at each end of a region before settling for one. */
export const MAX_DEPTH = 3;
/** Placements deleting up to this many lines more than the fewest are measured (alternatives, sequence choice). */
export const SLACK = 16;

type Attempt = ReturnType<typeof chooseSequence> | { kind: 'unfit'; region: number };

/** The fewest-deleted sequence with every region's context fitting at `depth` lines. */
export function placeAt(located: readonly Located[], depth: number): Attempt & { fits?: Fits[] } {
  const fits = located.map((l) => new Fits(l.shape, l.index, depth));
  const unfit = fits.findIndex((f) => f.count(0, f.size - 1) === 0);
  if (unfit >= 0) return { kind: 'unfit', region: unfit };
  let cands = fits.map((f) => f.within(SLACK));
  let seq = chooseSequence(cands);
  // The slack bounds the sequence's total only if the best total is within it of the sum of the minima.
  const floor = cands.reduce((sum, list) => sum + Math.min(...list.map((p) => p.deleted)), 0);
  if (seq.kind === 'stuck' || (seq.kind === 'chosen' && seq.deleted > floor + SLACK)) {
    cands = fits.map((f) => f.within(Infinity));
    seq = chooseSequence(cands);
  }
  return { ...seq, fits };
}

/** Places every region at the deepest context (up to MAX_DEPTH lines each end) the whole edit fits. */
export function placeAll(
  regions: readonly EditRegion[],
  located: readonly Located[],
): { chosen: Placement[]; depth: number; fits: Fits[] } {
  let last: Attempt | undefined;
  for (let depth = MAX_DEPTH; depth >= 1; depth--) {
    const a = placeAt(located, depth);
    if (a.kind === 'chosen') return { chosen: a.chosen, depth, fits: a.fits! };
    if (a.kind === 'tie') {
      const where = a.options
        .slice(0, 3)
        .map((p) => `lines ${p.start + 1}-${p.end + 1}`)
        .join(', ');
      throw new SixfoldError(
        'invalid_input',
        `${describeRegion(regions[a.region], a.region)} is ambiguous: its context fits ${where}${a.options.length > 3 ? ` and ${a.options.length - 3} more` : ''}, each deleting ${a.options[0].deleted} line(s).`,
        'Add a line of unchanged context that occurs only once in the file (e.g. the enclosing function or class signature).',
      );
    }
    last = a;
  }
  const r = last!.kind === 'stuck' || last!.kind === 'unfit' ? last!.region : 0;
  throw new SixfoldError(
    'invalid_input',
    `${describeRegion(regions[r], r)} cannot be placed after the region before it: the regions are out of order or overlap.`,
    'Give the regions in the order they appear in the file, separated by "... existing code ..." markers.',
  );
}
