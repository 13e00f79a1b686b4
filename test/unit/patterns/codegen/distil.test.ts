import { describe, expect, it } from 'vitest';
import {
  INITIAL_CONFIDENCE,
  JUDGED_PENALTY,
  changedLines,
  distil,
  firstErrorLine,
  summarize,
} from '../../../../src/patterns/codegen/distil.js';

const base = {
  task: 'Write a function slugify(title) that lower-cases and joins words with dashes',
  language: 'python',
  code: 'def slugify(t):\n    return "-".join(t.lower().split())',
  source: 'llm' as const,
};

describe('distil', () => {
  it('a success gives one strategy holding the working solution', () => {
    const items = distil({ ...base, success: true, notes: 'all 4 tests passed' });
    expect(items).toHaveLength(1);
    const [s] = items;
    expect(s).toMatchObject({ kind: 'strategy', code: base.code, confidence: INITIAL_CONFIDENCE.strategy });
    expect(s.title).toBe('python: Write a function slugify(title) that lower-cases and joins words with dashes');
    expect(s.description).toContain('passed');
    expect(s.content).toContain('all 4 tests passed');
    expect(s.content).toContain('```python\ndef slugify(t):');
  });

  it('a success after the caller fixed the draft remembers the fix and adds a pitfall with the changed lines', () => {
    const final = 'import re\ndef slugify(t):\n    return re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")';
    const items = distil({ ...base, success: true, final_code: final, notes: 'punctuation was kept' });
    expect(items.map((i) => i.kind)).toEqual(['strategy', 'pitfall']);
    expect(items[0].code).toBe(final);
    expect(items[1].code).toBeNull();
    expect(items[1].content).toContain('-     return "-".join(t.lower().split())');
    expect(items[1].content).toContain('+ import re');
    expect(items[1].content).toContain('punctuation was kept');
  });

  it('final_code equal to the draft up to whitespace is not a fix', () => {
    expect(distil({ ...base, success: true, final_code: `${base.code}   \n\n` })).toHaveLength(1);
  });

  it('a remembered solution that passed unchanged teaches nothing new', () => {
    expect(distil({ ...base, source: 'memory', success: true })).toEqual([]);
    expect(
      distil({ ...base, source: 'memory', success: true, final_code: 'def slugify(t): return t' }).map((i) => i.kind),
    ).toEqual(['strategy', 'pitfall']);
  });

  it('a failure gives one pitfall titled by the first error line, holding the notes and the failing code', () => {
    const notes = 'ran pytest\nAssertionError: expected "a-b" got "a--b"\nmore output';
    const [p, ...rest] = distil({ ...base, success: false, notes });
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ kind: 'pitfall', code: null, confidence: INITIAL_CONFIDENCE.pitfall });
    expect(p.title).toBe('python pitfall: AssertionError: expected "a-b" got "a--b"');
    expect(p.content).toContain('What went wrong: ran pytest');
    expect(p.content).toContain('Code that failed:\n```python\ndef slugify');
  });

  it('a failure without notes still says so; judged outcomes start less trusted', () => {
    const [p] = distil({ ...base, success: false, judged: true });
    expect(p.title).toBe(`python pitfall: ${summarize(base.task)}`);
    expect(p.content).toContain('without details');
    expect(p.confidence).toBeCloseTo(INITIAL_CONFIDENCE.pitfall - JUDGED_PENALTY, 12);
    expect(distil({ ...base, success: true, judged: true })[0].confidence).toBeCloseTo(
      INITIAL_CONFIDENCE.strategy - JUDGED_PENALTY,
      12,
    );
  });

  it('never more than 3 items, and long code is clipped in content but kept whole in code', () => {
    const long = 'x = 1\n'.repeat(5000);
    const items = distil({ ...base, code: long, success: true });
    expect(items.length).toBeLessThanOrEqual(3);
    expect(items[0].code).toBe(long);
    expect(items[0].content.length).toBeLessThan(8_000);
  });
});

describe('helpers', () => {
  it('summarize takes the first non-empty line, clipped', () => {
    expect(summarize('\n\n  Parse   dates\nsecond line')).toBe('Parse dates');
    expect(summarize('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('firstErrorLine finds the line that reads like an error', () => {
    expect(firstErrorLine('collected 3 items\nTypeError: cannot read x\n')).toBe('TypeError: cannot read x');
    expect(firstErrorLine('all good')).toBeUndefined();
    expect(firstErrorLine(undefined)).toBeUndefined();
  });

  it('changedLines lists lines only in the draft and only in the final code, duplicates counted', () => {
    expect(changedLines('a\nb\nb\nc', 'a\nb\nd')).toEqual({ removed: ['b', 'c'], added: ['d'] });
    expect(changedLines('same', 'same\n')).toEqual({ removed: [], added: [] });
  });
});
