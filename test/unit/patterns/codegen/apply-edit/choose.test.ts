import { describe, expect, it } from 'vitest';
import { chooseSequence } from '../../../../../src/patterns/codegen/apply-edit/choose.js';
import type { Placement } from '../../../../../src/patterns/codegen/apply-edit/placements.js';

const at = (start: number, end: number, deleted: number): Placement => ({ start, end, deleted, kept: 1, lead: 1, trail: 1 });

describe('choosing one placement per region', () => {
  it('takes the ordered, non-overlapping sequence that deletes the fewest lines in all', () => {
    const seq = chooseSequence([
      [at(0, 2, 0), at(5, 9, 3)],
      [at(1, 4, 0), at(10, 12, 1)],
    ]);
    // 0-2 then 10-12 deletes 1; 5-9 then 10-12 deletes 4; 0-2 then 1-4 overlaps.
    expect(seq).toEqual({ kind: 'chosen', chosen: [at(0, 2, 0), at(10, 12, 1)], deleted: 1 });
  });

  it('reports a tie with the region where the best sequences part', () => {
    const seq = chooseSequence([[at(0, 1, 0)], [at(3, 4, 1), at(6, 7, 1)]]);
    expect(seq).toEqual({ kind: 'tie', region: 1, options: [at(3, 4, 1), at(6, 7, 1)] });
  });

  it('reports the first region that cannot follow the one before it', () => {
    expect(chooseSequence([[at(5, 6, 0)], [at(1, 2, 0)]])).toEqual({ kind: 'stuck', region: 1 });
  });
});
