import { describe, expect, it } from 'vitest';
import { Tally, bftFaults, quorumSize } from '../../../../src/patterns/vote/quorum.js';

describe('quorum rules', () => {
  it('sizes', () => {
    expect([1, 2, 3, 4, 5, 7].map((n) => quorumSize('majority', n))).toEqual([1, 2, 2, 3, 3, 4]);
    expect([3, 4, 6].map((n) => quorumSize('two_thirds', n))).toEqual([2, 3, 4]);
    expect(quorumSize('unanimous', 4)).toBe(4);
    // bft: 2f+1 for n = 3f+1, and never less than a Byzantine majority for other n.
    expect([4, 7, 10].map((n) => [bftFaults(n), quorumSize('bft', n)])).toEqual([
      [1, 3],
      [2, 5],
      [3, 7],
    ]);
    expect(quorumSize('bft', 3)).toBe(2);
    expect(quorumSize('bft', 5)).toBe(4);
  });

  it('one lying voter of four cannot decide, and cannot block three honest ones', () => {
    const t = new Tally(4, 'bft');
    expect(t.add('lie').settled).toBe(false);
    expect(t.add('truth').settled).toBe(false);
    expect(t.add('truth').settled).toBe(false);
    const s = t.add('truth');
    expect(s).toEqual({ decision: 'truth', settled: true, quorumReached: true, agreement: 0.75 });
  });

  it('settles early as soon as the quorum is reached', () => {
    const t = new Tally(4, 'bft');
    t.add('a');
    t.add('a');
    const s = t.add('a');
    expect(s.settled).toBe(true);
    expect(s.decision).toBe('a');
  });

  it('settles early once the quorum can no longer be reached', () => {
    const t = new Tally(4, 'bft'); // quorum 3
    t.add('a');
    expect(t.add('b').settled).toBe(false); // a or b can still reach 3 with two votes outstanding
    const s = t.add(null); // errors agree with nobody: best is 1 + 1 outstanding < 3
    expect(s).toEqual({ decision: null, settled: true, quorumReached: false, agreement: 0.25 });
  });

  it('errors count as non-agreeing votes', () => {
    const t = new Tally(3, 'majority');
    t.add(null);
    t.add('x');
    expect(t.add('x')).toMatchObject({ decision: 'x', quorumReached: true });
  });

  it('ranking orders answers by votes', () => {
    const t = new Tally(5, 'unanimous');
    ['b', 'a', 'b', 'c'].forEach((v) => t.add(v));
    expect(t.ranking()[0]).toEqual(['b', 2]);
  });

  it('rejects an empty electorate', () => {
    expect(() => new Tally(0, 'bft')).toThrow(RangeError);
  });
});
