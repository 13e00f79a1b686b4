import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/log.js';
import { UseLiteEmbedder } from '../../../../src/memory/embed/use-lite.js';
import { MAX_TOKENS } from '../../../../src/memory/embed/use-lite-model.js';

/**
 * The real model (weights from node_modules, WASM backend) in its worker. The worker is the
 * compiled one in dist/ (npm test builds first), as the server runs it.
 */
const WORKER = new URL('../../../../dist/src/memory/embed/use-lite-worker.js', import.meta.url);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

let e: UseLiteEmbedder;
beforeAll(() => {
  e = new UseLiteEmbedder({ log: createLogger('silent'), workerUrl: WORKER });
});
afterAll(async () => {
  await e.close();
});

describe('use-lite embedder', () => {
  it('the first call waits for the model (said inside withProgress), then gives unit vectors of 512 dims that put paraphrases closer than unrelated sentences', async () => {
    expect(await e.dimensions()).toBe(512);
    const messages: string[] = [];
    const [car, automobile, pizza] = await e.withProgress(
      (m) => messages.push(m),
      () =>
        e.embed([
          'The car would not start this morning.',
          'My automobile failed to turn on today.',
          'We ate pizza with friends on Friday night.',
        ]),
    );
    expect(messages[0]).toMatch(/waiting for the use-lite embedding model to load/);
    for (const v of [car, automobile, pizza]) {
      expect(v).toHaveLength(512);
      expect(dot(v, v)).toBeCloseTo(1, 5);
    }
    expect(dot(car, automobile)).toBeGreaterThan(dot(car, pizza) + 0.2);
  });

  it('a text embeds the same alone or in a batch with longer ones (no padding leaks in)', async () => {
    const [alone] = await e.embed(['deploy on fridays']);
    const [inBatch] = await e.embed([
      'deploy on fridays',
      'a considerably longer sentence about the release process, the rollback plan and who approves it',
    ]);
    expect(dot(alone, inBatch)).toBeGreaterThan(0.99999);
  });

  it('concurrent calls are coalesced into fewer model runs, each caller getting its own vectors', async () => {
    await e.embed(['loaded']);
    const before = e.runs;
    const texts = Array.from({ length: 12 }, (_, i) => `note number ${i} about the quarterly budget`);
    const results = await Promise.all(texts.map((t) => e.embed([t])));
    expect(e.runs - before).toBeLessThan(texts.length);
    const together = await e.embed(texts);
    results.forEach(([v], i) => expect(dot(v, together[i])).toBeGreaterThan(0.99999));
  });

  it('handles empty and very long texts (clipped to the first tokens), and no texts', async () => {
    expect(await e.embed([])).toEqual([]);
    const long = 'the quick brown fox jumps over the lazy dog '.repeat(2000);
    const [empty, big, head] = await e.embed([
      '',
      long,
      'the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(MAX_TOKENS / 10)),
    ]);
    expect(dot(empty, empty)).toBeCloseTo(1, 5);
    expect(dot(big, head)).toBeGreaterThan(0.99);
  });

  it('a caller whose signal is aborted is answered at once', async () => {
    const ac = new AbortController();
    ac.abort(new Error('caller gave up'));
    await expect(e.embed(['x'], ac.signal)).rejects.toThrow('caller gave up');
    const later = new AbortController();
    const p = e.embed(['y '.repeat(300)], later.signal);
    later.abort(new Error('gave up while queued'));
    await expect(p).rejects.toThrow('gave up while queued');
    expect((await e.embed(['still works']))[0]).toHaveLength(512);
  });

  it('a worker that cannot start is reported as the model failing to load', async () => {
    const broken = new UseLiteEmbedder({ log: createLogger('silent'), workerUrl: new URL('./no-such-worker.js', WORKER) });
    await expect(broken.embed(['x'])).rejects.toThrow(/use-lite embedding model failed to load/);
    await broken.close();
  });
});
