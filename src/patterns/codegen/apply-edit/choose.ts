import type { Placement } from './placements.js';

export type Sequence =
  | { kind: 'chosen'; chosen: Placement[]; deleted: number }
  /** No placement of region `region` comes after one of the region before it. */
  | { kind: 'stuck'; region: number }
  /** Region `region` has several placements on sequences that delete equally few lines. */
  | { kind: 'tie'; region: number; options: Placement[] };

/**
 * One placement per region, in file order and without overlap, deleting the fewest original lines
 * in all. A tie on that is reported with the region where the sequences part, never broken.
 * Dynamic programming over the regions: best[i][j] is the fewest lines deleted by regions 0..i
 * with region i at placement j; the same from the right gives, for every placement, the best
 * total of a sequence through it.
 */
export function chooseSequence(cands: readonly Placement[][]): Sequence {
  const k = cands.length;
  const prefix: number[][] = [];
  for (let i = 0; i < k; i++) {
    const row = cands[i].map((c) => (i === 0 ? c.deleted : bestBefore(cands[i - 1], prefix[i - 1], c.start) + c.deleted));
    if (!row.some(Number.isFinite)) return { kind: 'stuck', region: i };
    prefix.push(row);
  }
  const suffix: number[][] = new Array(k);
  for (let i = k - 1; i >= 0; i--) {
    suffix[i] = cands[i].map((c) => (i === k - 1 ? c.deleted : bestAfter(cands[i + 1], suffix[i + 1], c.end) + c.deleted));
  }
  const total = Math.min(...prefix[k - 1]);
  const onOptimal = cands.map((list, i) => list.filter((c, j) => prefix[i][j] + suffix[i][j] - c.deleted === total));
  const split = onOptimal.findIndex((list) => list.length > 1);
  if (split >= 0) return { kind: 'tie', region: split, options: onOptimal[split] };
  return { kind: 'chosen', chosen: onOptimal.map((list) => list[0]), deleted: total };
}

function bestBefore(prev: readonly Placement[], cost: readonly number[], start: number): number {
  let best = Infinity;
  for (let j = 0; j < prev.length; j++) if (prev[j].end < start && cost[j] < best) best = cost[j];
  return best;
}

function bestAfter(next: readonly Placement[], cost: readonly number[], end: number): number {
  let best = Infinity;
  for (let j = 0; j < next.length; j++) if (next[j].start > end && cost[j] < best) best = cost[j];
  return best;
}
