import { describe, expect, it } from 'vitest';
import { CachedEmbedder } from '../../../../src/memory/embed/cached.js';
import { FoldEmbedder } from '../../helpers.js';

describe('CachedEmbedder', () => {
  it('embeds each distinct text once and returns the same vectors as the embedder', async () => {
    const inner = new FoldEmbedder({ dims: 8 });
    const inputs: string[][] = [];
    const spy = {
      ...inner,
      id: inner.id,
      dimensions: () => inner.dimensions(),
      embed: (t: readonly string[]) => (inputs.push([...t]), inner.embed(t)),
    };
    const cached = new CachedEmbedder(spy);
    const direct = await new FoldEmbedder({ dims: 8 }).embed(['alpha', 'beta', 'gamma']);
    expect(await cached.embed(['alpha', 'beta'])).toEqual(direct.slice(0, 2));
    expect(await cached.embed(['beta', 'gamma', 'alpha', 'gamma'])).toEqual([direct[1], direct[2], direct[0], direct[2]]);
    expect(inputs).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(cached.id).toBe('test-8');
  });

  it('hands out copies: changing a returned vector does not change the next answer', async () => {
    const cached = new CachedEmbedder(new FoldEmbedder({ dims: 8 }));
    const [a] = await cached.embed(['delta']);
    const before = Float32Array.from(a);
    a.fill(0);
    expect((await cached.embed(['delta']))[0]).toEqual(before);
  });

  it('evicts the least recently used text beyond its size', async () => {
    const inputs: string[] = [];
    const inner = new FoldEmbedder({ dims: 8 });
    const cached = new CachedEmbedder(
      { id: 'x', dimensions: () => inner.dimensions(), embed: (t) => (inputs.push(...t), inner.embed(t)) },
      2,
    );
    await cached.embed(['a']);
    await cached.embed(['b']);
    await cached.embed(['a']); // a is now more recent than b
    await cached.embed(['c']); // evicts b
    await cached.embed(['a', 'b']);
    expect(inputs).toEqual(['a', 'b', 'c', 'b']);
  });
});
