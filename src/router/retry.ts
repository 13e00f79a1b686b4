/**
 * Backoff for retryable provider failures (429, 5xx, network): exponential with full jitter,
 * but never sooner than the provider's Retry-After.
 *
 * Hand-written rather than cockatiel 3.x's retry policy: its backoff could take Retry-After from
 * the error, but its wait ignores the abort signal (a caller who cancels during a backoff waits it
 * out, up to backoff_max_ms) and is a bare setTimeout the router's injected sleep cannot replace.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, base·2^attempt)]. */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const cap = Math.min(p.maxMs, p.baseMs * 2 ** attempt);
  return Math.round(random() * cap);
}

/** Retry-After as seconds or an HTTP date; also `retry-after-ms` (OpenAI). Null when absent or bad. */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const v = headers.get('retry-after');
  if (v === null) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  // Only an HTTP date (IMF-fixdate); Date.parse alone accepts junk such as "-1".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v.trim())) return null;
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function retryDelay(attempt: number, p: BackoffPolicy, retryAfterMs: number | null, random?: () => number): number {
  const jittered = backoffDelay(attempt, p, random);
  return retryAfterMs === null ? jittered : Math.max(retryAfterMs, jittered);
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
