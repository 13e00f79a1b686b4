import { describe, expect, it } from 'vitest';
import { batcher } from '../../../../src/patterns/ephemeral/batch.js';

describe('batcher', () => {
  it('writes the items added in one turn with one call, each caller getting its own result', async () => {
    const calls: number[][] = [];
    const add = batcher(async (xs: number[]) => (calls.push(xs), xs.map((x) => x * 10)));
    const first = await Promise.all([add(1), add(2), add(3)]);
    const second = await add(4);
    expect(first).toEqual([10, 20, 30]);
    expect(second).toBe(40);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every caller of a failed batch, and the next batch still runs', async () => {
    let fail = true;
    const add = batcher(async (xs: string[]) => {
      if (fail) throw new Error('disk full');
      return xs;
    });
    const r = await Promise.allSettled([add('a'), add('b')]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await add('c')).toBe('c');
  });
});

describe('batcher and abort', () => {
  it('leaves out an item whose signal aborted before the write', async () => {
    const written: string[][] = [];
    const add = batcher(async (xs: string[]) => (written.push(xs), xs));
    const ctl = new AbortController();
    const dropped = add('stopped', ctl.signal);
    const kept = add('kept');
    ctl.abort(new Error('ttl'));
    await expect(dropped).rejects.toThrow('ttl');
    expect(await kept).toBe('kept');
    expect(written).toEqual([['kept']]);
  });
});
