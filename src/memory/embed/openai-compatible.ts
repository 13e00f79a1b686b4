import type OpenAI from 'openai';
import { SixfoldError } from '../../errors.js';
import { classifySdkError } from '../../router/providers/classify.js';
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
  private client: Promise<OpenAI> | undefined;
  private readonly signalless: AbortSignal;
  private dims: number | undefined;

  constructor(private readonly opts: OpenAICompatibleEmbedderOptions) {
    this.signalless = new AbortController().signal;
    this.id = `openai-compatible:${opts.model}`;
    this.dims = opts.dimensions;
  }

  /** The SDK is loaded on first use, so configuring this embedder costs no start-up time. */
  private getClient(): Promise<OpenAI> {
    // Local servers (Ollama) take no key; the client insists on a string, which they ignore.
    return (this.client ??= import('openai').then(
      (m) =>
        new m.default({
          apiKey: this.opts.apiKey ?? 'no-key',
          baseURL: this.opts.baseURL,
          timeout: this.opts.timeoutMs,
          maxRetries: 2,
        }),
    ));
  }

  async dimensions(pinned?: number): Promise<number> {
    if (this.dims === undefined) {
      this.dims = pinned ?? (await this.embed(['dimension probe']))[0].length;
    }
    return this.dims;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.opts.batchSize) {
      const batch = texts.slice(i, i + this.opts.batchSize);
      let res;
      try {
        res = await (
          await this.getClient()
        ).embeddings.create(
          {
            model: this.opts.model,
            input: batch as string[],
            encoding_format: 'float',
            ...(this.opts.dimensions ? { dimensions: this.opts.dimensions } : {}),
          },
          { signal },
        );
      } catch (err) {
        throw this.describe(err, signal ?? this.signalless);
      }
      const data = [...res.data].sort((a, b) => a.index - b.index);
      if (data.length !== batch.length) {
        throw new SixfoldError('unavailable', `Embeddings endpoint returned ${data.length} vectors for ${batch.length} inputs.`);
      }
      for (const d of data) out.push(l2normalize(Float32Array.from(d.embedding as number[])));
    }
    return out;
  }

  /** A failure as a message with no key in it (the same classification and redaction as LLM calls). */
  private describe(err: unknown, signal: AbortSignal): SixfoldError {
    const e = classifySdkError('embeddings', err, this.opts.apiKey, signal);
    const what = e.message.replace(/^embeddings: /, '');
    const fail = (hint: string) => new SixfoldError('unavailable', `Embeddings request failed: ${what}.`, hint);
    switch (e.kind) {
      case 'cancelled':
        return new SixfoldError('unavailable', 'Embeddings request was cancelled.');
      case 'network':
      case 'timeout':
        return new SixfoldError(
          'unavailable',
          `Embeddings endpoint ${this.opts.baseURL} unreachable: ${what}.`,
          'Start the embedding server or fix embedder.base_url.',
        );
      case 'auth':
        return fail(`Check the key in ${this.opts.apiKeyEnv}.`);
      case 'rate_limit':
        return fail('The endpoint is rate limiting; retry later or lower embedder.batch_size.');
      case 'server':
        return fail('The embeddings server failed; retry later.');
      default:
        return fail(`Check that ${this.opts.baseURL} serves /embeddings for model ${this.opts.model}.`);
    }
  }
}
