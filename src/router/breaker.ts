/**
 * A per-provider circuit breaker. Closed: calls flow. After `threshold` consecutive failures it
 * opens: calls are refused without touching the provider. After `cooldownMs` one probe call is let
 * through (half-open): success closes it, failure opens it for another cool-down.
 *
 * Hand-written rather than cockatiel 3.x (the line that runs on Node 20), whose breaker differs
 * where the router relies on it: while its probe is out, other callers wait for the probe (up to a
 * whole provider timeout) instead of being refused and falling back at once; a cancelled probe
 * closes it instead of letting the next caller probe; it stays "open" past the cool-down until a
 * call arrives, so stats cannot report half-open or the time to the next probe; and it reads
 * Date.now() itself, so the router's injected clock cannot reach it.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private _state: BreakerState = 'closed';

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this._state === 'open' && this.now() - this.openedAt >= this.cooldownMs) return 'half_open';
    return this._state;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryInMs(): number {
    return this._state === 'open' ? Math.max(0, this.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  /** Whether a call may go out now; in half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'half_open' && !this.probing) {
      this.probing = true;
      this._state = 'half_open';
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this._state = 'closed';
  }

  failure(): void {
    this.failures++;
    if (this.probing || this.failures >= this.threshold) {
      this._state = 'open';
      this.openedAt = this.now();
    }
    this.probing = false;
  }

  /**
   * A call that was let through but cancelled by the caller: says nothing about health. Only the
   * probe's own cancellation re-arms the half-open state; a stale call from before the breaker
   * opened must not let a second probe out while the first is still in flight.
   */
  release(wasProbe = false): void {
    if (!wasProbe) return;
    this.probing = false;
    if (this._state === 'half_open') {
      this._state = 'open';
      this.openedAt = this.now() - this.cooldownMs; // let the next caller probe
    }
  }
}
