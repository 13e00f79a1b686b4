import { GossipEngine, type Replica, type ReplicaSet } from './gossip.js';
import { mulberry32 } from '../../random.js';
import { MemoryNetwork, type NetworkOptions } from './memory-transport.js';

export interface ClusterOptions<R extends Replica> extends NetworkOptions {
  n: number;
  fanout: number;
  /** The replica of node `i` (holding that node's own edits). */
  make(i: number): R;
  /** Integrates the updates a node received in one exchange wave, in one batch. */
  apply(replica: R, updates: Uint8Array[]): void;
  doc?: string;
}

export interface ClusterNode<R extends Replica> {
  id: string;
  replica: R;
  engine: GossipEngine;
  inbox: Uint8Array[];
}

export interface RoundStats {
  /** The slowest node's processing this round (ms). */
  slowestMs: number;
  messages: number;
}

/**
 * N nodes gossiping one document over a MemoryNetwork in synchronous rounds. A round is `fanout`
 * exchange waves: in each wave every node starts one push-pull exchange with a random peer, all
 * messages due are delivered (replies included), then each node integrates what the wave brought
 * in one Yjs transaction (a transaction costs two state-vector snapshots, so one per message
 * would dominate). Exchanges of one node run one after another, as a real node that waits for
 * each peer's answer before asking the next, so a later exchange does not re-fetch what an
 * earlier one brought.
 */
export class Cluster<R extends Replica> {
  readonly net: MemoryNetwork;
  readonly nodes: ClusterNode<R>[] = [];
  readonly doc: string;
  readonly history: RoundStats[] = [];

  constructor(private readonly opts: ClusterOptions<R>) {
    this.net = new MemoryNetwork(opts);
    this.doc = opts.doc ?? 'doc';
    for (let i = 0; i < opts.n; i++) {
      const id = `n${i}`;
      const replica = opts.make(i);
      const node = { id, replica, inbox: [] as Uint8Array[] } as ClusterNode<R>;
      const doc = this.doc;
      const set: ReplicaSet = {
        ids: () => [doc],
        get: (d) => (d === doc ? replica : undefined),
        create: () => undefined,
        receive: (_d, update) => void node.inbox.push(update),
      };
      node.engine = new GossipEngine(
        set,
        this.net.join(id),
        { fanout: opts.fanout, rng: mulberry32(opts.seed * 7919 + i) },
        () => this.net.round,
      );
      this.nodes.push(node);
    }
  }

  /** One round; returns its stats. */
  step(): RoundStats {
    const before = this.net.delivered;
    for (let wave = 0; wave < this.opts.fanout; wave++) {
      for (const node of this.nodes) this.net.timed(node.id, () => node.engine.round(1));
      this.net.flush();
      for (const node of this.nodes) {
        if (!node.inbox.length) continue;
        const batch = node.inbox;
        node.inbox = [];
        this.net.timed(node.id, () => this.opts.apply(node.replica, batch));
      }
    }
    const stats = { slowestMs: this.net.endRound(), messages: this.net.delivered - before };
    this.history.push(stats);
    return stats;
  }

  /** Steps until `done()` or `maxRounds`; returns the rounds taken (or -1 if it never got there). */
  runUntil(done: () => boolean, maxRounds: number): number {
    for (let r = 1; r <= maxRounds; r++) {
      this.step();
      if (done()) return r;
    }
    return -1;
  }

  totals(): { sent: number; sentBytes: number } {
    let sent = 0;
    let sentBytes = 0;
    for (const n of this.nodes) {
      sent += n.engine.counters.sent;
      sentBytes += n.engine.counters.sentBytes;
    }
    return { sent, sentBytes };
  }
}
