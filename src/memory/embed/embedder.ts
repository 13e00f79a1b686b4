/** Told, while a call waits for a model to load, what it is waiting for. */
export type WaitReporter = (message: string) => void;

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
  /**
   * Dense vectors whose sign bits keep their neighbourhoods (measured in bench/memory.ts), so
   * search can prefilter on a binary-quantised copy and rerank exactly. hash-384's do not.
   */
  readonly quantizable?: boolean;
  /** Starts loading a local model in the background. */
  warm?(): void;
  /** Runs `fn`; any wait inside it for the model to load is reported to `report`. */
  withProgress?<T>(report: WaitReporter, fn: () => Promise<T>): Promise<T>;
  close?(): Promise<void>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
