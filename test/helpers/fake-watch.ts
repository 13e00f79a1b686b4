/**
 * Events from the fake LLM provider (testkit/fake-provider.ts), so an e2e test can wait for
 * "the fake has received the 4th request" or "that request was aborted" without polling or sleeping.
 *
 * The fake records each request by pushing it onto its (shared) `requests` array and later sets
 * `aborted` on that record when the client hangs up early. `watchFake` hooks both: every push and
 * every change of `aborted` re-checks the predicates tests are waiting on.
 */
import type { FakeProvider, RecordedRequest } from '../../testkit/fake-provider.js';
import { withTimeout } from './server.js';

export interface FakeWatch {
  /** Resolves once `pred()` holds; re-checked on every request the fake receives or sees aborted. */
  until(pred: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Restores the fake's `requests.push`. */
  dispose(): void;
}

/** The model a chat request was for (OpenAI-compatible and Anthropic bodies both carry `model`). */
export function modelOf(r: RecordedRequest): string | undefined {
  const m = (r.body as { model?: unknown } | null)?.model;
  return typeof m === 'string' ? m : undefined;
}

/** Chat requests (OpenAI-compatible or Anthropic) among `reqs`, optionally for one model. */
export function chatRequests(reqs: readonly RecordedRequest[], model?: string): RecordedRequest[] {
  return reqs.filter(
    (r) =>
      r.method === 'POST' &&
      (r.path.endsWith('/chat/completions') || r.path.endsWith('/v1/messages')) &&
      (model === undefined || modelOf(r) === model),
  );
}

export function watchFake(fake: FakeProvider): FakeWatch {
  const waiters = new Set<{ pred: () => boolean; resolve: () => void }>();
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pred()) {
        waiters.delete(w);
        w.resolve();
      }
    }
  };
  const instrument = (r: RecordedRequest) => {
    let aborted = r.aborted;
    Object.defineProperty(r, 'aborted', {
      configurable: true,
      enumerable: true,
      get: () => aborted,
      set: (v: boolean) => {
        aborted = v;
        check();
      },
    });
  };
  fake.requests.forEach(instrument);
  const reqs = fake.requests;
  const ownPush = Object.prototype.hasOwnProperty.call(reqs, 'push') ? reqs.push : undefined;
  const push = reqs.push;
  reqs.push = (...items: RecordedRequest[]): number => {
    items.forEach(instrument);
    const n = push.apply(reqs, items);
    check();
    return n;
  };
  return {
    until(pred, timeoutMs, what) {
      if (pred()) return Promise.resolve();
      let waiter: { pred: () => boolean; resolve: () => void } | undefined;
      const done = new Promise<void>((resolve) => {
        waiter = { pred, resolve };
        waiters.add(waiter);
      });
      return withTimeout(done, timeoutMs, what).finally(() => {
        if (waiter) waiters.delete(waiter);
      });
    },
    dispose() {
      if (ownPush) reqs.push = ownPush;
      else delete (reqs as { push?: unknown }).push;
    },
  };
}
