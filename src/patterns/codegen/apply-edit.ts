import { SixfoldError } from '../../errors.js';
import { joinLines, splitLines } from './lines.js';
import { judge, type Alternative } from './apply-edit/judge.js';
import { LineIndex, type MatchLevel } from './apply-edit/line-index.js';
import { locate } from './apply-edit/locate.js';
import { parseEdit } from './apply-edit/parse.js';
import { placeAll } from './apply-edit/place.js';
import type { Placement, RegionShape } from './apply-edit/placements.js';
import { assemble, refuseStrayMarker, reindent } from './apply-edit/write.js';

export { parseEdit, type EditRegion } from './apply-edit/parse.js';
export type { Alternative } from './apply-edit/judge.js';

/**
 * apply_edit: merges a lazy edit (new code for some regions of a file, unchanged code between
 * them elided by "... existing code ..." marker lines) into the original, with no LLM.
 *
 * The rule, which no similarity heuristic overrides: a region goes where its context fits (its
 * first two and last two lines equal the original there; one line each when some region of the
 * edit has no such place), and when that is several places, to the one that deletes the fewest
 * original lines. A tie on that is refused. Evidence against the chosen place only lowers the
 * confidence and says why; it never moves a region.
 *
 * The steps, one module each under apply-edit/: parse the edit into regions (parse.ts); pick each
 * region's match level (locate.ts); find the placements that fit (placements.ts); choose one
 * sequence of them (place.ts, choose.ts); judge how sure that is (judge.ts, evidence.ts); write
 * the merge (write.ts).
 */
export interface PlacedRegion {
  start_line: number;
  end_line: number;
  anchors: string[];
  /** Original lines in the span that the merge dropped. */
  deleted_lines: number;
}

export interface ApplyResult {
  merged: string;
  confidence: number;
  strategy: string;
  regions: PlacedRegion[];
  changed_lines: number;
  /** Present when a region fitted more than one place: the placements not taken. */
  alternatives?: Alternative[];
  /** Why the merge is a guess (confidence below 0.5): check these regions before using it. */
  warnings?: string[];
}

/** The confidence of a merge that had to guess (see ApplyResult.warnings). */
export const GUESS_CONFIDENCE = 0.4;

export function applyEdit(original: string, edit: string): ApplyResult {
  const o = splitLines(original);
  const e = splitLines(edit);
  const regions = parseEdit(e.lines);
  if (!regions.length) {
    throw new SixfoldError(
      'invalid_input',
      'The edit has no code: only markers or blank lines.',
      'Send the new code for at least one region, with unchanged lines around it as context.',
    );
  }
  if (o.lines.length === 0) {
    const lines = regions.flatMap((r) => r.lines);
    const merged = joinLines({ lines, eol: e.eol, trailingNewline: e.trailingNewline || lines.length > 0 });
    return {
      merged,
      confidence: 1,
      strategy: 'empty_original',
      regions: [{ start_line: 1, end_line: lines.length, anchors: [], deleted_lines: 0 }],
      changed_lines: lines.length,
    };
  }
  const n = o.lines.length;
  if (regions.length === 1 && !regions[0].leadingMarker && !regions[0].trailingMarker) {
    const lines = regions[0].lines;
    return {
      merged: joinLines({ lines, eol: o.eol, trailingNewline: o.trailingNewline }),
      confidence: 1,
      strategy: 'full_replace',
      regions: [{ start_line: 1, end_line: n, anchors: [], deleted_lines: n }],
      changed_lines: Math.max(n, lines.length),
    };
  }

  const indexes: LineIndex[] = [];
  const indexAt = (lv: MatchLevel) => (indexes[lv] ??= new LineIndex(o.lines, lv));
  const located = regions.map((r, i) => locate(r, i, regions.length, indexAt));
  const { chosen, depth, fits } = placeAll(regions, located);
  const verdict = judge(regions, located, chosen, fits, depth, o.lines);

  const spans = chosen.map((p, i) => {
    const { lines, shifted } = reindent(regions[i].lines, located[i].shape, p, o.lines);
    if (shifted) verdict.notes.add('reindent');
    return { start: p.start, end: p.end, lines };
  });
  const out = assemble(o.lines, spans);
  refuseStrayMarker(out, o.lines);
  const { warnings, alternatives } = verdict;
  return {
    merged: joinLines({ lines: out, eol: o.eol, trailingNewline: o.trailingNewline }),
    // A guess never claims 0.5 or more; anything placed by the rule does.
    confidence: warnings.length ? GUESS_CONFIDENCE : Math.max(0.5, Math.round(verdict.confidence * 1000) / 1000),
    strategy: ['anchored', ...verdict.notes].join('+'),
    regions: chosen.map((p, i) => ({
      start_line: p.start + 1,
      end_line: p.end + 1,
      deleted_lines: p.deleted,
      anchors: anchorLines(located[i].shape, p, o.lines),
    })),
    changed_lines: chosen.reduce((sum, p, i) => sum + (spans[i].lines.length - p.kept) + p.deleted, 0),
    ...(alternatives.length ? { alternatives } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

/** The original lines the region's ends were matched to (none at an end fixed to the file's start or end). */
function anchorLines(shape: RegionShape, p: Placement, orig: readonly string[]): string[] {
  const out: string[] = [];
  if (!shape.fixedStart) out.push(orig[p.start]);
  if (!shape.fixedEnd && (p.end !== p.start || shape.fixedStart)) out.push(orig[p.end]);
  return out;
}
