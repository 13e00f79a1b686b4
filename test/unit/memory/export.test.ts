import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { HashEmbedder } from '../../../src/memory/embed/hash.js';
import { ImportLineError, exportLines, importLines } from '../../../src/memory/export.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { storeMemory } from '../../../src/memory/upkeep.js';
import { FoldEmbedder, rejection, tempDir } from '../helpers.js';

const log = createLogger('silent');
let dir: ReturnType<typeof tempDir>;
let stores: MemoryStore[];
let t: number;

beforeEach(() => {
  dir = tempDir();
  stores = [];
  t = Date.UTC(2025, 0, 1);
});
afterEach(() => {
  for (const s of stores) s.close();
  dir.remove();
});

async function open(name: string, embedder = new HashEmbedder()): Promise<MemoryStore> {
  const s = await MemoryStore.open({ path: join(dir.path, `${name}.db`), embedder, log, now: () => t });
  stores.push(s);
  return s;
}

async function* from(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

const count = (s: MemoryStore) => (s.db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;

async function exported(): Promise<string[]> {
  const src = await open('src');
  await storeMemory(src, { content: 'one', namespace: 'a', tags: ['x'] }, { nearThreshold: null });
  await storeMemory(src, { content: 'two', namespace: 'a', tier: 'working' }, { nearThreshold: null });
  await storeMemory(src, { content: 'three', namespace: 'b', metadata: { k: 1 } }, { nearThreshold: null });
  return [...exportLines(src)];
}

describe('importLines', () => {
  it('names the first bad line and writes nothing', async () => {
    const lines = await exported();
    const cases: Array<[string[], RegExp]> = [
      [[lines[0], lines[1], '{not json', lines[2]], /^line 3: is not JSON/],
      [
        [lines[0], lines[1], lines[2].replace('"tier":"', '"tier":"forever-')],
        /^line 3: tier must be one of working, long_term, flashbulb\./,
      ],
      [[lines[0], lines[1], lines[1]], /^line 3: id ".*" is already on line 2\./],
      [['{"format":"other"}', ...lines.slice(1)], /^line 1: format must be "sixfold-memories"/],
      [[lines[0].replace('"version":1', '"version":2'), ...lines.slice(1)], /^line 1: version must be 1/],
      [[lines[0], lines[1].replace(/"vector":"[^"]*"/, '"vector":"AAAA"')], /^line 2: vector is not 384 finite float32 values/],
      [[lines[0], lines[1].replace('"content":"', '"extra":1,"content":"')], /^line 2: Unrecognized key: "extra"\./],
      [[lines[0], lines[1].replace(/"namespace":"a"/, '"namespace":"Bad NS"')], /^line 2: namespace must be 1-64 characters/],
      [
        [lines[0], lines[1].replace(/"created_at":"[^"]*"/, '"created_at":"yesterday"')],
        /^line 2: created_at: must be an ISO 8601 time/,
      ],
      [
        [
          lines[0],
          lines[1]
            .replace('"tier":"long_term"', '"tier":"flashbulb"')
            .replace('"expires_at":null', '"expires_at":"2099-01-01T00:00:00.000Z"'),
        ],
        /^line 2: a flashbulb memory cannot have expires_at/,
      ],
      [[lines[0], 'x'.repeat(1_000_001)], /^line 2: is over 1000000 characters/],
      [[], /^line 1: the file is empty/],
    ];
    const dst = await open('dst');
    for (const [input, want] of cases) {
      const e = await rejection(importLines(dst, from(input)));
      expect(e).toBeInstanceOf(ImportLineError);
      expect(e.message).toMatch(want);
      expect(e.hint).toMatch(/Nothing was imported/);
      expect(count(dst)).toBe(0);
    }
  });

  it('reuses vectors of the same embedder and recomputes them for another, batching the embedder calls', async () => {
    const lines = await exported();
    const same = await open('same');
    expect(await importLines(same, from(lines))).toMatchObject({ imported: 3, embedded: 0, skipped_existing: 0 });
    const fold = new FoldEmbedder({ id: 'fold-8', dims: 8 });
    const other = await open('other', fold as unknown as HashEmbedder);
    const progress: Array<[number, number]> = [];
    const r = await importLines(other, from(lines), (done, total) => progress.push([done, total]));
    expect(r).toMatchObject({ imported: 3, embedded: 3, from_embedder: 'hash-384 (384 dims)' });
    expect(fold.calls).toBe(1);
    expect(progress).toEqual([[3, 3]]);
    expect(await importLines(same, from(lines))).toMatchObject({ imported: 0, skipped_existing: 3 });
  });

  it('skips memories that have expired since the export', async () => {
    const lines = await exported();
    t += 2 * 86_400_000; // the working memory's 24 h are over
    const dst = await open('later');
    expect(await importLines(dst, from(lines))).toMatchObject({ imported: 2, skipped_expired: 1 });
  });
});
