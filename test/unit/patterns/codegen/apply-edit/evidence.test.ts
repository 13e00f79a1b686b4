import { describe, expect, it } from 'vitest';
import { declaredName, doubtAbout, NearCopies } from '../../../../../src/patterns/codegen/apply-edit/evidence.js';
import { LineIndex } from '../../../../../src/patterns/codegen/apply-edit/line-index.js';
import type { Placement } from '../../../../../src/patterns/codegen/apply-edit/placements.js';

const at = (start: number, end: number, deleted: number, kept: number): Placement => ({
  start,
  end,
  deleted,
  kept,
  lead: 1,
  trail: 1,
});

function doubt(orig: string[], region: string[], p: Placement, others: Placement[]) {
  return doubtAbout(region, p, others, orig, new LineIndex(orig, 0), new NearCopies(orig));
}

describe('evidence against the fewest-deleted placement', () => {
  it('names the declared kind and name', () => {
    expect(declaredName('export type Parts = A | B;')).toBe('type Parts');
    expect(declaredName('  def run(self):')).toBe('def run');
    expect(declaredName('return x;')).toBeNull();
  });

  it('keeps-more: a placement deleting more that changes fewer lines in all', () => {
    const orig = ['start', 'one', 'two', 'three', 'end'];
    const region = ['start', 'one', 'two', 'three!', 'end'];
    // p: only "start".."one" replaced (region re-inserts two/three); q: the whole block, one line rewritten.
    expect(doubt(orig, region, at(0, 1, 0, 2), [at(0, 4, 1, 4)])).toMatchObject({ kind: 'keeps-more' });
  });

  it('redeclare: a new line declaring a name that only the other placement replaces', () => {
    const orig = ['a', 'type Parts = A | B;', 'b', 'c'];
    const region = ['b', 'type Parts = keyof R;', 'c'];
    expect(doubt(orig, region, at(2, 3, 0, 2), [at(0, 3, 2, 2)])).toMatchObject({
      kind: 'redeclare',
      line: 'type Parts = keyof R;',
    });
  });

  it("rewrite: a near copy of a line only the other placement replaces, when it is the file's only near copy", () => {
    const orig = ['a', '  total = sum(values);', 'b', 'c'];
    const region = ['b', '  total = sum(values, 0);', 'c'];
    expect(doubt(orig, region, at(2, 3, 0, 2), [at(0, 3, 2, 2)])).toMatchObject({ kind: 'rewrite' });
    // One more sibling of several similar lines is not a rewrite.
    const siblings = ['a', '  check(case_1, "one");', '  check(case_2, "two");', 'b', 'c'];
    expect(doubt(siblings, ['b', '  check(case_3, "tre");', 'c'], at(3, 4, 0, 2), [at(0, 4, 3, 2)])).toBeNull();
  });

  it('says nothing when no other placement deletes more', () => {
    expect(doubt(['a', 'b'], ['a', 'x', 'b'], at(0, 1, 0, 2), [])).toBeNull();
  });
});
