import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../../src/router/breaker.js';

/** A breaker with threshold 3 and a 10 s cool-down on a clock the test moves. */
function breaker(threshold = 3, cooldownMs = 10_000) {
  const clock = { t: 50_000 };
  const b = new CircuitBreaker(threshold, cooldownMs, () => clock.t);
  return { b, clock };
}

/** Open it: `threshold` consecutive failures, each after a granted call. */
function trip(b: CircuitBreaker, n: number): void {
  for (let i = 0; i < n; i++) {
    expect(b.tryAcquire()).toBe(true);
    b.failure();
  }
}

describe('CircuitBreaker', () => {
  it('starts closed and lets calls through', () => {
    const { b } = breaker();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    expect(b.retryInMs()).toBe(0);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });

  it('stays closed below the threshold and opens on the N-th consecutive failure', () => {
    const { b } = breaker(3);
    trip(b, 2);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.consecutiveFailures).toBe(3);
  });

  it('refuses every call while open, and says how long until the probe', () => {
    const { b, clock } = breaker(3, 10_000);
    trip(b, 3);
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(10_000);
    clock.t += 9_999;
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(1);
  });

  it('a success resets the consecutive count: failures must be consecutive to open it', () => {
    const { b } = breaker(3);
    trip(b, 2);
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.consecutiveFailures).toBe(0);
    trip(b, 2);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    trip(b, 1);
    expect(b.state).toBe('open');
  });

  it('is half-open after the cool-down and lets exactly one probe through', () => {
    const { b, clock } = breaker(3, 10_000);
    trip(b, 3);
    clock.t += 10_000;
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(true); // the probe
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(false); // a second caller while the probe is out
    expect(b.tryAcquire()).toBe(false);
  });

  it('a successful probe closes it and resets the count', () => {
    const { b, clock } = breaker(3, 10_000);
    trip(b, 3);
    clock.t += 10_000;
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    // Closed again means the full threshold applies again.
    trip(b, 2);
    expect(b.state).toBe('closed');
  });

  it('a failed probe re-opens it for a whole new cool-down, counted from the probe', () => {
    const { b, clock } = breaker(3, 10_000);
    trip(b, 3);
    clock.t += 12_345; // probe goes out late
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.consecutiveFailures).toBe(4);
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryInMs()).toBe(10_000);
    clock.t += 9_999;
    expect(b.tryAcquire()).toBe(false);
    clock.t += 1;
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(true);
  });

  it('one failure re-opens a half-open breaker even with a high threshold', () => {
    const { b, clock } = breaker(5, 1_000);
    trip(b, 5);
    clock.t += 1_000;
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
  });

  it('release() of a cancelled probe lets the next caller probe at once, without counting a failure', () => {
    const { b, clock } = breaker(3, 10_000);
    trip(b, 3);
    clock.t += 10_000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.release(true); // the probe itself was cancelled
    expect(b.consecutiveFailures).toBe(3);
    expect(b.state).toBe('half_open');
    expect(b.retryInMs()).toBe(0);
    expect(b.tryAcquire()).toBe(true); // the next probe
    expect(b.tryAcquire()).toBe(false); // still only one
    b.success();
    expect(b.state).toBe('closed');
  });

  it('release() on a closed breaker changes nothing', () => {
    const { b } = breaker(3);
    trip(b, 2);
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    expect(b.tryAcquire()).toBe(true);
  });

  // A stale call (let through while closed) cancelled during the probe must not re-arm half-open:
  // only the probe's own release (release(true)) frees the probe slot.
  it('release() by a call let through before the breaker opened does not free the probe slot', () => {
    const { b, clock } = breaker(1, 10_000);
    expect(b.tryAcquire()).toBe(true); // A: a long call, let through while closed
    expect(b.tryAcquire()).toBe(true); // B
    b.failure(); // B fails: open
    clock.t += 10_000;
    expect(b.tryAcquire()).toBe(true); // C: the probe, in flight
    b.release(); // A is cancelled by its caller
    expect(b.tryAcquire()).toBe(false); // D must wait for C
  });

  it('uses Date.now by default', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    try {
      const b = new CircuitBreaker(1, 60_000);
      b.failure();
      expect(b.state).toBe('open');
      vi.setSystemTime(1_000_000 + 59_000);
      expect(b.tryAcquire()).toBe(false);
      expect(b.retryInMs()).toBe(1_000);
      vi.setSystemTime(1_000_000 + 60_000);
      expect(b.state).toBe('half_open');
    } finally {
      vi.useRealTimers();
    }
  });
});
