/**
 * A partition worker (a worker thread): owns pages [lo, hi), and each round computes their new
 * ranks from the previous global vector by a pull sweep over their in-links. It publishes its
 * part as a Yjs update of its own replica of the round's document: the ranks as Float32 chunks
 * (base64, 8192 pages each) in map "ranks", and its figures in map "partitions". The coordinator
 * merges the four updates through crdt_merge and reads the merged vector back from the document.
 */
import { parentPort } from 'node:worker_threads';
import * as Y from 'yjs';

export interface InitMessage {
  partition: number;
  lo: number;
  hi: number;
  chunk: number;
  block: number;
  damping: number;
  outDeg: Int32Array;
  inStart: Int32Array;
  inSrc: Int32Array;
  /** The previous global vector, shared with the coordinator (written by it between rounds). */
  prev: Float64Array;
}

export interface RoundMessage {
  round: number;
  /** (1 − d)/n plus the damped share of dangling pages' rank. */
  base: number;
}

export interface PartitionFigures {
  lo: number;
  hi: number;
  mass: number;
  dangling: number;
  /** Σ|new − old| per block of `block` pages: what aggregate sums into the global residual. */
  block_residuals: number[];
  /** The partition's five best pages: [page, rank]. */
  top: Array<[number, number]>;
}

export interface RoundReply {
  update: string;
}

let init: InitMessage | undefined;

parentPort!.on('message', (msg: InitMessage | RoundMessage) => {
  if ('partition' in msg) {
    init = msg;
    return;
  }
  const { partition, lo, hi, chunk, block, damping, outDeg, inStart, inSrc, prev } = init!;
  const next = new Float64Array(hi - lo);
  const residuals: number[] = [];
  let mass = 0;
  let dangling = 0;
  let blockSum = 0;
  for (let v = lo; v < hi; v++) {
    let s = 0;
    for (let e = inStart[v]; e < inStart[v + 1]; e++) {
      const u = inSrc[e];
      s += prev[u] / outDeg[u];
    }
    const r = msg.base + damping * s;
    next[v - lo] = r;
    mass += r;
    if (outDeg[v] === 0) dangling += r;
    blockSum += Math.abs(r - prev[v]);
    if ((v - lo + 1) % block === 0 || v === hi - 1) {
      residuals.push(blockSum);
      blockSum = 0;
    }
  }
  const top: Array<[number, number]> = [];
  for (let i = 0; i < next.length; i++) {
    if (top.length < 5 || next[i] > top[top.length - 1][1]) {
      top.push([lo + i, next[i]]);
      top.sort((a, b) => b[1] - a[1]);
      if (top.length > 5) top.pop();
    }
  }
  const doc = new Y.Doc();
  doc.clientID = partition + 1; // one replica per partition; a fresh document every round
  const ranks = doc.getMap('ranks');
  const parts = doc.getMap('partitions');
  doc.transact(() => {
    for (let c = lo; c < hi; c += chunk) {
      const f32 = Float32Array.from(next.subarray(c - lo, Math.min(hi, c + chunk) - lo));
      ranks.set(`c${String(c / chunk).padStart(3, '0')}`, Buffer.from(f32.buffer).toString('base64'));
    }
    const figures: PartitionFigures = { lo, hi, mass, dangling, block_residuals: residuals, top };
    parts.set(`p${partition}`, figures);
  });
  const reply: RoundReply = { update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') };
  parentPort!.postMessage(reply);
});
