import { bftFaults } from '../vote/quorum.js';
import { makeRequest } from './batch.js';
import { batchValueDigest, valueDigest } from './canonical.js';
import type { ReplicaKeys } from './keys.js';
import { commitStatement, decode, encode, encodeChannel, encodeSigned, type Msg, type ReplyBody } from './messages.js';
import type { Endpoint, Transport } from './network.js';
import type { Replica } from './pbft.js';
import type { Liar } from './byzantine.js';

/** A replica on the network: checks MACs on the way in, MACs (and, if faulty, lies) on the way out. */
export class ReplicaNode implements Endpoint {
  constructor(
    readonly replica: Replica,
    private readonly keys: ReplicaKeys,
    private readonly net: Transport,
    readonly liar: Liar | null = null,
    /** Sign every message instead of MACing it (the benchmark's comparison variant). */
    private readonly signEverything = false,
    /** The network authenticates senders itself (mutual TLS between nodes): no MAC per message. */
    private readonly channelAuth = false,
  ) {}

  get id(): number {
    return this.replica.id;
  }

  deliver(from: number, wire: string, now: number): void {
    if (this.liar?.crashed) return;
    const d = decode(this.keys, this.id, wire, this.channelAuth);
    // A bad MAC or a forged sender: dropped.
    if (!d.ok || d.from !== from) return;
    this.replica.receive(d.from, d.msg, now);
    this.flush();
  }

  tick(now: number): void {
    if (this.liar?.crashed) return;
    this.replica.tick(now);
    this.flush();
  }

  /** A peer's connection (re)opened (see Replica.greet). */
  greet(to: number, now: number): void {
    if (this.liar?.crashed) return;
    this.replica.greet(to, now);
    this.flush();
  }

  private flush(): void {
    for (const o of this.replica.drain()) {
      for (const e of this.liar ? this.liar.transform(o) : [o]) {
        if (!e.to.length) continue;
        const wire = this.channelAuth
          ? encodeChannel(this.id, e.msg)
          : this.signEverything
            ? encodeSigned(this.keys, this.id, e.msg)
            : encode(this.keys, this.id, e.to, e.msg);
        const extra = 'delayMs' in e ? (e.delayMs as number | undefined) : undefined;
        for (const j of e.to) this.net.send(this.id, j, wire, extra);
      }
    }
  }
}

export interface Certificate {
  view: number;
  seq: number;
  digest: string;
  signatures: Array<{ replica: number; signature: string }>;
  /** When the value was committed in a batch of several: their value digests (digest = batchValueDigest of these). */
  batch?: string[];
}

interface Outstanding {
  /** The request as sent: built (digest, MACs) once, resent as it is while the MAC keys stay the same. */
  wire: string;
  value: unknown;
  schema: unknown;
  /** The value's digest (a batch reply must list it). */
  vdig: string;
  /** keys.generation when the wire was built. */
  gen: number | undefined;
  sentAt: number;
  /** Next retransmission (backs off exponentially, so a long queue is not resent wholesale). */
  resendAt: number;
  resends: number;
  groups: Map<string, Map<number, string>>;
  /** Value digests of the batch a group's replies cover (only for batches of several). */
  batches: Map<string, string[]>;
  bad: Set<number>;
  rejects: Map<number, string>;
  cert: Certificate | null;
  doneAt: number | null;
}

/**
 * The proposer. Sends a MAC-authenticated request to every replica, retransmits until settled,
 * and accepts a result only as 2f+1 valid Ed25519 signatures from distinct replicas on one
 * (cluster, view, sequence, digest): a certificate anyone can check with the public keys. f+1
 * matching rejections (at least one honest) end a request as rejected.
 */
export class ClientNode implements Endpoint {
  private readonly reqs = new Map<number, Outstanding>();
  private nextR = 1;
  private lastRetransmit = 0;
  /** Keep retransmitting settled requests too (until the runner stops), so lagging replicas hear them. */
  keepAlive = false;
  /**
   * Check each reply's signature as it arrives instead of when 2f+1 match: on a real network the
   * wait for the last replies hides the cost of the first checks.
   */
  verifyOnArrival = false;
  /** Called once when a request settles (certificate, or f+1 rejections). */
  onSettled: ((r: number) => void) | undefined;
  readonly f: number;
  private readonly everyone: number[];

  constructor(
    readonly id: number,
    private readonly cluster: string,
    private readonly keys: ReplicaKeys,
    private readonly net: Transport,
    private readonly retransmitMs: number,
    /** The network authenticates senders itself (see ReplicaNode): no MAC per message, only the request's authenticator. */
    private readonly channelAuth = false,
  ) {
    this.f = bftFaults(keys.n);
    this.everyone = Array.from({ length: keys.n }, (_, i) => i);
  }

  propose(value: unknown, schema: unknown, now: number): number {
    const r = this.nextR++;
    this.reqs.set(r, {
      wire: this.build(r, value, schema),
      value,
      schema,
      vdig: valueDigest(value),
      gen: this.keys.generation,
      sentAt: now,
      resendAt: now + this.retransmitMs,
      resends: 0,
      groups: new Map(),
      batches: new Map(),
      bad: new Set(),
      rejects: new Map(),
      cert: null,
      doneAt: null,
    });
    this.sendRequest(r);
    return r;
  }

  /**
   * Request ids start here instead of at 1: a client whose ids must stay unique across restarts of
   * its process (replicas remember executed ids) starts from the clock.
   */
  startIdsAt(first: number): void {
    this.nextR = Math.max(this.nextR, first);
  }

  private build(r: number, value: unknown, schema: unknown): string {
    const msg: Msg = { t: 'req', q: makeRequest(this.keys, this.cluster, this.id, r, value, schema) };
    return this.channelAuth ? encodeChannel(this.id, msg) : encode(this.keys, this.id, this.everyone, msg);
  }

  private sendRequest(r: number): void {
    const o = this.reqs.get(r)!;
    if (o.gen !== this.keys.generation) {
      // MAC keys changed since (a peer reconnected): the old authenticator would fail there.
      o.wire = this.build(r, o.value, o.schema);
      o.gen = this.keys.generation;
    }
    for (const j of this.everyone) this.net.send(this.id, j, o.wire);
  }

  /** Drops a settled (or abandoned) request: it is neither resent nor remembered. */
  forget(r: number): void {
    this.reqs.delete(r);
  }

  result(r: number): {
    cert: Certificate | null;
    rejects: Map<number, string>;
    doneAt: number | null;
    sentAt: number;
    best: number;
  } {
    const o = this.reqs.get(r)!;
    let best = 0;
    for (const g of o.groups.values()) best = Math.max(best, g.size);
    return { cert: o.cert, rejects: o.rejects, doneAt: o.doneAt, sentAt: o.sentAt, best };
  }

  settled(r: number): boolean {
    const o = this.reqs.get(r);
    return !!o && (o.cert !== null || o.rejects.size >= this.f + 1);
  }

  deliver(from: number, wire: string, now: number): void {
    const d = decode(this.keys, this.id, wire, this.channelAuth);
    if (!d.ok || d.from !== from) return;
    const m = d.msg;
    if (m.t === 'rej') {
      const o = this.reqs.get(m.r);
      if (o && !o.cert && typeof m.why === 'string') {
        o.rejects.set(from, m.why.slice(0, 500));
        if (o.rejects.size >= this.f + 1 && o.doneAt === null) {
          o.doneAt = now;
          this.onSettled?.(m.r);
        }
      }
      return;
    }
    if (m.t !== 'rep' || !Array.isArray(m.rs)) return;
    // A reply to a batch of several: its list of value digests must hash to the signed digest (checked once per message).
    const vd = m.vd;
    const batch =
      Array.isArray(vd) && vd.length >= 2 && vd.every((x) => typeof x === 'string') && batchValueDigest(vd) === m.d
        ? new Set(vd)
        : null;
    for (const r of m.rs) this.onReply(r, m, batch, now);
  }

  private onReply(r: number, m: ReplyBody, batch: Set<string> | null, now: number): void {
    const o = this.reqs.get(r);
    if (!o || o.cert || o.bad.has(m.i) || typeof m.g !== 'string' || typeof m.d !== 'string') return;
    const k = `${m.v}|${m.s}|${m.d}`;
    if (m.d !== o.vdig && !o.batches.has(k)) {
      // Not our value's digest: only a batch that lists our value and hashes to d may count.
      if (!batch?.has(o.vdig)) return;
      o.batches.set(k, m.vd!);
    }
    let g = o.groups.get(k);
    if (!g) {
      g = new Map();
      o.groups.set(k, g);
    }
    const stmt = commitStatement(this.cluster, m.v, m.s, m.d);
    if (this.verifyOnArrival && !this.keys.pub.verify(m.i, stmt, m.g)) {
      o.bad.add(m.i);
      return;
    }
    g.set(m.i, m.g);
    if (g.size < 2 * this.f + 1) return;
    // Only now pay for signature checks (already done, and remembered, when verifying on arrival);
    // a bad one marks its sender and drops out of the count.
    for (const [i, sig] of g) {
      if (!this.keys.pub.verify(i, stmt, sig)) {
        g.delete(i);
        o.bad.add(i);
      }
    }
    if (g.size < 2 * this.f + 1) return;
    o.cert = {
      view: m.v,
      seq: m.s,
      digest: m.d,
      signatures: [...g].sort((a, b) => a[0] - b[0]).map(([replica, signature]) => ({ replica, signature })),
      ...(o.batches.has(k) ? { batch: o.batches.get(k) } : {}),
    };
    o.doneAt = now;
    this.onSettled?.(r);
  }

  tick(now: number): void {
    if (now - this.lastRetransmit < this.retransmitMs) return;
    this.lastRetransmit = now;
    for (const [r, o] of this.reqs) {
      if (now < o.resendAt || (!this.keepAlive && this.settled(r))) continue;
      o.resends++;
      o.resendAt = now + this.retransmitMs * 2 ** Math.min(o.resends, 4);
      this.sendRequest(r);
    }
  }
}
