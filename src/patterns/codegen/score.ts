/**
 * Ranking remembered strategies and pitfalls for a new task: a weighted score of similarity,
 * recency and confidence, then maximal marginal relevance so the few injected memories are not
 * three copies of one lesson.
 */

export const DAY_MS = 24 * 3600 * 1000;
export const WEIGHTS = { similarity: 0.65, recency: 0.15, confidence: 0.2 } as const;
/** Recency decays as exp(-age / 45 days). */
export const RECENCY_SCALE_DAYS = 45;
/** MMR trade-off: 1 is pure relevance, 0 pure diversity. */
export const MMR_LAMBDA = 0.7;

/** exp(-age/45 d); a negative age (clock skew) counts as new. */
export function recency(ageMs: number): number {
  return Math.exp(-Math.max(0, ageMs) / (RECENCY_SCALE_DAYS * DAY_MS));
}

export interface ScoreInput {
  /** Cosine similarity to the task, 0..1. */
  similarity: number;
  /** Milliseconds since the memory was created or last used, whichever is later. */
  ageMs: number;
  confidence: number;
}

/** 0.65·similarity + 0.15·recency + 0.20·confidence, in 0..1 for inputs in 0..1. */
export function memoryScore(s: ScoreInput): number {
  return WEIGHTS.similarity * s.similarity + WEIGHTS.recency * recency(s.ageMs) + WEIGHTS.confidence * s.confidence;
}

/** Cosine of two vectors (0 when either is zero); for unit vectors this is the dot product. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface MmrCandidate {
  /** Relevance: here the combined memory score. */
  score: number;
  vector: ArrayLike<number>;
}

/**
 * Greedy maximal marginal relevance: repeatedly takes the candidate maximising
 * λ·score − (1−λ)·(max cosine to those already taken). Ties go to the earlier candidate, so the
 * result is deterministic for a deterministic input order.
 */
export function mmr<T extends MmrCandidate>(candidates: readonly T[], k: number, lambda = MMR_LAMBDA): T[] {
  const left = [...candidates];
  const picked: T[] = [];
  while (picked.length < k && left.length) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < left.length; i++) {
      const c = left[i];
      const redundancy = picked.length ? Math.max(...picked.map((p) => cosine(c.vector, p.vector))) : 0;
      const value = lambda * c.score - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    picked.push(left.splice(best, 1)[0]);
  }
  return picked;
}
