/**
 * A synthetic web graph for Ocean PageRank: pages link by preferential attachment (a new page
 * links mostly to pages that already have many in-links), which gives the power-law in-degrees of
 * real web graphs; half the time an older page also gains a link to the new one; about 6% of
 * pages are created with no links of their own. Stored as typed arrays in CSR form by
 * destination (the in-links of page v are inSrc[inStart[v] .. inStart[v+1])), which is what a
 * pull-style PageRank sweep reads.
 */
import { mulberry32 } from '../lib/rng.js';

export interface Graph {
  n: number;
  edges: number;
  outDeg: Int32Array;
  inStart: Int32Array;
  inSrc: Int32Array;
}

/** Typed arrays in SharedArrayBuffers when `shared`, so worker threads read them without copies. */
export function makeGraph(seed: number, n: number, shared = false): Graph {
  const rng = mulberry32(seed * 2654435761 + 11);
  const alloc = (len: number) => new Int32Array(shared ? new SharedArrayBuffer(len * 4) : new ArrayBuffer(len * 4));
  let cap = n * 6;
  let src = new Int32Array(cap);
  let dst = new Int32Array(cap);
  let m = 0;
  const urn = new Int32Array(n + cap * 2);
  let urnLen = 0;
  const push = (a: number, b: number) => {
    if (m === cap) {
      cap *= 2;
      const s2 = new Int32Array(cap);
      s2.set(src);
      src = s2;
      const d2 = new Int32Array(cap);
      d2.set(dst);
      dst = d2;
    }
    src[m] = a;
    dst[m] = b;
    m++;
  };
  const seeds = Math.min(5, n);
  for (let v = 0; v < seeds; v++) {
    if (seeds > 1) {
      push(v, (v + 1) % seeds);
      urn[urnLen++] = (v + 1) % seeds;
    }
    urn[urnLen++] = v;
  }
  const chosen: number[] = [];
  for (let v = seeds; v < n; v++) {
    const k = rng() < 0.06 ? 0 : Math.min(20, 1 + Math.floor(-Math.log(1 - rng()) * 3));
    chosen.length = 0;
    for (let tries = 0; chosen.length < Math.min(k, v) && tries < 4 * k; tries++) {
      const t = rng() < 0.8 ? urn[Math.floor(rng() * urnLen)] : Math.floor(rng() * v);
      if (!chosen.includes(t)) chosen.push(t);
    }
    for (const t of chosen) {
      push(v, t);
      if (urnLen < urn.length) urn[urnLen++] = t;
    }
    if (urnLen < urn.length) urn[urnLen++] = v;
    // Older pages are edited to link to new ones too, so rank flows both ways (links to older
    // pages only would drain all rank into the first few).
    if (rng() < 0.5) {
      const u = Math.floor(rng() * v);
      push(u, v);
      if (urnLen < urn.length) urn[urnLen++] = v;
    }
  }
  // Page numbers are shuffled, as a hash partitioning would place them: otherwise the oldest (and
  // best-linked) pages would all sit in the first partition.
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (let e = 0; e < m; e++) {
    src[e] = perm[src[e]];
    dst[e] = perm[dst[e]];
  }
  const outDeg = alloc(n);
  const inStart = alloc(n + 1);
  const inSrc = alloc(m);
  for (let e = 0; e < m; e++) {
    outDeg[src[e]]++;
    inStart[dst[e] + 1]++;
  }
  for (let v = 0; v < n; v++) inStart[v + 1] += inStart[v];
  const fill = inStart.slice(0, n);
  for (let e = 0; e < m; e++) inSrc[fill[dst[e]]++] = src[e];
  return { n, edges: m, outDeg, inStart, inSrc };
}

/** Page names: the graph is an "ocean" of pages, named by number. */
export const pageName = (v: number) => `page-${String(v).padStart(6, '0')}`;
