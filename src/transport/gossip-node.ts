import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { DOC_ID_RE } from '../patterns/crdt/codec.js';
import type { DocStore } from '../patterns/crdt/docs.js';
import { GossipEngine, type Replica, type ReplicaSet } from '../patterns/crdt/gossip.js';
import { YDocReplica, deleteSetDigest, withCount } from '../patterns/crdt/replica.js';
import { WsGossipTransport, type PeerStatus } from './gossip-ws.js';

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

export interface GossipStatus {
  enabled: boolean;
  listen_url: string | null;
  fanout: number;
  period_ms: number;
  peers: PeerStatus[];
  docs: Array<{ doc: string; last_sync: string | null }>;
  counters: { rounds: number; sent: number; sent_bytes: number; received: number; received_bytes: number };
}

/**
 * Gossip for a server: the DocStore's documents as replicas, the WebSocket transport, an
 * anti-entropy round every period, an immediate round with each peer as it connects, and every
 * local change pushed to connected peers at once. Updates from peers are merged through the
 * DocStore (persisted before they count as received), and pushed on to the other peers.
 */
export class GossipNode {
  readonly transport: WsGossipTransport;
  readonly engine: GossipEngine;
  private timer: NodeJS.Timeout | undefined;
  private readonly replicas = new WeakMap<Y.Doc, YDocReplica>();

  constructor(private readonly docs: DocStore, private readonly cfg: Config['gossip'], token: string | undefined, private readonly log: Logger) {
    this.transport = new WsGossipTransport({
      host: cfg.host, port: cfg.port, peers: cfg.peers, token,
      backoffBaseMs: cfg.backoff_base_ms, backoffMaxMs: cfg.backoff_max_ms, maxFrameBytes: cfg.max_frame_bytes, log,
    });
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
    this.transport.onOpen = (peer) => this.syncWith(peer);
    docs.onChange = (doc, update, origin) => this.engine.push(doc, update, origin);
  }

  private replicaOf(doc: string): YDocReplica | undefined {
    const ydoc = this.docs.ydoc(doc);
    if (!ydoc) return undefined;
    let r = this.replicas.get(ydoc);
    if (!r) this.replicas.set(ydoc, (r = new YDocReplica(ydoc)));
    return r;
  }

  /** A full exchange of every doc with one peer (on connect: catch up at once, not a period later). */
  private syncWith(peer: string): void {
    try {
      this.engine.roundWith([peer]);
    } catch (err) {
      this.log.warn({ err, peer }, 'gossip sync failed');
    }
  }

  async start(): Promise<void> {
    await this.transport.start();
    if (this.transport.url) this.log.info({ url: this.transport.url, peers: this.cfg.peers }, 'gossip listening');
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
      listen_url: this.transport.url ?? null,
      fanout: this.cfg.fanout,
      period_ms: this.cfg.period_ms,
      peers: this.transport.status(),
      docs: this.docs.list(1000).map((d) => {
        const at = c.lastSync.get(d.id);
        return { doc: d.id, last_sync: at ? new Date(at).toISOString() : null };
      }),
      counters: { rounds: c.rounds, sent: c.sent, sent_bytes: c.sentBytes, received: c.received, received_bytes: c.receivedBytes },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.docs.onChange = undefined;
    await this.transport.close();
  }
}
