import OpenAI from 'openai';
import { SixfoldError } from '../../errors.js';
import { l2normalize, type Embedder } from './embedder.js';

export interface OpenAICompatibleEmbedderOptions {
  baseURL: string;
  model: string;
  apiKey: string | undefined;
  apiKeyEnv: string;
  dimensions?: number;
  batchSize: number;
  timeoutMs: number;
}

/**
 * `/embeddings` over the official `openai` client: OpenAI itself, Ollama (`nomic-embed-text` via
 * its /v1 base URL), or any compatible server. The key is held by the client only.
 */
export class OpenAICompatibleEmbedder implements Embedder {
  readonly id: string;
  private readonly client: OpenAI;
  private dims: number | undefined;

  constructor(private readonly opts: OpenAICompatibleEmbedderOptions) {
    this.id = `openai-compatible:${opts.model}`;
    this.dims = opts.dimensions;
    // Local servers (Ollama) take no key; the client insists on a string, which they ignore.
    this.client = new OpenAI({ apiKey: opts.apiKey ?? 'no-key', baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 2 });
  }

  async dimensions(signal?: AbortSignal): Promise<number> {
    if (this.dims === undefined) {
      const [v] = await this.embed(['dimension probe'], signal);
      this.dims = v.length;
    }
    return this.dims;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.opts.batchSize) {
      const batch = texts.slice(i, i + this.opts.batchSize);
      let res;
      try {
        res = await this.client.embeddings.create(
          {
            model: this.opts.model,
            input: batch as string[],
            encoding_format: 'float',
            ...(this.opts.dimensions ? { dimensions: this.opts.dimensions } : {}),
          },
          { signal },
        );
      } catch (err) {
        throw this.describe(err);
      }
      const data = [...res.data].sort((a, b) => a.index - b.index);
      if (data.length !== batch.length) {
        throw new SixfoldError('unavailable', `Embeddings endpoint returned ${data.length} vectors for ${batch.length} inputs.`);
      }
      for (const d of data) out.push(l2normalize(Float32Array.from(d.embedding as number[])));
    }
    return out;
  }

  /** A failure as a message with no key in it: status and the server's message only. */
  private describe(err: unknown): SixfoldError {
    if (err instanceof OpenAI.APIError) {
      const hint = err.status === 401 || err.status === 403
        ? `Check the key in ${this.opts.apiKeyEnv}.`
        : `Check that ${this.opts.baseURL} serves /embeddings for model ${this.opts.model}.`;
      return new SixfoldError('unavailable', `Embeddings request failed (HTTP ${err.status ?? 'error'}): ${err.message.replace(/sk-[A-Za-z0-9_-]+/g, '[redacted]')}.`, hint);
    }
    if (err instanceof Error && err.name === 'AbortError') return new SixfoldError('unavailable', 'Embeddings request was cancelled.');
    return new SixfoldError('unavailable', `Embeddings endpoint ${this.opts.baseURL} unreachable: ${(err as Error).message}.`, 'Start the embedding server or fix embedder.base_url.');
  }
}
