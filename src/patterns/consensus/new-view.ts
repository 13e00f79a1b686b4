import { batchDigest, isRequest, requestInfo } from './batch.js';
import type { Request, Signed, ViewChangeBody } from './messages.js';

export interface NewViewDecision {
  /** Stable checkpoint the new view starts from. */
  h: number;
  hd: string;
  proof: Signed[];
  /** Pre-prepares the new view re-issues, one per sequence in (h, max]: null batches are []. */
  entries: Array<{ s: number; d: string; b: Request[] }>;
}

/** Digest → batch, keeping only batches whose contents hash to the digest they are filed under. */
export function verifiedBatches(vcs: readonly ViewChangeBody[]): Map<string, Request[]> {
  const out = new Map<string, Request[]>();
  for (const vc of vcs) {
    for (const [d, b] of Object.entries(vc.B ?? {})) {
      if (out.has(d) || !Array.isArray(b) || !b.every(isRequest)) continue;
      if (batchDigest(b.map(requestInfo)) === d) out.set(d, b);
    }
  }
  return out;
}

/**
 * PBFT's new-view decision over unverifiable (but signed, so attributable) prepared and
 * pre-prepared claims, as in Castro's MAC-based view change: for each sequence above the
 * latest stable checkpoint, pick digest d prepared in view v when
 *   A1  2f+1 messages claim nothing prepared there, or something in a lower view, or (v, d);
 *   A2  f+1 messages claim d pre-prepared in a view >= v (so at least one honest replica did);
 *   A3  the batch for d is known;
 * and the null batch when 2f+1 messages claim nothing prepared. If some sequence fits neither
 * rule the decision must wait for more view changes (null). Deterministic: the primary and every
 * backup run it over the same signed set and must agree.
 */
export function selectNewView(vcs: readonly ViewChangeBody[], f: number, window: number): NewViewDecision | null {
  if (vcs.length < 2 * f + 1) return null;
  let best = vcs[0];
  for (const vc of vcs) if (vc.h > best.h) best = vc;
  const h = best.h;
  const prepared = vcs.map((vc) => new Map(vc.P.filter(([s]) => s > h).map(([s, v, d]) => [s, { v, d }])));
  const preprepared = vcs.map((vc) => vc.Q.filter(([s]) => s > h));
  let max = h;
  for (const vc of vcs) for (const [s] of [...vc.P, ...vc.Q]) if (s > max && s <= h + window) max = s;
  const batches = verifiedBatches(vcs);
  const entries: NewViewDecision['entries'] = [];
  for (let s = h + 1; s <= max; s++) {
    const cands = new Map<string, { v: number; d: string }>();
    for (const p of prepared) {
      const c = p.get(s);
      if (c) cands.set(`${c.v}:${c.d}`, c);
    }
    const ordered = [...cands.values()].sort((a, b) => b.v - a.v || (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
    let chosen: { d: string; b: Request[] } | null = null;
    for (const c of ordered) {
      const a1 = prepared.filter((p) => {
        const x = p.get(s);
        return !x || x.v < c.v || (x.v === c.v && x.d === c.d);
      }).length;
      if (a1 < 2 * f + 1) continue;
      const a2 = preprepared.filter((q) => q.some(([qs, qd, qv]) => qs === s && qd === c.d && qv >= c.v)).length;
      if (a2 < f + 1) continue;
      const b = batches.get(c.d);
      if (!b) continue;
      chosen = { d: c.d, b };
      break;
    }
    if (!chosen) {
      const empty = prepared.filter((p) => !p.has(s)).length;
      if (empty < 2 * f + 1) return null;
      chosen = { d: batchDigest([]), b: [] };
    }
    entries.push({ s, ...chosen });
  }
  return { h, hd: best.hd, proof: best.ck, entries };
}
