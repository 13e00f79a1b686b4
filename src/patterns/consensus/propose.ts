import type { Fault } from './byzantine.js';
import { SimCluster, judge, type ClusterBase, type ProposalOutcome, type Timing } from './cluster.js';
import type { ClusterKeys } from './keys.js';
import { CALM } from './network.js';

export interface ProposeOptions {
  cluster: string;
  keys: ClusterKeys;
  base: ClusterBase;
  value: unknown;
  schema?: unknown;
  faults: Fault[];
  seed: number;
  /** Bound on simulated time and on wall-clock time alike. */
  timeoutMs: number;
  validate?: (value: unknown, schema: unknown) => string | null;
  signal?: AbortSignal;
  timing?: Partial<Timing>;
  /** Called between slices of simulation with the view the honest replicas reached. */
  onProgress?: (simulatedMs: number, view: number) => void;
}

export interface ProposeResult extends ProposalOutcome {
  n: number;
  f: number;
  viewChanges: number;
  messages: number;
  bytes: number;
  faulty: number[];
}

const SLICE_EVENTS = 4000;

/**
 * One proposal on an in-process cluster started from the persisted base: the client sends the
 * request, the seeded simulation runs until the client holds a certificate and every honest
 * replica executed it (or the request is rejected, or time runs out), then `judge` decides what
 * may be reported. Runs in slices so the event loop (cancellation, other requests) keeps moving.
 */
export async function propose(o: ProposeOptions): Promise<ProposeResult> {
  const c = new SimCluster({
    cluster: o.cluster,
    keys: o.keys,
    base: o.base,
    faults: o.faults,
    seed: o.seed,
    network: CALM,
    timing: o.timing,
    validate: o.validate,
  });
  const r = c.propose(o.value, o.schema);
  c.client.keepAlive = true;
  const done = () => {
    if (!c.client.settled(r)) return false;
    const cert = c.client.result(r).cert;
    return !cert || c.honestExecuted(cert.seq);
  };
  const started = performance.now();
  for (;;) {
    if (c.net.run(done, o.timeoutMs, SLICE_EVENTS) || c.net.now >= o.timeoutMs) break;
    if (performance.now() - started > o.timeoutMs) break;
    o.onProgress?.(c.net.now, Math.max(...c.honest.map((x) => x.view)));
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('cancelled');
  }
  const outcome = judge(c, r, o.value);
  return {
    ...outcome,
    n: c.n,
    f: c.f,
    viewChanges: c.viewChanges,
    messages: c.net.stats.messages,
    bytes: c.net.stats.bytes,
    faulty: [...c.faulty].sort((a, b) => a - b),
  };
}
