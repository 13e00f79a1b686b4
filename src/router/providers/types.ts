/** What the router asks of a provider, and what a provider answers. */
export interface CompletionRequest {
  system?: string;
  prompt: string;
  maxTokens: number;
  temperature?: number;
}

export interface CompletionResult {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ProviderInfo {
  name: string;
  kind: 'anthropic' | 'openai-compatible';
  model: string;
  baseURL: string;
  /** USD per million tokens. */
  priceInput: number;
  priceOutput: number;
  /** 1 (small/cheap) .. 3 (frontier): what the `quality` policy and `min_tier` compare. */
  tier: number;
}

export interface Provider extends ProviderInfo {
  complete(req: CompletionRequest, opts: { signal: AbortSignal; timeoutMs: number }): Promise<CompletionResult>;
}

export type FailureKind = 'rate_limit' | 'server' | 'network' | 'timeout' | 'malformed' | 'auth' | 'bad_request' | 'cancelled';

/** A provider call that failed, classified; its message never contains a key. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: FailureKind,
    message: string,
    readonly status: number | undefined = undefined,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** Worth another try at the same provider (after a backoff). */
  get retryable(): boolean {
    return this.kind === 'rate_limit' || this.kind === 'server' || this.kind === 'network' || this.kind === 'timeout';
  }
}

export function costUsd(p: Pick<ProviderInfo, 'priceInput' | 'priceOutput'>, inputTokens: number, outputTokens: number): number {
  return (inputTokens * p.priceInput + outputTokens * p.priceOutput) / 1e6;
}
