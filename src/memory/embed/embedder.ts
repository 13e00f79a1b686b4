/** One interface for every embedder. Vectors are L2-normalised so cosine = dot product. */
export interface Embedder {
  /** Stable id pinned in the DB's meta table, e.g. `hash-384` or `openai-compatible:text-embedding-3-small`. */
  readonly id: string;
  /**
   * Vector length. A remote embedder without a configured length takes `pinned` (the length the DB
   * was built with) rather than paying a network round trip at start-up; a wrong guess is caught
   * when its first vectors come back. With neither, it asks the endpoint once.
   */
  dimensions(pinned?: number): Promise<number>;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
