import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/canonical-json.js';
import {
  matchChoice,
  normalizeAnswer,
  normalizeJson,
  normalizeNumber,
  normalizeText,
} from '../../../../src/patterns/vote/normalize.js';

describe('answer normalisation', () => {
  it('text: trims, case-folds, collapses spaces and strips surrounding punctuation and quotes', () => {
    expect(normalizeText('  "Paris."  ')).toBe('paris');
    expect(normalizeText('**New   York!**')).toBe('new york');
    expect(normalizeText('“Ｏｋ”')).toBe('ok'); // NFKC folds full-width letters
    expect(normalizeText('U.S.A.')).toBe('u.s.a'); // inner punctuation is kept
    expect(normalizeText('...')).toBe('');
  });

  it('json: compares canonically, also inside a fenced block', () => {
    expect(normalizeJson('{"b": 1, "a": [2, {"d": 3, "c": 4}]}')).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(normalizeJson('Here you go:\n```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(normalizeJson('not json')).toBeNull();
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });

  it('number: parses the first number, with thousands separators and exponents', () => {
    expect(normalizeNumber('About 1,234.50 units')).toBe('1234.5');
    expect(normalizeNumber('-3e2')).toBe('-300');
    expect(normalizeNumber('42.')).toBe('42');
    expect(normalizeNumber('.5')).toBe('0.5');
    expect(normalizeNumber('no digits')).toBeNull();
  });

  it('choices: exact after normalisation, else the single choice mentioned as a whole phrase', () => {
    const choices = ['Paris', 'Lyon', 'Marseille'];
    expect(matchChoice(' paris. ', choices)).toBe('Paris');
    expect(matchChoice('The answer is B) Lyon', choices)).toBe('Lyon');
    expect(matchChoice('Paris or Lyon', choices)).toBeNull(); // two mentioned: ambiguous
    expect(matchChoice('Parisian', choices)).toBeNull(); // not a whole word
    expect(matchChoice('Berlin', choices)).toBeNull();
  });

  it('normalizeAnswer dispatches on format, and choices win over format', () => {
    expect(normalizeAnswer('"Yes"', 'text')).toBe('yes');
    expect(normalizeAnswer('7 apples', 'number')).toBe('7');
    expect(normalizeAnswer('{"x":1}', 'json')).toBe('{"x":1}');
    expect(normalizeAnswer('I pick yes', 'text', ['yes', 'no'])).toBe('yes');
    expect(normalizeAnswer('   ', 'text')).toBeNull();
  });
});
