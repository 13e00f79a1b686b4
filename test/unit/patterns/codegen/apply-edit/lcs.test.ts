import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LcsScanner } from '../../../../../src/patterns/codegen/apply-edit/lcs.js';
import { lcsLength } from '../../../../../testkit/apply-oracle.js';

describe('LcsScanner (bit-parallel LCS)', () => {
  it('equals the dynamic-programming LCS after every pushed line, for regions longer than one word', () => {
    const ids = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 90 });
    fc.assert(
      fc.property(ids, ids, (region, text) => {
        const scanner = new LcsScanner(Int32Array.from(region));
        text.forEach((id, k) => {
          scanner.push(id);
          expect(scanner.length()).toBe(lcsLength(region.map(String), text.slice(0, k + 1).map(String)));
        });
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('starts again from nothing after reset', () => {
    const s = new LcsScanner(Int32Array.from([1, 2, 3]));
    [1, 2, 3].forEach((id) => s.push(id));
    expect(s.length()).toBe(3);
    s.reset();
    expect(s.length()).toBe(0);
    s.push(3);
    expect(s.length()).toBe(1);
  });
});
