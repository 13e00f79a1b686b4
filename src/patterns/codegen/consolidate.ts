import { DAY_MS, cosine } from './score.js';

/**
 * Consolidation plan for one namespace of the ReasoningBank: prune what has lost the caller's
 * trust or has not been used for a long time, then merge near-duplicates (same kind and language,
 * cosine >= threshold) into the most trusted of them. Pure: the bank applies the plan in one
 * transaction.
 */

export interface ConsolidationItem {
  id: string;
  kind: string;
  language: string;
  confidence: number;
  uses: number;
  created_at: number;
  last_used_at: number | null;
  vector: ArrayLike<number>;
}

export interface ConsolidationOptions {
  now: number;
  mergeThreshold: number;
  pruneConfidence: number;
  pruneUnusedDays: number;
}

export interface Merge {
  keep: string;
  drop: string[];
  /** The kept item's new counters: uses summed, confidence the highest, last use the latest. */
  uses: number;
  confidence: number;
  last_used_at: number | null;
}

export interface ConsolidationPlan {
  merges: Merge[];
  prune: Array<{ id: string; reason: 'low_confidence' | 'unused' }>;
}

/** Most trusted first: confidence, then uses, then the older item, then id (deterministic). */
function byTrust(a: ConsolidationItem, b: ConsolidationItem): number {
  return b.confidence - a.confidence || b.uses - a.uses || a.created_at - b.created_at || a.id.localeCompare(b.id);
}

export function planConsolidation(items: readonly ConsolidationItem[], opts: ConsolidationOptions): ConsolidationPlan {
  const prune: ConsolidationPlan['prune'] = [];
  const live: ConsolidationItem[] = [];
  const unusedMs = opts.pruneUnusedDays * DAY_MS;
  for (const it of items) {
    if (it.confidence < opts.pruneConfidence) prune.push({ id: it.id, reason: 'low_confidence' });
    else if (opts.now - Math.max(it.created_at, it.last_used_at ?? 0) > unusedMs) prune.push({ id: it.id, reason: 'unused' });
    else live.push(it);
  }

  const merges: Merge[] = [];
  const absorbed = new Set<string>();
  const sorted = [...live].sort(byTrust);
  for (let i = 0; i < sorted.length; i++) {
    const keep = sorted[i];
    if (absorbed.has(keep.id)) continue;
    const group: ConsolidationItem[] = [];
    for (let j = i + 1; j < sorted.length; j++) {
      const other = sorted[j];
      if (absorbed.has(other.id) || other.kind !== keep.kind || other.language !== keep.language) continue;
      if (cosine(keep.vector, other.vector) >= opts.mergeThreshold) group.push(other);
    }
    if (!group.length) continue;
    for (const g of group) absorbed.add(g.id);
    const all = [keep, ...group];
    const lastUses = all.map((x) => x.last_used_at).filter((x): x is number => x !== null);
    merges.push({
      keep: keep.id,
      drop: group.map((g) => g.id),
      uses: all.reduce((s, x) => s + x.uses, 0),
      confidence: keep.confidence,
      last_used_at: lastUses.length ? Math.max(...lastUses) : null,
    });
  }
  return { merges, prune };
}
