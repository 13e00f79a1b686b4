import { BEHAVIORS, type Fault } from '../../../src/patterns/consensus/byzantine.js';
import { SimCluster, judge } from '../../../src/patterns/consensus/cluster.js';
import { ClusterKeys, generateKeys } from '../../../src/patterns/consensus/keys.js';
import { CALM, type NetworkFaults } from '../../../src/patterns/consensus/network.js';
import type { Certificate } from '../../../src/patterns/consensus/nodes.js';

/**
 * One byzantine_propose run in the page: the server's PBFT replicas, client and seeded simulated
 * network (src/patterns/consensus), with fresh keys made here. The network's sends and deliveries
 * are recorded for the message-sequence diagram; nothing else is changed.
 */

export { BEHAVIORS };

export const TYPE_NAMES: Record<string, string> = {
  req: 'request',
  pp: 'pre-prepare',
  p: 'prepare',
  c: 'commit',
  rep: 'reply',
  ck: 'checkpoint',
  vc: 'view-change',
  nv: 'new-view',
  rej: 'reject',
  fetch: 'fetch',
  st: 'status',
  state: 'state',
};

export interface TraceMsg {
  from: number;
  to: number;
  type: string;
  view: number | null;
  seq: number | null;
  sentAt: number;
  /** null: dropped by the network, or still in flight when the run ended. */
  deliveredAt: number | null;
  bytes: number;
}

export interface PbftOptions {
  n: number;
  faults: Fault[];
  seed: number;
  value: unknown;
  lossy: boolean;
  timeoutMs: number;
}

export interface PbftRun {
  n: number;
  f: number;
  committed: boolean;
  reason?: string;
  certificate: Certificate | null;
  viewChanges: number;
  simulatedMs: number;
  messages: TraceMsg[];
  dropped: number;
  safety: string | null;
  views: number[];
}

const LOSSY: NetworkFaults = {
  minDelayMs: 0.2,
  maxDelayMs: 2,
  dropRate: 0.05,
  duplicateRate: 0.02,
  reorderRate: 0.1,
  partitions: [],
  healAtMs: 400,
};
const MAX_TRACE = 20_000;

function describe(wire: string): { type: string; view: number | null; seq: number | null } {
  try {
    const m = JSON.parse(wire.slice(wire.indexOf('\n') + 1)) as { t: string; v?: number; s?: number; x?: { m: string } };
    let view = typeof m.v === 'number' ? m.v : null;
    const seq = typeof m.s === 'number' ? m.s : null;
    if (m.x && typeof m.x.m === 'string') view = (JSON.parse(m.x.m) as { v?: number }).v ?? view;
    return { type: m.t, view, seq };
  } catch {
    return { type: '?', view: null, seq: null };
  }
}

/** Keys for a cluster of n (generated once per size; the browser makes Ed25519 keys quickly, but not for free). */
const keyCache = new Map<number, ClusterKeys>();

export function runPbft(o: PbftOptions): PbftRun {
  let keys = keyCache.get(o.n);
  if (!keys) keyCache.set(o.n, (keys = new ClusterKeys(generateKeys(o.n))));
  const c = new SimCluster({ cluster: 'demo', keys, faults: o.faults, seed: o.seed, network: o.lossy ? LOSSY : CALM });

  const messages: TraceMsg[] = [];
  const inFlight = new Map<string, number[]>();
  const net = c.net;
  const send = net.send.bind(net);
  net.send = (from, to, wire, extra) => {
    const dropsBefore = net.stats.dropped;
    const dupsBefore = net.stats.duplicated;
    send(from, to, wire, extra);
    if (messages.length >= MAX_TRACE) return;
    const d = describe(wire);
    const copies = net.stats.dropped > dropsBefore ? 0 : 1 + (net.stats.duplicated - dupsBefore);
    const key = `${from}>${to}|${wire}`;
    for (let i = 0; i < Math.max(1, copies); i++) {
      messages.push({ from, to, ...d, sentAt: net.now, deliveredAt: null, bytes: wire.length });
      if (copies > 0) {
        const q = inFlight.get(key);
        if (q) q.push(messages.length - 1);
        else inFlight.set(key, [messages.length - 1]);
      }
    }
  };
  for (const ep of [...c.nodes, c.client]) {
    net.attach({
      id: ep.id,
      tick: (now) => ep.tick(now),
      deliver: (from, wire, now) => {
        const key = `${from}>${ep.id}|${wire}`;
        const q = inFlight.get(key);
        const i = q?.shift();
        if (q && !q.length) inFlight.delete(key);
        if (i !== undefined) messages[i].deliveredAt = now;
        ep.deliver(from, wire, now);
      },
    });
  }

  const r = c.propose(o.value);
  c.client.keepAlive = true;
  const done = () => {
    if (!c.client.settled(r)) return false;
    const cert = c.client.result(r).cert;
    return !cert || c.honestExecuted(cert.seq);
  };
  net.run(done, o.timeoutMs, 2_000_000);
  const out = judge(c, r, o.value);
  return {
    n: c.n,
    f: c.f,
    committed: out.committed,
    reason: out.reason,
    certificate: out.certificate,
    viewChanges: c.viewChanges,
    simulatedMs: out.simulatedMs,
    messages,
    dropped: net.stats.dropped,
    safety: c.safetyViolation(),
    views: c.replicas.map((x) => x.view),
  };
}
