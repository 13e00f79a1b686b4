import { LRUCache } from 'lru-cache';
import type { Embedder, WaitReporter } from './embedder.js';

/** Texts longer than this are not cached: queries are short, and long texts rarely repeat. */
const MAX_CACHED_CHARS = 2000;

/**
 * An LRU cache of vectors in front of a costly embedder (a model run or an HTTP call), keyed by
 * the exact text. Repeated queries (an agent re-asking, recall before every spawned agent, the
 * same task given to generate_code again) skip the model. Callers get copies, so nothing they do
 * to a vector reaches the cache.
 */
export class CachedEmbedder implements Embedder {
  private readonly cache: LRUCache<string, Float32Array>;
  readonly warm?: () => void;
  readonly withProgress?: <T>(report: WaitReporter, fn: () => Promise<T>) => Promise<T>;
  readonly close?: () => Promise<void>;

  constructor(
    private readonly inner: Embedder,
    entries = 1024,
  ) {
    this.cache = new LRUCache({ max: entries });
    if (inner.warm) this.warm = () => inner.warm!();
    if (inner.withProgress) this.withProgress = (report, fn) => inner.withProgress!(report, fn);
    if (inner.close) this.close = () => inner.close!();
  }

  get id(): string {
    return this.inner.id;
  }

  get quantizable(): boolean | undefined {
    return this.inner.quantizable;
  }

  dimensions(pinned?: number): Promise<number> {
    return this.inner.dimensions(pinned);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Array<Float32Array | undefined> = texts.map((t) => this.cache.get(t)?.slice());
    const missing = [...new Set(texts.filter((_, i) => !out[i]))];
    if (missing.length) {
      const vectors = await this.inner.embed(missing, signal);
      const byText = new Map<string, Float32Array>();
      missing.forEach((t, i) => {
        const v = vectors[i];
        if (!v) return; // a short answer is the store's to report (checkVectors)
        byText.set(t, v);
        if (t.length <= MAX_CACHED_CHARS) this.cache.set(t, v.slice());
      });
      texts.forEach((t, i) => {
        if (!out[i]) out[i] = byText.get(t)?.slice();
      });
      if (vectors.length !== missing.length) return vectors; // wrong shape: let the caller see it
    }
    return out as Float32Array[];
  }

  /** Hits and size, for tests and the bench. */
  stats(): { size: number } {
    return { size: this.cache.size };
  }
}
