import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';

/**
 * Push-pull anti-entropy over y-protocols sync messages. Every round a node sends SyncStep1 (its
 * state vector) for each doc to `fanout` random peers. A peer answers SyncStep2 (what the sender
 * lacks, if anything) and, when the sender's vector shows the peer lacks something, a SyncStep1
 * marked as a reply whose vector lists only the clients it lacks, from the clocks it has (a state
 * vector of the difference, not of everything it knows); that is answered by SyncStep2 only, so an
 * exchange ends after three messages. Local edits are also pushed at once as sync Update messages
 * to every connected peer.
 */

/** One document as gossip sees it. */
export interface Replica {
  /** Encoded state vector (Yjs v1 encoding). */
  stateVector(): Uint8Array;
  /** A digest of what the state vector cannot show (the delete set); equal digests + vectors = same state. */
  digest(): number;
  /**
   * Compares a peer's state vector and digest with ours: the update the peer lacks (null if none)
   * and, if the peer holds something we lack, a request for just that (`want`).
   */
  compare(sv: Uint8Array, digest: number): { diff: Uint8Array | null; want: Uint8Array | null };
  /** The update for a `want` request from a peer (null if we have nothing it asked for). */
  answer(want: Uint8Array): Uint8Array | null;
}

/** The docs a node holds; receiving may create one (a peer told us of a doc we did not have). */
export interface ReplicaSet {
  ids(): Iterable<string>;
  get(doc: string): Replica | undefined;
  /** An empty replica for a doc a peer has, or undefined to ignore that doc. */
  create(doc: string): Replica | undefined;
  /** Integrates an update from a peer (now or at the end of the round; it is the set's choice). */
  receive(doc: string, update: Uint8Array, from: string): void;
}

/** The framing every transport carries: a doc id and a y-protocols sync message. */
export interface GossipMessage {
  doc: string;
  /** y-protocols sync message bytes: SyncStep1, SyncStep2 or Update. */
  sync: Uint8Array;
  /** Delete-set digest, sent with SyncStep1. */
  dg?: number;
  /** Set on a SyncStep1 that answers one: its vector lists only the clients wanted; reply with SyncStep2 only. */
  re?: 1;
}

export interface GossipTransport {
  /** Up to `k` distinct peers that can be sent to now, chosen with `rng`. */
  pickPeers(k: number, rng: () => number): string[];
  /** Every peer that can be sent to now. */
  connected(): string[];
  send(peer: string, msg: GossipMessage): void;
  /** Registers the one handler for incoming messages. */
  onMessage(handler: (from: string, msg: GossipMessage) => void): void;
}

export interface GossipOptions {
  fanout: number;
  /** Seeded in simulations; Math.random in a server. */
  rng: () => number;
}

export interface GossipCounters {
  rounds: number;
  sent: number;
  sentBytes: number;
  received: number;
  receivedBytes: number;
  /** Per doc: when an exchange last brought or sent something, or found both sides equal. */
  lastSync: Map<string, number>;
}

export function syncStep1(sv: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageYjsSyncStep1);
  encoding.writeVarUint8Array(e, sv);
  return encoding.toUint8Array(e);
}

export function syncStep2(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageYjsSyncStep2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function syncUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageYjsUpdate);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function readSync(bytes: Uint8Array): { type: number; payload: Uint8Array } {
  const d = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(d);
  return { type, payload: decoding.readVarUint8Array(d) };
}

/** Rough wire size of a message (msgpack adds a few bytes of framing around these). */
export function messageBytes(m: GossipMessage): number {
  return m.sync.byteLength + m.doc.length + (m.dg === undefined ? 4 : 9);
}

/** SyncStep1 messages by the state vector they carry: a replica returns the same bytes until it changes. */
const step1Cache = new WeakMap<Uint8Array, Uint8Array>();

function cachedStep1(sv: Uint8Array): Uint8Array {
  let m = step1Cache.get(sv);
  if (!m) step1Cache.set(sv, (m = syncStep1(sv)));
  return m;
}

export class GossipEngine {
  readonly counters: GossipCounters = { rounds: 0, sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, lastSync: new Map() };

  constructor(
    private readonly replicas: ReplicaSet,
    private readonly transport: GossipTransport,
    private readonly opts: GossipOptions,
    private readonly now: () => number = Date.now,
  ) {
    transport.onMessage((from, msg) => this.handle(from, msg));
  }

  private send(peer: string, msg: GossipMessage): void {
    this.counters.sent++;
    this.counters.sentBytes += messageBytes(msg);
    this.transport.send(peer, msg);
  }

  /** One anti-entropy round: SyncStep1 for every doc to `fanout` random peers (or `k`). */
  round(k = this.opts.fanout): void {
    this.roundWith(this.transport.pickPeers(k, this.opts.rng));
  }

  /** SyncStep1 for every doc to the given peers. */
  roundWith(peers: string[]): void {
    this.counters.rounds++;
    if (!peers.length) return;
    for (const doc of this.replicas.ids()) {
      const r = this.replicas.get(doc);
      if (!r) continue;
      const sync = cachedStep1(r.stateVector());
      const dg = r.digest();
      for (const p of peers) this.send(p, { doc, sync, dg });
    }
  }

  /** Pushes a change to every connected peer but `except` (where it came from); anti-entropy repairs any loss. */
  push(doc: string, update: Uint8Array, except?: string): void {
    const sync = syncUpdate(update);
    for (const p of this.transport.connected()) if (p !== except) this.send(p, { doc, sync });
  }

  handle(from: string, msg: GossipMessage): void {
    this.counters.received++;
    this.counters.receivedBytes += messageBytes(msg);
    let parsed;
    try {
      parsed = readSync(msg.sync);
    } catch {
      return; // a malformed frame from a peer is dropped, never fatal
    }
    if (parsed.type === messageYjsSyncStep1) {
      const r = this.replicas.get(msg.doc) ?? this.replicas.create(msg.doc);
      if (!r) return;
      if (msg.re) {
        const diff = r.answer(parsed.payload);
        if (diff) this.send(from, { doc: msg.doc, sync: syncStep2(diff) });
        return;
      }
      const { diff, want } = r.compare(parsed.payload, msg.dg ?? 0);
      if (diff) this.send(from, { doc: msg.doc, sync: syncStep2(diff) });
      if (want) this.send(from, { doc: msg.doc, sync: syncStep1(want), re: 1 });
      if (!diff && !want) this.counters.lastSync.set(msg.doc, this.now());
    } else if (parsed.type === messageYjsSyncStep2 || parsed.type === messageYjsUpdate) {
      if (!this.replicas.get(msg.doc) && !this.replicas.create(msg.doc)) return;
      this.replicas.receive(msg.doc, parsed.payload, from);
      this.counters.lastSync.set(msg.doc, this.now());
    }
  }
}
