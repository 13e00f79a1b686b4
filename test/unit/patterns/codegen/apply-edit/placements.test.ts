import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../../../../src/patterns/codegen/apply-edit/line-index.js';
import { Fits, regionShape } from '../../../../../src/patterns/codegen/apply-edit/placements.js';

function fits(orig: string[], region: string[], depth: number, ends: { fixedStart?: boolean; fixedEnd?: boolean } = {}) {
  const index = new LineIndex(orig, 0);
  const shape = regionShape(region, index, ends.fixedStart ?? false, ends.fixedEnd ?? false)!;
  return new Fits(shape, index, depth);
}

describe("placements that fit a region's context", () => {
  const orig = ['a', '}', '', 'b', '}', '', 'c'];

  it('needs the first and last `depth` lines in place at each end', () => {
    const region = ['}', '', 'new', '', 'c'];
    expect(
      fits(orig, region, 1)
        .within(Infinity)
        .map((p) => [p.start, p.end, p.deleted]),
    ).toEqual([
      [1, 6, 2],
      [4, 6, 0],
    ]);
    expect(fits(orig, region, 2).count(0, orig.length - 1)).toBe(2);
    // Three lines of context at the start ("}", "", "new") are found nowhere.
    expect(fits(orig, region, 3).count(0, orig.length - 1)).toBe(0);
  });

  it('lets the two contexts share one blank line when the region has lines of its own between them', () => {
    // "}" "" + new + "" "c": the original has one blank line between "}" and "c".
    const p = fits(orig, ['}', '', 'new', '', 'c'], 2)
      .within(Infinity)
      .find((q) => q.start === 4)!;
    expect([p.end, p.deleted, p.kept]).toEqual([6, 0, 3]);
    // With nothing between them, sharing it would only insert a blank line: no fit.
    expect(
      fits(orig, ['}', '', '', 'c'], 2)
        .within(Infinity)
        .map((q) => q.start),
    ).toEqual([1]);
  });

  it('counts deletions as span minus what the region keeps, and bounds the search by slack', () => {
    const f = fits(orig, ['a', 'c'], 1);
    expect(f.within(Infinity)).toEqual([{ start: 0, end: 6, lead: 1, trail: 1, deleted: 5, kept: 2 }]);
    const g = fits(['x', '}', 'y', '}', 'z', '}', 'w'], ['x', 'new', '}'], 1);
    expect(g.within(0).map((p) => [p.start, p.end])).toEqual([[0, 1]]);
    expect(g.within(2).map((p) => [p.start, p.end, p.deleted])).toEqual([
      [0, 1, 0],
      [0, 3, 2],
    ]);
    expect(g.within(Infinity, 0, 2).map((p) => p.end)).toEqual([1]);
  });

  it("ties an end with no marker to the file's first or last line", () => {
    const f = fits(['a', 'b', 'c', 'd'], ['new', 'b'], 1, { fixedStart: true });
    expect(f.within(Infinity).map((p) => [p.start, p.end, p.deleted])).toEqual([[0, 1, 1]]);
  });
});
