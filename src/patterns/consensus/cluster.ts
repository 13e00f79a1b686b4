import { sha256hex, valueDigest } from './canonical.js';
import { Liar, type Fault } from './byzantine.js';
import type { ClusterKeys } from './keys.js';
import { CALM, SimNetwork, type NetworkFaults } from './network.js';
import { ClientNode, ReplicaNode, type Certificate } from './nodes.js';
import { Replica } from './pbft.js';
import { mulberry32 } from '../../random.js';
import { bftFaults } from '../vote/quorum.js';

export interface Timing {
  viewChangeTimeoutMs: number;
  retransmitMs: number;
  tickMs: number;
  checkpointInterval: number;
  window: number;
  maxInflight: number;
  batchMax: number;
}

export const DEFAULT_TIMING: Timing = {
  viewChangeTimeoutMs: 40,
  retransmitMs: 15,
  tickMs: 5,
  checkpointInterval: 16,
  window: 64,
  maxInflight: 4,
  batchMax: 1,
};

export interface ClusterBase {
  seq: number;
  stateDigest: string;
  view: number;
}

export function genesis(cluster: string): ClusterBase {
  return { seq: 0, stateDigest: sha256hex(`sixfold-pbft-genesis\n${cluster}`), view: 0 };
}

export interface SimClusterOptions {
  cluster: string;
  keys: ClusterKeys;
  base?: ClusterBase;
  faults?: Fault[];
  network?: NetworkFaults;
  seed?: number;
  timing?: Partial<Timing>;
  validate?: (value: unknown, schema: unknown) => string | null;
  /** Replicas sign every message with Ed25519 instead of MACs (benchmark comparison only). */
  signEverything?: boolean;
}

/** n replicas, one client and a simulated network, all in this process, replayable from a seed. */
export class SimCluster {
  readonly net: SimNetwork;
  readonly replicas: Replica[] = [];
  readonly nodes: ReplicaNode[] = [];
  readonly client: ClientNode;
  readonly n: number;
  readonly f: number;
  readonly faulty: Set<number>;
  readonly timing: Timing;

  constructor(readonly o: SimClusterOptions) {
    const seed = o.seed ?? 1;
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.n = o.keys.n;
    this.f = bftFaults(this.n);
    this.net = new SimNetwork(seed, o.network ?? CALM, this.timing.tickMs);
    const base = o.base ?? genesis(o.cluster);
    const faults = new Map((o.faults ?? []).map((x) => [x.replica, x]));
    this.faulty = new Set(faults.keys());
    const rng = mulberry32(seed ^ 0x9e3779b9);
    for (let id = 0; id < this.n; id++) {
      const replica = new Replica({
        cluster: o.cluster,
        id,
        keys: o.keys,
        base,
        validate: o.validate,
        checkpointInterval: this.timing.checkpointInterval,
        window: this.timing.window,
        viewChangeTimeoutMs: this.timing.viewChangeTimeoutMs,
        retransmitMs: this.timing.retransmitMs,
        maxInflight: this.timing.maxInflight,
        batchMax: this.timing.batchMax,
      });
      const fault = faults.get(id);
      const liar = fault ? new Liar(fault, mulberry32(Math.floor(rng() * 2 ** 32)), 4 * this.timing.viewChangeTimeoutMs) : null;
      const node = new ReplicaNode(replica, o.keys, this.net, liar, o.signEverything);
      this.replicas.push(replica);
      this.nodes.push(node);
      this.net.attach(node);
    }
    this.client = new ClientNode(this.n, o.cluster, o.keys, this.net, this.timing.retransmitMs);
    this.net.attach(this.client);
  }

  /** The replicas with no fault, fixed at construction (read after every simulated event). */
  get honest(): Replica[] {
    return (this.honestReplicas ??= this.replicas.filter((r) => !this.faulty.has(r.id)));
  }

  private honestReplicas: Replica[] | undefined;

  propose(value: unknown, schema?: unknown): number {
    return this.client.propose(value, schema, this.net.now);
  }

  /** True when every honest replica has executed `seq`. */
  honestExecuted(seq: number): boolean {
    return this.honest.every((r) => r.lastExec >= seq);
  }

  /**
   * Safety over the honest replicas: at every sequence, every honest replica that executed it
   * executed the same batch, and no replica saw a re-issued sequence change its batch.
   */
  safetyViolation(): string | null {
    const bySeq = new Map<number, { d: string; by: number }>();
    for (const r of this.honest) {
      if (r.conflicts) return `replica ${r.id} saw a new view re-issue an executed sequence with another batch`;
      for (const [s, e] of r.executed) {
        const x = bySeq.get(s);
        if (!x) bySeq.set(s, { d: e.d, by: r.id });
        else if (x.d !== e.d) return `replicas ${x.by} and ${r.id} executed different batches at sequence ${s}`;
      }
    }
    return null;
  }

  get viewChanges(): number {
    return Math.max(0, ...this.honest.map((r) => r.view - (this.o.base?.view ?? 0)));
  }
}

export interface ProposalOutcome {
  committed: boolean;
  digest: string;
  certificate: Certificate | null;
  /** Simulated time from request to certificate (or to giving up). */
  simulatedMs: number;
  reason?: string;
  /** State digest and view the honest replicas reached, for persisting the next base. */
  stateDigest?: string;
  view?: number;
}

/**
 * Judges one proposal after the run: a certificate is reported only when it is for the proposed
 * value and every honest replica executed exactly that at its sequence. With more than f faulty
 * replicas PBFT guarantees nothing, so this check (which only the in-process runner can make)
 * is what keeps a false certificate from ever being returned.
 */
export function judge(c: SimCluster, r: number, value: unknown): ProposalOutcome {
  const digest = valueDigest(value);
  const res = c.client.result(r);
  const simulatedMs = (res.doneAt ?? c.net.now) - res.sentAt;
  const faults = c.faulty.size;
  const bound = faults > c.f ? ` ${faults} replicas are faulty, more than f = ${c.f} that n = ${c.n} tolerates.` : '';
  if (!res.cert) {
    if (res.rejects.size >= c.f + 1) {
      const why = [...res.rejects.values()][0];
      return {
        committed: false,
        digest,
        certificate: null,
        simulatedMs,
        reason: `Rejected by ${res.rejects.size} replicas (f+1 = ${c.f + 1} include an honest one): ${why}`,
      };
    }
    return {
      committed: false,
      digest,
      certificate: null,
      simulatedMs,
      reason: `No certificate of ${2 * c.f + 1} matching signatures before the timeout.${bound}`,
    };
  }
  const cert = res.cert;
  if (cert.digest !== digest) {
    return {
      committed: false,
      digest,
      certificate: null,
      simulatedMs,
      reason: `The signatures certify a different value (digest ${cert.digest.slice(0, 12)}…), not the one proposed.${bound}`,
    };
  }
  const violation = c.safetyViolation();
  if (violation)
    return {
      committed: false,
      digest,
      certificate: null,
      simulatedMs,
      reason: `Honest replicas disagree: ${violation}.${bound}`,
    };
  const honest = c.honest;
  const behind = honest.filter((h) => h.executed.get(cert.seq)?.rd !== digest);
  if (behind.length) {
    return {
      committed: false,
      digest,
      certificate: null,
      simulatedMs,
      reason: `A certificate formed, but honest replica(s) ${behind.map((h) => h.id).join(', ')} had not executed this value at sequence ${cert.seq} before the timeout, so it is not reported.${bound}`,
    };
  }
  return {
    committed: true,
    digest,
    certificate: cert,
    simulatedMs,
    stateDigest: honest[0].executed.get(cert.seq)!.state,
    view: cert.view,
  };
}
