import { describe, expect, it } from 'vitest';
import { SixfoldError } from '../../../../../src/errors.js';
import { LineIndex } from '../../../../../src/patterns/codegen/apply-edit/line-index.js';
import { regionShape } from '../../../../../src/patterns/codegen/apply-edit/placements.js';
import { assemble, refuseStrayMarker, reindent } from '../../../../../src/patterns/codegen/apply-edit/write.js';

describe('writing the merge', () => {
  it('puts each region in its span and keeps the rest of the original', () => {
    expect(assemble(['a', 'b', 'c', 'd'], [{ start: 1, end: 2, lines: ['B', 'C', 'C2'] }])).toEqual(['a', 'B', 'C', 'C2', 'd']);
  });

  it("shifts a region indented as a whole by another amount back to the file's indentation", () => {
    const orig = ['class A {', '    run() {', '        go();', '    }', '}'];
    const region = ['run() {', '    go();', '    stop();', '}'];
    const index = new LineIndex(orig, 1);
    const shape = regionShape(region, index, false, false)!;
    const r = reindent(region, shape, { start: 1, end: 3, lead: 1, trail: 1, deleted: 0, kept: 3 }, orig);
    expect(r).toEqual({ lines: ['    run() {', '        go();', '        stop();', '    }'], shifted: true });
  });

  it('refuses a marker-like line that was not recognised as a marker', () => {
    expect(() => refuseStrayMarker(['a', '  // ... existing code, but different'], ['a'])).toThrow(SixfoldError);
    expect(() =>
      refuseStrayMarker(['a', '// ... existing code ... in the original'], ['// ... existing code ... in the original']),
    ).not.toThrow();
  });
});
