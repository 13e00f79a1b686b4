import { describe, expect, it } from 'vitest';
import { HASH_DIMS, HashEmbedder, hashEmbed } from '../../../../src/memory/embed/hash.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('hash-384 embedder', () => {
  it('is deterministic, 384-dimensional and unit length', async () => {
    const [a, b] = await new HashEmbedder().embed(['The quick brown fox', 'The quick brown fox']);
    expect(a).toHaveLength(HASH_DIMS);
    expect([...a]).toEqual([...b]);
    expect(dot(a, a)).toBeCloseTo(1, 5);
  });

  it('ranks shared words and word fragments above unrelated text', () => {
    const q = hashEmbed('deploying the pipeline');
    const near = hashEmbed('the deployment pipeline failed');
    const far = hashEmbed('cats sleep in warm sunlight');
    expect(dot(q, near)).toBeGreaterThan(dot(q, far) + 0.2);
  });

  it('is case-insensitive and gives a zero vector no NaN for text with no words', () => {
    expect([...hashEmbed('Hello World')]).toEqual([...hashEmbed('hello world')]);
    const empty = hashEmbed('!!! ...');
    expect(empty.every((x) => x === 0)).toBe(true);
  });

  it('keeps a pinned fingerprint so a silent change of the embedding is caught', () => {
    // Changing the hashing changes every stored vector: that needs a new embedder id, not a quiet edit.
    const v = hashEmbed('sixfold memory');
    const nonzero = [...v.entries()].filter(([, x]) => x !== 0).map(([i, x]) => [i, Number(x.toFixed(4))]);
    expect(nonzero).toHaveLength(15);
    expect(nonzero.slice(0, 4)).toEqual([
      [1, 0.3572],
      [10, 0.1531],
      [16, -0.1531],
      [28, -0.1531],
    ]);
  });
});
