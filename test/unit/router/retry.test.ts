import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 as seeded } from '../../../src/random.js';
import { backoffDelay, parseRetryAfter, retryDelay, sleep } from '../../../src/router/retry.js';

const P = { baseMs: 100, maxMs: 1000 };

const headers = (h: Record<string, string>) => new Headers(h);

describe('backoffDelay (full jitter)', () => {
  it('random 0 gives 0 at every attempt', () => {
    for (let attempt = 0; attempt < 8; attempt++) expect(backoffDelay(attempt, P, () => 0)).toBe(0);
  });

  it('random just below 1 reaches the cap, base·2^attempt, until max caps it', () => {
    const top = () => 0.9999;
    expect(backoffDelay(0, P, top)).toBe(100);
    expect(backoffDelay(1, P, top)).toBe(200);
    expect(backoffDelay(2, P, top)).toBe(400);
    expect(backoffDelay(3, P, top)).toBe(800);
    expect(backoffDelay(4, P, top)).toBe(1000); // 1600 capped at max
    expect(backoffDelay(10, P, top)).toBe(1000);
  });

  it('random 0.999 on a small cap rounds to the cap; 0.5 is half of it', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 300 }, () => 0.999)).toBe(300);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 8000 }, () => 0.5)).toBe(200);
    expect(backoffDelay(0, { baseMs: 250, maxMs: 8000 }, () => 0.5)).toBe(125);
  });

  it('stays within [0, min(max, base·2^attempt)] for 2000 seeded draws, and spreads over it', () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 6; attempt++) {
      const cap = Math.min(P.maxMs, P.baseMs * 2 ** attempt);
      const draws = Array.from({ length: 2000 }, () => backoffDelay(attempt, P, random));
      expect(draws.every((d) => Number.isInteger(d) && d >= 0 && d <= cap)).toBe(true);
      // Full jitter, not "cap plus a little": both halves of the range are used.
      expect(draws.some((d) => d < cap / 4)).toBe(true);
      expect(draws.some((d) => d > (3 * cap) / 4)).toBe(true);
    }
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads seconds, whole or fractional', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after': '0' }), NOW)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': '1.5' }), NOW)).toBe(1500);
    expect(parseRetryAfter(headers({ 'retry-after': ' 30 ' }), NOW)).toBe(30_000);
  });

  it('reads an HTTP date relative to the injected now; a past date is 0', () => {
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 12:00:07 GMT' }), NOW)).toBe(7000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 12:01:00 GMT' }), NOW)).toBe(60_000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 11:59:00 GMT' }), NOW)).toBe(0);
  });

  it('prefers retry-after-ms (OpenAI) over retry-after', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250' }), NOW)).toBe(250);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '12.6' }), NOW)).toBe(13);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(250);
  });

  it('falls back to retry-after when retry-after-ms is not a number', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'soon', 'retry-after': '3' }), NOW)).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '', 'retry-after': '3' }), NOW)).toBe(3000);
  });

  it('is null when absent or garbage', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter(headers({}), NOW)).toBeNull();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), NOW)).toBeNull();
    expect(parseRetryAfter(headers({ 'retry-after': '5 apples' }), NOW)).toBeNull();
    expect(parseRetryAfter(headers({ 'retry-after': '1e3' }), NOW)).toBeNull();
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'soon' }), NOW)).toBeNull();
  });

  it('uses Date.now when no now is given', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    try {
      expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 12:00:04 GMT' }))).toBe(4000);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retryDelay', () => {
  it('is never below Retry-After, whatever the jitter draws', () => {
    const random = seeded(7);
    for (let attempt = 0; attempt < 5; attempt++) {
      for (let i = 0; i < 200; i++) expect(retryDelay(attempt, P, 750, random)).toBeGreaterThanOrEqual(750);
    }
    expect(retryDelay(0, P, 750, () => 0)).toBe(750);
    expect(retryDelay(3, P, 5000, () => 0.9999)).toBe(5000); // longer than the max backoff: still honoured
  });

  it('is the jittered backoff when that is longer than Retry-After, or when there is none', () => {
    expect(retryDelay(3, P, 100, () => 0.9999)).toBe(800);
    expect(retryDelay(3, P, null, () => 0.5)).toBe(400);
    expect(retryDelay(0, P, null, () => 0)).toBe(0);
    expect(retryDelay(2, P, 0, () => 0.5)).toBe(200);
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after exactly ms', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = sleep(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    await p;
  });

  it('rejects with the abort reason as soon as the signal aborts, and clears its timer', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted, without a timer', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(sleep(10, ac.signal)).rejects.toThrow('already');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a signal that never aborts does not stop it, and its listener is removed after', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const p = sleep(5, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5);
    await expect(p).resolves.toBeUndefined();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
