/**
 * Ocean PageRank (patterns 3, 4, 6): PageRank over a generated power-law graph of 100,000 pages.
 * Four partition workers (worker threads) each own a quarter of the pages and sweep it every
 * round; each publishes its part of the rank vector as a Yjs update of the round's CRDT document;
 * crdt_merge merges the four, and the next round starts from the vector read back out of the
 * merged document. aggregate sums the workers' per-block residuals into the global residual and
 * decides when to stop. Once converged, spawn_ephemeral sends one short-lived agent per partition
 * to write the partition's line of the report into memory.
 */
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import type { Example, ExampleOptions, ExampleReport } from '../lib/example.js';
import { Sixfold } from '../lib/server.js';
import { formatTable, sig } from '../lib/table.js';
import { drawOcean } from './draw.js';
import { makeGraph, pageName, type Graph } from './graph.js';
import { REPORT_MARKER, standIn } from './stand-in.js';
import type { InitMessage, PartitionFigures, RoundMessage, RoundReply } from './worker.js';

export const PAGES = 100_000;
export const PARTITIONS = 4;
export const DAMPING = 0.85;
export const TOLERANCE = 1e-6;
export const MAX_ROUNDS = 100;
/** Pages per binary chunk in the document (32 KiB of Float32, 43,692 base64 characters: under crdt_merge's 64 KiB per value). */
export const CHUNK = 8192;
/** Pages per residual block: what aggregate sums. */
export const BLOCK = 1024;

export interface OceanResult {
  pages: number;
  edges: number;
  rounds: number;
  residuals: number[];
  converged: boolean;
  /** The 20 best pages by rank. */
  top: Array<{ page: number; rank: number; in_links: number }>;
  doc_bytes: number;
  reports: string[];
}

/** Partition bounds on chunk boundaries, so every chunk has one writer. */
export function partitionBounds(n: number, parts: number): Array<[number, number]> {
  const chunks = Math.ceil(n / CHUNK);
  return Array.from({ length: parts }, (_, p) => {
    const a = Math.floor((p * chunks) / parts) * CHUNK;
    const b = Math.min(n, Math.floor(((p + 1) * chunks) / parts) * CHUNK);
    return [a, b] as [number, number];
  });
}

class PartitionWorker {
  private readonly worker: Worker;

  constructor(init: InitMessage) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url));
    this.worker.postMessage(init);
  }

  round(msg: RoundMessage): Promise<RoundReply> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.worker.once('message', (r: RoundReply) => {
        this.worker.off('error', onError);
        resolve(r);
      });
      this.worker.once('error', onError);
      this.worker.postMessage(msg);
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

interface MergeOut {
  snapshot: { ranks: Record<string, string>; partitions: Record<string, PartitionFigures> };
  size_bytes: number;
  clients: number;
}

function topPages(g: Graph, r: Float64Array, k: number): OceanResult['top'] {
  const idx = Array.from({ length: r.length }, (_, i) => i)
    .sort((a, b) => r[b] - r[a] || a - b)
    .slice(0, k);
  return idx.map((v) => ({ page: v, rank: r[v], in_links: g.inStart[v + 1] - g.inStart[v] }));
}

async function run(opts: ExampleOptions): Promise<ExampleReport> {
  const n = PAGES;
  const g = makeGraph(opts.seed, n, true);
  opts.progress(`graph: ${n} pages, ${g.edges} links`);
  const prev = new Float64Array(new SharedArrayBuffer(n * 8)).fill(1 / n);
  const bounds = partitionBounds(n, PARTITIONS);
  const workers = bounds.map(
    ([lo, hi], p) =>
      new PartitionWorker({
        partition: p,
        lo,
        hi,
        chunk: CHUNK,
        block: BLOCK,
        damping: DAMPING,
        outDeg: g.outDeg,
        inStart: g.inStart,
        inSrc: g.inSrc,
        prev,
      }),
  );
  const sixfold = await Sixfold.start({ dir: opts.workDir, standIn, env: opts.env });
  try {
    let dangling = 0;
    for (let v = 0; v < n; v++) if (g.outDeg[v] === 0) dangling += prev[v];
    const residuals: number[] = [];
    let docBytes = 0;
    let figures: Record<string, PartitionFigures> = {};
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const base = (1 - DAMPING) / n + (DAMPING * dangling) / n;
      const replies = await Promise.all(workers.map((w) => w.round({ round, base })));
      const updates = replies.map((r) => r.update);
      // Ask only for what this client lacks after its own updates (nothing), not the whole state back.
      const since = Buffer.from(
        Y.encodeStateVectorFromUpdate(Y.mergeUpdates(updates.map((u) => Buffer.from(u, 'base64')))),
      ).toString('base64');
      const doc = `ocean.round.${String(round).padStart(3, '0')}`;
      const merged = await sixfold.call<MergeOut>('crdt_merge', { doc, updates, since });
      // The next round starts from what the document holds, not from the workers' memory.
      for (const [key, b64] of Object.entries(merged.snapshot.ranks)) {
        const start = Number(key.slice(1)) * CHUNK;
        const buf = Buffer.from(b64, 'base64');
        const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        for (let i = 0; i < f32.length; i++) prev[start + i] = f32[i];
      }
      figures = merged.snapshot.partitions;
      dangling = Object.values(figures).reduce((s, f) => s + f.dangling, 0);
      docBytes = merged.size_bytes;
      const blocks = Object.values(figures).flatMap((f) => f.block_residuals);
      const agg = await sixfold.call<{ results: { sum: number; max: number } }>('aggregate', {
        values: blocks,
        ops: ['sum', 'max'],
        fanout: 4,
      });
      residuals.push(agg.results.sum);
      opts.progress(
        `round ${round}: residual ${agg.results.sum.toExponential(2)} (worst block ${agg.results.max.toExponential(2)}), document ${doc} ${merged.size_bytes} bytes from ${merged.clients} replicas`,
      );
      if (agg.results.sum < TOLERANCE) break;
    }
    const converged = residuals[residuals.length - 1] < TOLERANCE;
    const top = topPages(g, prev, 20);

    // Pattern 4: one short-lived agent per partition writes its line of the report into memory.
    const total = Object.values(figures).reduce((s, f) => s + f.mass, 0);
    const inputs = Object.entries(figures)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, f]) => {
        const [page, rank] = f.top[0];
        return (
          `partition ${key.slice(1)}: pages ${pageName(f.lo)}..${pageName(f.hi - 1)}; leader ${pageName(page)} rank ${rank.toExponential(3)} ` +
          `with ${g.inStart[page + 1] - g.inStart[page]} in-links; share of all rank ${((100 * f.mass) / total).toFixed(1)}%`
        );
      });
    opts.progress('spawn_ephemeral: one reporting agent per partition');
    const agents = await sixfold.call<{ agents: Array<{ status: string; result: string | null; error?: string }> }>(
      'spawn_ephemeral',
      {
        task: `${REPORT_MARKER} Using only the figures given, write one sentence for the PageRank report: which page leads this partition, and what share of all rank the partition holds.`,
        inputs,
        role: 'partition reporter',
        namespace: 'ocean-pagerank',
        memory_k: 0,
        persist: true,
        max_tokens: 200,
      },
    );
    const reports = agents.agents.map((a, i) =>
      a.status === 'succeeded' ? (a.result ?? '').trim() : `partition ${i}: agent ${a.status}${a.error ? ` (${a.error})` : ''}`,
    );

    const result: OceanResult = {
      pages: n,
      edges: g.edges,
      rounds: residuals.length,
      residuals,
      converged,
      top,
      doc_bytes: docBytes,
      reports,
    };
    const partOf = (v: number) => bounds.findIndex(([lo, hi]) => v >= lo && v < hi);
    const table = formatTable(
      ['#', 'page', 'partition', 'pagerank', 'in-links', 'out-links'],
      top
        .slice(0, 10)
        .map((t, i) => [i + 1, pageName(t.page), partOf(t.page), t.rank.toExponential(3), t.in_links, g.outDeg[t.page]]),
    );
    const pick = [1, 5, 10, 15, 20, 25, 30].filter((r) => r < residuals.length);
    const notes = [
      `graph: ${n} pages, ${g.edges} links (preferential attachment, ${[...g.outDeg].filter((d) => d === 0).length} dangling pages), ${PARTITIONS} partitions`,
      `${converged ? 'converged' : 'stopped'} after ${residuals.length} rounds: global residual (aggregate, sum of ${Object.values(figures).flatMap((f) => f.block_residuals).length} block residuals) ` +
        [
          ...pick.map((r) => `${r}: ${sig(residuals[r - 1], 2)}`),
          `${residuals.length}: ${sig(residuals[residuals.length - 1], 2)}`,
        ].join(', '),
      `each round: one CRDT document (${Math.ceil(n / CHUNK)} Float32 chunks as base64 + each partition's figures), ${docBytes} bytes, merged from ${PARTITIONS} replicas' updates in one crdt_merge`,
      ...reports.map((r) => `report: ${r}`),
    ];
    const svg = drawOcean({
      pages: n,
      edges: g.edges,
      residuals,
      tolerance: TOLERANCE,
      top: top.slice(0, 15).map((t) => ({ ...t, name: pageName(t.page), partition: partOf(t.page) })),
      partitions: PARTITIONS,
    });
    return {
      simulated: `the web graph is generated (${n} pages linked by preferential attachment), not crawled; the partition workers are threads of this process; every round's rank vector really travels through sixfold's CRDT documents.`,
      table,
      notes,
      llm: [...sixfold.answeredBy],
      svg,
      result,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await sixfold.close();
  }
}

export const oceanPagerank: Example = { name: 'ocean-pagerank', title: 'Ocean PageRank', run };
