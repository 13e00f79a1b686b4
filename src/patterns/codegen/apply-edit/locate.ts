import { SixfoldError } from '../../../errors.js';
import { LineIndex, type MatchLevel } from './line-index.js';
import { describeRegion, type EditRegion } from './parse.js';
import { Fits, regionShape, type RegionShape } from './placements.js';

const PUNCTUATION_ONLY = /^[\s{}()[\];,.:*/#<>'"`|=-]*$/;

export interface Located {
  level: MatchLevel;
  shape: RegionShape;
  index: LineIndex;
}

/**
 * The match level a region is placed at: the strictest at which its context ends are found, that
 * is its first line (unless it starts the file) and its last line (unless it ends the file), with
 * its anchors in order. A region whose first or last line the file has only with other whitespace
 * was re-indented by whoever wrote it. Failing that, the first level at which any of its lines
 * anchor it, preferring one where a distinctive line (not blank, not punctuation only) is found.
 */
export function locate(r: EditRegion, i: number, count: number, indexAt: (lv: MatchLevel) => LineIndex): Located {
  const fixedStart = i === 0 && !r.leadingMarker;
  const fixedEnd = i === count - 1 && !r.trailingMarker;
  let fallback: Located | undefined;
  let weak: Located | undefined;
  for (const level of [0, 1, 2] as const) {
    const index = indexAt(level);
    const shape = regionShape(r.lines, index, fixedStart, fixedEnd);
    if (!shape || new Fits(shape, index, 1).count(0, index.size - 1) === 0) continue;
    const endsFound = (fixedStart || shape.first === 0) && (fixedEnd || shape.last === r.lines.length - 1);
    if (endsFound) return { level, shape, index };
    const strong = r.lines.some((l) => !PUNCTUATION_ONLY.test(l) && index.occurrences(index.idOf(l)).length > 0);
    if (strong) fallback ??= { level, shape, index };
    else weak ??= { level, shape, index };
  }
  fallback ??= weak;
  if (fallback) return fallback;
  const exact = indexAt(0);
  const anywhere = r.lines.some((l) => l.trim() && exact.occurrences(exact.idOf(l)).length > 0);
  throw new SixfoldError(
    'invalid_input',
    `${describeRegion(r, i)} could not be placed: ${anywhere ? 'its first and last lines found in the original never occur in that order' : 'none of its lines occurs in the original file'}.`,
    'Start and end the region with a line of unchanged code copied from the original (e.g. the enclosing function signature), and put a "// ... existing code ..." marker between regions.',
  );
}
