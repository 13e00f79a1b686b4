/** Simulated sources are reproducible and chunk-size independent; ops parse or are refused clearly. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/log.js';
import { HashEmbedder } from '../../../../src/memory/embed/hash.js';
import { MemoryStore } from '../../../../src/memory/store.js';
import { fieldPath, readMemoryField } from '../../../../src/patterns/aggregate/memory-source.js';
import { makePlan, parseOp } from '../../../../src/patterns/aggregate/ops.js';
import { simulatedSource } from '../../../../src/patterns/aggregate/sources.js';
import { rejection, tempDir, thrown } from '../../helpers.js';

function all(src: ReturnType<typeof simulatedSource>, chunk: number): Float64Array {
  const out = new Float64Array(src.total);
  let at = 0;
  for (let c = src.next(chunk); c.length; c = src.next(chunk)) {
    out.set(c as Float64Array, at);
    at += c.length;
  }
  expect(at).toBe(src.total);
  return out;
}

describe('simulated sources', () => {
  it('the same seed gives the same values in any (even) chunk size; another seed differs', () => {
    for (const d of ['uniform', 'normal', 'lognormal', 'zipf'] as const) {
      const a = all(simulatedSource(10_000, d, 7), 10_000);
      expect(all(simulatedSource(10_000, d, 7), 64)).toEqual(a);
      expect(all(simulatedSource(10_000, d, 8), 10_000)).not.toEqual(a);
    }
  });

  it('have the documented shapes', () => {
    const mean = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const u = all(simulatedSource(100_000, 'uniform', 1), 65_536);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(100);
    expect(mean(u)).toBeCloseTo(50, 0);
    const n = all(simulatedSource(100_000, 'normal', 1), 65_536);
    expect(mean(n)).toBeCloseTo(100, 0);
    const sd = Math.sqrt(n.reduce((s, x) => s + (x - 100) ** 2, 0) / n.length);
    expect(sd).toBeCloseTo(15, 0);
    const l = all(simulatedSource(100_001, 'lognormal', 1), 65_536).sort();
    expect(l[50_000]).toBeCloseTo(1, 1); // median e^0
    const z = all(simulatedSource(100_000, 'zipf', 1), 65_536);
    expect(z.every((x) => Number.isInteger(x) && x >= 1 && x <= 10_000)).toBe(true);
    const ones = z.filter((x) => x === 1).length;
    const twos = z.filter((x) => x === 2).length;
    expect(ones / twos).toBeCloseTo(2 ** 1.1, 0); // P(1)/P(2) = 2^s
  });
});

describe('ops', () => {
  it('parses every op form', () => {
    expect(parseOp('p90')).toEqual({ name: 'p90', kind: 'quantile', q: 0.9 });
    expect(parseOp('quantile:0.995')).toEqual({ name: 'quantile:0.995', kind: 'quantile', q: 0.995 });
    expect(parseOp('top:10')).toEqual({ name: 'top:10', kind: 'top', k: 10 });
    const plan = makePlan(['sum', 'sum', 'top:3', 'top:7', 'distinct']);
    expect(plan.ops.map((o) => o.name)).toEqual(['sum', 'top:3', 'top:7', 'distinct']);
    expect([plan.topK, plan.distinct, plan.quantiles]).toEqual([7, true, false]);
  });

  it('refuses unknown ops and out-of-range parameters, naming what is accepted', () => {
    expect(thrown(() => parseOp('median')).describe()).toMatch(/Unknown op "median".*Ops are: count, sum/);
    expect(thrown(() => parseOp('quantile:1.5')).message).toMatch(/from 0 to 1/);
    expect(thrown(() => parseOp('top:0')).message).toMatch(/k must be from 1 to 1000/);
  });
});

describe('memory source', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: MemoryStore;
  beforeEach(async () => {
    dir = tempDir();
    store = await MemoryStore.open({ path: join(dir.path, 'm.db'), embedder: new HashEmbedder(), log: createLogger('silent') });
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('reads a numeric metadata field over one namespace, skipping memories without it', async () => {
    await store.insert([
      { content: 'a', namespace: 'runs', metadata: { latency_ms: 10 } },
      { content: 'b', namespace: 'runs', metadata: { latency_ms: 30.5, stats: { score: 2 } } },
      { content: 'c', namespace: 'runs', metadata: { latency_ms: 'slow' } },
      { content: 'd', namespace: 'runs', metadata: {} },
      { content: 'e', namespace: 'other', metadata: { latency_ms: 99 } },
    ]);
    const r = await readMemoryField(store, 'runs', 'latency_ms');
    expect([...r.values].sort()).toEqual([10, 30.5]);
    expect(r.skipped).toBe(2);
    expect([...(await readMemoryField(store, 'runs', 'stats.score')).values]).toEqual([2]);
    expect(fieldPath('a-b.c')).toBe('$."a-b"."c"');
    expect((await rejection(readMemoryField(store, 'runs', 'x"); DROP TABLE memories; --'))).message).toMatch(
      /not a metadata key path/,
    );
  });

  it('pages through more memories than one page holds', async () => {
    const items = Array.from({ length: 12_345 }, (_, i) => ({ content: `m${i}`, namespace: 'big', metadata: { v: i } }));
    await store.insert(items);
    const pages: number[] = [];
    const r = await readMemoryField(store, 'big', 'v', { onPage: (n) => pages.push(n) });
    expect(r.values.length).toBe(12_345);
    expect(r.values.reduce((s, x) => s + x, 0)).toBe((12_344 * 12_345) / 2);
    expect(pages).toEqual([10_000, 12_345]);
  });
});
