/**
 * The small pure guards behind the hostile-input fixes: "__proto__" detection, echo clipping,
 * RE2 syntax translation, overflow-safe moments, and the language alias table.
 */
import { describe, expect, it } from 'vitest';
import { clipText, echo, unknownKeys } from '../../../src/errors.js';
import { findProtoKeys } from '../../../src/proto-keys.js';
import { SchemaValidator, toRe2Syntax } from '../../../src/patterns/consensus/schema.js';
import { Moments } from '../../../src/patterns/aggregate/moments.js';
import { normalizeLanguage } from '../../../src/patterns/codegen/extract.js';

describe('findProtoKeys', () => {
  it('finds own "__proto__" keys at any depth (as JSON.parse makes them), with their paths', () => {
    const v = JSON.parse('{"a":{"__proto__":1},"b":[{"c":{"__proto__":{}}}],"__proto__":2}');
    expect(findProtoKeys(v, 'arguments').sort()).toEqual(['arguments', 'arguments.a', 'arguments.b[0].c']);
  });

  it('ignores inherited ones and other keys', () => {
    expect(findProtoKeys({ a: { constructor: 1 }, b: Object.create({ x: 1 }) }, 'arguments')).toEqual([]);
  });
});

describe('echo, clipText, unknownKeys', () => {
  it('quotes short values whole and clips long ones, saying how long they were', () => {
    expect(echo('abc')).toBe('"abc"');
    expect(echo('x'.repeat(100_000), 10)).toBe('"xxxxxxxxxx…" (100000 characters)');
    expect(clipText('y'.repeat(3000)).length).toBeLessThan(2100);
    expect(unknownKeys(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('"a", "b", "c", "d", "e" and 2 more');
  });
});

describe('RE2 for caller schemas', () => {
  it('translates ECMAScript \\u escapes and leaves an escaped backslash alone', () => {
    expect(toRe2Syntax('^\\u0041\\u{1F600}$')).toBe('^\\x{0041}\\x{1F600}$');
    expect(toRe2Syntax('\\\\u0041')).toBe('\\\\u0041');
  });

  it('each pattern is its own (ajv caches compiled patterns by their text)', () => {
    const v = new SchemaValidator();
    expect(v.validate('aaaa', { type: 'string', pattern: '^(a+)+$' })).toBeNull();
    expect(v.validate('A', { type: 'string', pattern: '^\\u0041$' })).toBeNull();
    expect(v.validate('B', { type: 'string', pattern: '^\\u0041$' })).toMatch(/must match pattern/);
  });

  it('a catastrophic pattern on a long subject is a plain mismatch', () => {
    expect(new SchemaValidator().validate(`${'a'.repeat(100_000)}!`, { type: 'string', pattern: '^(a+)+$' })).toMatch(
      /must match pattern/,
    );
  });
});

describe('Moments: compensated, overflow-safe sum', () => {
  const of = (xs: number[]) => {
    const m = new Moments();
    xs.forEach((x) => m.add(x));
    return m;
  };

  it('sums exactly what naive summation loses', () => {
    expect(of([1e16, 1, -1e16]).total()).toBe(1);
    expect(of([0.1, 0.2, 0.3]).total()).toBe(0.6);
  });

  it('overflow part-way is recovered; a true overflow is null; the mean is always finite', () => {
    expect(of([1e308, 1e308, -1e308]).total()).toBe(1e308);
    expect(of([1e308, 1e308]).total()).toBeNull();
    expect(of([1e308, 1e308]).average()).toBe(1e308);
    expect(of([1e308, -1e308, 1e308]).average()).toBe(1e308 / 3);
  });

  it('merging partial states keeps the compensation', () => {
    const a = of([1e16, 1]);
    const b = of([-1e16, 1]);
    a.merge(b);
    expect(a.total()).toBe(2);
    const big = of([1e308]);
    big.merge(of([1e308]));
    big.merge(of([-1e308]));
    expect(big.total()).toBe(1e308);
  });
});

describe('normalizeLanguage', () => {
  it('resolves aliases and never finds Object.prototype members', () => {
    expect(normalizeLanguage('TS')).toBe('typescript');
    for (const l of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'])
      expect(normalizeLanguage(l)).toBe(l.toLowerCase());
  });
});
