import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stemmer } from 'stemmer';
import { describe, expect, it } from 'vitest';

/**
 * The retrieval benchmark's data (bench/data/retrieval) holds what the bench claims of it: at least
 * 150 query -> memory pairs across six kinds, at least 1,000 distractors, and queries that do not
 * reuse their memory's words (no shared content word, compared as Porter stems).
 */
const DIR = join(import.meta.dirname, '..', '..', 'bench', 'data', 'retrieval');
const jsonl = <T>(f: string): T[] =>
  readFileSync(join(DIR, f), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
const pairs = jsonl<{ id: string; category: string; memory: string; query: string }>('pairs.jsonl');
const distractors = jsonl<{ category: string; text: string }>('distractors.jsonl');

const FUNCTION_WORDS = new Set(
  (
    's t a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those i me my we our ' +
    'you your he him his she her they them their what which who whom when where why how do does did not no can could should would will shall ' +
    'may might must so than then there here up down out over under about into after before again once all any each few more most other some ' +
    'such only own same too very just also am has have had having get got one two'
  ).split(' '),
);

function contentStems(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((w) => !FUNCTION_WORDS.has(w)).map((w) => (/^[a-z]+$/.test(w) ? stemmer(w) : w)));
}

describe('retrieval set', () => {
  it('has at least 150 pairs over the six kinds and at least 1,000 distractors, some on the same topics', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(150);
    expect(distractors.length).toBeGreaterThanOrEqual(1000);
    const kinds = new Set(pairs.map((p) => p.category));
    expect([...kinds].sort()).toEqual(['code', 'errands', 'errors', 'facts', 'people', 'prefs']);
    for (const k of kinds) expect(distractors.filter((d) => d.category === k).length).toBeGreaterThanOrEqual(100);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
    const texts = [...pairs.map((p) => p.memory), ...distractors.map((d) => d.text)];
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('no query shares a content word with its memory', () => {
    const overlaps = pairs
      .map((p) => ({ id: p.id, shared: [...contentStems(p.query)].filter((w) => contentStems(p.memory).has(w)) }))
      .filter((o) => o.shared.length);
    expect(overlaps).toEqual([]);
  });
});
