import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SixfoldError } from '../../src/errors.js';
import { l2normalize, type Embedder } from '../../src/memory/embed/embedder.js';
import { HASH_DIMS, hashEmbed } from '../../src/memory/embed/hash.js';

/** A fresh `sixfold-*` temp dir; `remove()` deletes it. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sixfold-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A second embedder, distinct from hash-384: id `test-8` (or `id`), `dims` dimensions, made by
 * folding the hash-384 vector, so it stays lexical and deterministic. `failOnCall` makes the
 * n-th `embed` call (1-based) throw; `calls` counts them.
 */
export class FoldEmbedder implements Embedder {
  readonly id: string;
  calls = 0;
  constructor(private readonly opts: { id?: string; dims?: number; failOnCall?: number } = {}) {
    this.id = opts.id ?? 'test-8';
  }
  async dimensions(): Promise<number> {
    return this.opts.dims ?? 8;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    if (this.opts.failOnCall === this.calls) throw new Error(`embedder down on call ${this.calls}`);
    const dims = this.opts.dims ?? 8;
    return texts.map((t) => {
      const h = hashEmbed(t);
      const v = new Float32Array(dims);
      for (let i = 0; i < HASH_DIMS; i++) v[i % dims] += h[i];
      return l2normalize(v);
    });
  }
}

/** The SixfoldError a promise rejects with; fails the test on anything else. */
export async function rejection(p: Promise<unknown>): Promise<SixfoldError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SixfoldError);
    return err as SixfoldError;
  }
  throw new Error('expected a SixfoldError, the promise resolved');
}

/** The SixfoldError `fn` throws synchronously; fails the test on anything else. */
export function thrown(fn: () => unknown): SixfoldError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SixfoldError);
    return err as SixfoldError;
  }
  throw new Error('expected a SixfoldError, nothing was thrown');
}
