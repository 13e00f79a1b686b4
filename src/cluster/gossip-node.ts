import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { DOC_ID_RE } from '../patterns/crdt/codec.js';
import type { DocStore } from '../patterns/crdt/docs.js';
import {
  GossipEngine,
  type GossipMessage,
  type GossipTransport,
  type Replica,
  type ReplicaSet,
} from '../patterns/crdt/gossip.js';
import { YDocReplica, deleteSetDigest, withCount } from '../patterns/crdt/replica.js';
import type { NodeId } from '../peer/node-id.js';
import type { PeerNetwork, PeerStatus } from '../peer/network.js';
import { formatAddress } from '../peer/transport.js';

const EMPTY_SV = Y.encodeStateVector(new Y.Doc());
const EMPTY_DIGEST = deleteSetDigest(new Y.Doc());

/** A doc a peer has and we do not: empty until the peer's update arrives (nothing is stored before). */
const absent: Replica = {
  stateVector: () => EMPTY_SV,
  digest: () => EMPTY_DIGEST,
  compare: (sv, digest) => {
    // We want every client the peer names, from clock 0.
    const d = decoding.createDecoder(sv);
    const pairs = encoding.createEncoder();
    const n = decoding.readVarUint(d);
    for (let i = 0; i < n; i++) {
      encoding.writeVarUint(pairs, decoding.readVarUint(d));
      decoding.readVarUint(d);
      encoding.writeVarUint(pairs, 0);
    }
    return { diff: null, want: n || digest !== EMPTY_DIGEST ? withCount(n, encoding.toUint8Array(pairs)) : null };
  },
  answer: () => null,
};

// On the wire (the peer network's "crdt" channel) a gossip message is the msgpack map
// {d: doc, s: sync bytes, g?: digest, r?: 1}.
export function encodeGossip(m: GossipMessage): Record<string, unknown> {
  const o: Record<string, unknown> = { d: m.doc, s: m.sync };
  if (m.dg !== undefined) o.g = m.dg;
  if (m.re) o.r = 1;
  return o;
}

/** A gossip message from a peer, or undefined if it is not one (dropped, never fatal). */
export function decodeGossip(o: unknown): GossipMessage | undefined {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const { d, s, g, r } = o as Record<string, unknown>;
  if (typeof d !== 'string' || !DOC_ID_RE.test(d) || !(s instanceof Uint8Array)) return undefined;
  if (g !== undefined && (typeof g !== 'number' || !Number.isInteger(g))) return undefined;
  return { doc: d, sync: s, ...(g !== undefined ? { dg: g } : {}), ...(r === 1 ? { re: 1 as const } : {}) };
}

/** Gossip over the peer network: peers are node ids, messages go on the "crdt" channel. */
export class PeerGossipTransport implements GossipTransport {
  constructor(private readonly net: PeerNetwork) {}

  pickPeers(k: number, rng: () => number): string[] {
    const open = this.net.connected();
    for (let i = open.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [open[i], open[j]] = [open[j], open[i]];
    }
    return open.slice(0, k);
  }

  connected(): string[] {
    return this.net.connected();
  }

  send(peer: string, msg: GossipMessage): void {
    this.net.send(peer, 'crdt', encodeGossip(msg));
  }

  onMessage(handler: (from: string, msg: GossipMessage) => void): void {
    this.net.onMessage('crdt', (from, body) => {
      const m = decodeGossip(body);
      if (m) handler(from, m);
    });
  }
}

export interface GossipStatus {
  enabled: boolean;
  /** This node's id (what other nodes list in cluster.peers). */
  node_id: string | null;
  /** host:port the cluster listens on, if it does. */
  listen: string | null;
  fanout: number;
  period_ms: number;
  push: boolean;
  peers: PeerStatus[];
  docs: Array<{ doc: string; last_sync: string | null }>;
  counters: { rounds: number; sent: number; sent_bytes: number; received: number; received_bytes: number };
}

/**
 * Gossip for a server: the DocStore's documents as replicas, the peer network's "crdt" channel,
 * an anti-entropy round every period, an immediate round with each peer as it connects, and every
 * local change pushed to connected peers at once (unless gossip.push is off). Updates from peers
 * are merged through the DocStore (persisted before they count as received), and pushed on to the
 * other peers.
 */
export class GossipNode {
  readonly transport: PeerGossipTransport;
  readonly engine: GossipEngine;
  private timer: NodeJS.Timeout | undefined;
  private readonly replicas = new WeakMap<Y.Doc, YDocReplica>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly docs: DocStore,
    private readonly cfg: Config['gossip'],
    private readonly net: PeerNetwork,
    private readonly log: Logger,
  ) {
    this.transport = new PeerGossipTransport(net);
    const set: ReplicaSet = {
      ids: () => docs.list(10_000).map((d) => d.id),
      get: (doc) => this.replicaOf(doc),
      create: (doc) => (DOC_ID_RE.test(doc) ? absent : undefined),
      receive: (doc, update, from) => {
        try {
          docs.merge(doc, { updates: [update], origin: from });
        } catch (err) {
          log.warn({ err, doc, peer: from }, 'gossip update refused');
        }
      },
    };
    this.engine = new GossipEngine(set, this.transport, { fanout: cfg.fanout, rng: Math.random });
    this.unsubscribe = net.onPeer((e) => {
      if (e.state === 'up') this.syncWith(e.peer);
    });
    if (cfg.push) docs.onChange = (doc, update, origin) => this.engine.push(doc, update, origin);
  }

  private replicaOf(doc: string): YDocReplica | undefined {
    const ydoc = this.docs.ydoc(doc);
    if (!ydoc) return undefined;
    let r = this.replicas.get(ydoc);
    if (!r) this.replicas.set(ydoc, (r = new YDocReplica(ydoc)));
    return r;
  }

  /** A full exchange of every doc with one peer (on connect: catch up at once, not a period later). */
  private syncWith(peer: NodeId): void {
    try {
      this.engine.roundWith([peer]);
    } catch (err) {
      this.log.warn({ err, peer }, 'gossip sync failed');
    }
  }

  /** Starts the anti-entropy rounds (the peer network is started by its owner). */
  start(): void {
    this.timer = setInterval(() => {
      try {
        this.engine.round();
      } catch (err) {
        this.log.warn({ err }, 'gossip round failed');
      }
    }, this.cfg.period_ms);
    this.timer.unref();
  }

  status(): GossipStatus {
    const c = this.engine.counters;
    return {
      enabled: true,
      node_id: this.net.id,
      listen: (() => {
        const a = this.net.address();
        return a ? formatAddress(a) : null;
      })(),
      fanout: this.cfg.fanout,
      period_ms: this.cfg.period_ms,
      push: this.cfg.push,
      peers: this.net.status(),
      docs: this.docs.list(1000).map((d) => {
        const at = c.lastSync.get(d.id);
        return { doc: d.id, last_sync: at ? new Date(at).toISOString() : null };
      }),
      counters: {
        rounds: c.rounds,
        sent: c.sent,
        sent_bytes: c.sentBytes,
        received: c.received,
        received_bytes: c.receivedBytes,
      },
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.docs.onChange = undefined;
  }
}
