import { mulberry32 } from '../../random.js';
import type { GossipMessage, GossipTransport } from './gossip.js';

export interface NetworkOptions {
  seed: number;
  /** Probability that any one message is dropped. */
  loss?: number;
  /** A message arrives 0..maxDelay rounds late (uniform). */
  maxDelay?: number;
}

interface Envelope {
  from: string;
  to: string;
  msg: GossipMessage;
}

type Handler = (from: string, msg: GossipMessage) => void;

/**
 * An in-process network for simulation: synchronous rounds, seeded loss, delay in whole rounds,
 * and partitions. Every handler call is timed and charged to the receiving node, so a simulation
 * can tell how long each node was busy in each round.
 */
export class MemoryNetwork {
  readonly rng: () => number;
  round = 0;
  delivered = 0;
  dropped = 0;
  /** ms each node spent handling messages (and whatever else `charge` adds) this round. */
  readonly busy = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly queue = new Map<number, Envelope[]>();
  private group = new Map<string, number>();

  constructor(private readonly opts: NetworkOptions) {
    this.rng = mulberry32(opts.seed);
  }

  join(id: string): MemoryTransport {
    this.ids.push(id);
    return new MemoryTransport(this, id);
  }

  /** Splits the network: messages between different groups are dropped until `heal`. */
  partition(groups: string[][]): void {
    this.group = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.group.set(id, i)));
  }

  heal(): void {
    this.group = new Map();
  }

  /** @internal */
  listen(id: string, h: Handler): void {
    this.handlers.set(id, h);
  }

  /** @internal */
  peersOf(self: string, k: number, rng: () => number): string[] {
    const n = this.ids.length;
    const out: string[] = [];
    if (n <= 1) return out;
    const want = Math.min(k, n - 1);
    while (out.length < want) {
      const id = this.ids[Math.floor(rng() * n)];
      if (id !== self && !out.includes(id)) out.push(id);
    }
    return out;
  }

  allPeers(self: string): string[] {
    return this.ids.filter((id) => id !== self);
  }

  /** @internal */
  post(from: string, to: string, msg: GossipMessage): void {
    if (this.opts.loss && this.rng() < this.opts.loss) return void this.dropped++;
    const ga = this.group.get(from);
    const gb = this.group.get(to);
    if (ga !== undefined && gb !== undefined && ga !== gb) return void this.dropped++;
    const due = this.round + (this.opts.maxDelay ? Math.floor(this.rng() * (this.opts.maxDelay + 1)) : 0);
    let q = this.queue.get(due);
    if (!q) this.queue.set(due, (q = []));
    q.push({ from, to, msg });
  }

  /** Adds `ms` to a node's busy time this round. */
  charge(id: string, ms: number): void {
    this.busy.set(id, (this.busy.get(id) ?? 0) + ms);
  }

  /**
   * When set, every timed span is recorded (round, node, start, end), so a benchmark can later
   * subtract pauses that belong to the shared process (GC of every node's heap at once) rather
   * than to the node that happened to be running.
   */
  trace: { round: number[]; node: string[]; t0: number[]; t1: number[]; cpu: number[] } | undefined;

  /** Runs `fn` as work of node `id`, charging its time. */
  timed<T>(id: string, fn: () => T): T {
    const c0 = this.trace ? process.cpuUsage() : undefined;
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const t1 = performance.now();
      this.charge(id, t1 - t0);
      if (this.trace && c0) {
        // CPU time as well as wall time: on a busy machine, wall spans also hold time slices the
        // OS gave to other processes.
        const c = process.cpuUsage(c0);
        this.trace.round.push(this.round);
        this.trace.node.push(id);
        this.trace.t0.push(t0);
        this.trace.t1.push(t1);
        this.trace.cpu.push((c.user + c.system) / 1000);
      }
    }
  }

  /** Delivers everything due this round, including the replies it causes. */
  flush(): void {
    const q = this.queue.get(this.round);
    if (!q) return;
    for (let i = 0; i < q.length; i++) {
      const e = q[i];
      const h = this.handlers.get(e.to);
      if (!h) continue;
      this.delivered++;
      this.timed(e.to, () => h(e.from, e.msg));
    }
    this.queue.delete(this.round);
  }

  /** Ends the round: returns the slowest node's busy ms and clears the counters. */
  endRound(): number {
    let max = 0;
    for (const v of this.busy.values()) if (v > max) max = v;
    this.busy.clear();
    this.round++;
    return max;
  }
}

export class MemoryTransport implements GossipTransport {
  constructor(
    private readonly net: MemoryNetwork,
    readonly id: string,
  ) {}

  pickPeers(k: number, rng: () => number): string[] {
    return this.net.peersOf(this.id, k, rng);
  }

  connected(): string[] {
    return this.net.allPeers(this.id);
  }

  send(peer: string, msg: GossipMessage): void {
    this.net.post(this.id, peer, msg);
  }

  onMessage(handler: Handler): void {
    this.net.listen(this.id, handler);
  }
}
