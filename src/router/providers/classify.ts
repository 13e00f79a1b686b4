import { parseRetryAfter } from '../retry.js';
import { ProviderError } from './types.js';

/** Removes the provider's key, and anything shaped like a key, from text the provider sent us. */
export function redact(text: string, secret: string | undefined): string {
  let out = secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
  out = out.replace(/\b(sk-(?:ant-)?[A-Za-z0-9_-]{6,}|AIza[0-9A-Za-z_-]{20,})/g, '[redacted]');
  return out;
}

type SdkError = Error & { status?: number; headers?: { get(name: string): string | null } };

/**
 * Classifies an error thrown by the openai or @anthropic-ai/sdk client (both are generated from
 * the same template: APIError with status and headers, APIConnectionError, APIUserAbortError).
 */
export function classifySdkError(provider: string, err: unknown, secret: string | undefined, signal: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as SdkError;
  const name = e?.constructor?.name ?? '';
  // Prefer the provider's own message from the error body (Anthropic: {error: {message}}; OpenAI:
  // {message}) over the SDK's, which prefixes the status and may hold the whole JSON body.
  const body = (e as { error?: { message?: unknown; error?: { message?: unknown } } })?.error;
  const detail =
    typeof body?.error?.message === 'string' ? body.error.message : typeof body?.message === 'string' ? body.message : undefined;
  const msg = redact(String(detail ?? e?.message ?? err), secret)
    .replace(/^\d{3}\s+/, '')
    .replace(/[.\s]+$/, '');
  if (signal.aborted || name === 'APIUserAbortError' || e?.name === 'AbortError') {
    return new ProviderError(provider, 'cancelled', `${provider}: request cancelled`);
  }
  if (name === 'APIConnectionTimeoutError') return new ProviderError(provider, 'timeout', `${provider}: timed out`);
  if (name === 'APIConnectionError') return new ProviderError(provider, 'network', `${provider}: connection failed: ${msg}`);
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === undefined) {
    // A body the SDK could not parse, or an unexpected exception inside it: a failure, not a crash.
    return new ProviderError(provider, 'malformed', `${provider}: malformed response: ${msg}`);
  }
  if (status === 429)
    return new ProviderError(provider, 'rate_limit', `${provider}: rate limited (HTTP 429)`, status, parseRetryAfter(e.headers));
  if (status === 408)
    return new ProviderError(provider, 'timeout', `${provider}: request timeout (HTTP 408)`, status, parseRetryAfter(e.headers));
  if (status >= 500)
    return new ProviderError(
      provider,
      'server',
      `${provider}: server error (HTTP ${status}): ${msg}`,
      status,
      parseRetryAfter(e.headers),
    );
  if (status === 401 || status === 403)
    return new ProviderError(provider, 'auth', `${provider}: key refused (HTTP ${status})`, status);
  return new ProviderError(provider, 'bad_request', `${provider}: request refused (HTTP ${status}): ${msg}`, status);
}
