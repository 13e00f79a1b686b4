import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/log.js';
import { hashEmbed } from '../src/memory/embed/hash.js';
import { HashEmbedder } from '../src/memory/embed/hash.js';
import { searchMemories, type SearchMode } from '../src/memory/search.js';
import { MemoryStore } from '../src/memory/store.js';
import { toBlob } from '../src/memory/vectors.js';
import { TopicCorpus } from './lib/corpus.js';
import { fmt, settle, summarize, type Row } from './lib/stats.js';

const QUERIES = 200;
const K = 10;
const BATCH = 1000;

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Exact top-k by brute force in JS: the ground truth recall is measured against. */
function exactTopK(vectors: Float32Array[], q: Float32Array, k: number): Set<number> {
  const scored = vectors.map((v, i) => [dot(v, q), i + 1] as const);
  scored.sort((a, b) => b[0] - a[0]);
  return new Set(scored.slice(0, k).map((s) => s[1]));
}

function recall(found: number[], truth: Set<number>): number {
  return found.filter((r) => truth.has(r)).length / truth.size;
}

export async function runMemoryBench(sizes = [10_000, 100_000]): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-'));
  const log = createLogger('silent');
  try {
    for (const n of sizes) {
      const corpus = new TopicCorpus(42);
      const texts = Array.from({ length: n }, () => corpus.text());
      const store = await MemoryStore.open({ path: join(dir, `mem-${n}.db`), embedder: new HashEmbedder(), log });

      // Insert rate: MemoryStore.insert in transactions of 1000, embedding + row + FTS5 + vec0 included.
      await settle();
      const t0 = performance.now();
      for (let i = 0; i < n; i += BATCH) {
        await store.insert(texts.slice(i, i + BATCH).map((content) => ({ content })));
      }
      const insertRate = n / ((performance.now() - t0) / 1000);

      // Baseline in the same run: raw vec0 insert of precomputed vectors (the anchor's ≈ 83k rows/s).
      const vectors = texts.map(hashEmbed);
      store.db.exec(`CREATE VIRTUAL TABLE bench_raw USING vec0(embedding float[384] distance_metric=cosine)`);
      const rawIns = store.db.prepare('INSERT INTO bench_raw (rowid, embedding) VALUES (?, ?)');
      await settle();
      const t1 = performance.now();
      store.db.transaction(() => vectors.forEach((v, i) => rawIns.run(BigInt(i + 1), toBlob(v))))();
      const rawRate = n / ((performance.now() - t1) / 1000);
      rows.push({
        figure: `insert rate, ${n.toLocaleString('en-US')} memories (batches of ${BATCH})`,
        anchor: `raw vec0 insert, this run: ${fmt(rawRate)}/s`,
        ours: `${fmt(insertRate)}/s incl. embedding + FTS5 + vec0`,
        goal: '>= 20,000/s',
        met: insertRate >= 20_000,
      });

      const queries = Array.from({ length: QUERIES }, () => corpus.paraphrase(texts[corpus.int(n)]));
      const qvecs = queries.map(hashEmbed);
      const truth = qvecs.map((q) => exactTopK(vectors, q, K));

      // Anchor in the same run: sqlite-vec brute-force float KNN with cosine distance.
      const anchorStmt = store.db.prepare('SELECT rowid FROM bench_raw WHERE embedding MATCH ? AND k = ?');
      const anchorT: number[] = [];
      for (const q of qvecs) {
        const s = performance.now();
        anchorStmt.all(toBlob(q), K);
        anchorT.push(performance.now() - s);
      }
      const anchor = summarize(anchorT);

      for (const mode of ['vector', 'keyword', 'hybrid'] as SearchMode[]) {
        await settle();
        const times: number[] = [];
        let rec = 0;
        for (let i = 0; i < queries.length; i++) {
          const s = performance.now();
          const hits = await searchMemories(store, { query: queries[i], k: K, mode });
          times.push(performance.now() - s);
          if (mode === 'vector') {
            const rowids = hits.map(
              (h) => (store.db.prepare('SELECT rowid FROM memories WHERE id = ?').get(h.id) as { rowid: number }).rowid,
            );
            rec += recall(rowids, truth[i]);
          }
        }
        const t = summarize(times);
        const recText = mode === 'vector' ? `, recall@10 ${fmt(rec / queries.length, 3)}` : '';
        rows.push({
          figure: `memory_search ${mode}, ${n.toLocaleString('en-US')} × 384`,
          anchor: `sqlite-vec brute-force float KNN (cosine), this run: p50 ${fmt(anchor.p50)} ms`,
          ours: `p50 ${fmt(t.p50)} ms, p95 ${fmt(t.p95)} ms${recText}`,
          goal: n >= 100_000 ? 'p50 < 10 ms, recall@10 >= 0.95' : '—',
          met: n >= 100_000 ? t.p50 < 10 && (mode !== 'vector' || rec / queries.length >= 0.95) : undefined,
        });
      }

      // The suggested shortcut, measured: binary-quantised vec0 prefilter + float rerank.
      store.db.exec('CREATE VIRTUAL TABLE bench_bq USING vec0(bits bit[384])');
      const bqIns = store.db.prepare('INSERT INTO bench_bq (rowid, bits) VALUES (?, vec_quantize_binary(?))');
      store.db.transaction(() => vectors.forEach((v, i) => bqIns.run(BigInt(i + 1), toBlob(v))))();
      const bqStmt = store.db.prepare('SELECT rowid FROM bench_bq WHERE bits MATCH vec_quantize_binary(?) AND k = ?');
      for (const oversample of [10]) {
        const times: number[] = [];
        let rec = 0;
        qvecs.forEach((q, i) => {
          const s = performance.now();
          const cands = bqStmt.all(toBlob(q), K * oversample) as { rowid: number }[];
          const top = cands
            .map((c) => [dot(vectors[Number(c.rowid) - 1], q), Number(c.rowid)] as const)
            .sort((a, b) => b[0] - a[0])
            .slice(0, K)
            .map((x) => x[1]);
          times.push(performance.now() - s);
          rec += recall(top, truth[i]);
        });
        const t = summarize(times);
        rows.push({
          figure: `(rejected) bit[384] prefilter ×${oversample} + float rerank, ${n.toLocaleString('en-US')}`,
          anchor: "the issue's suggested shortcut",
          ours: `p50 ${fmt(t.p50)} ms, recall@10 ${fmt(rec / qvecs.length, 3)}`,
          goal: 'recall@10 >= 0.95',
          met: rec / qvecs.length >= 0.95,
        });
      }
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
