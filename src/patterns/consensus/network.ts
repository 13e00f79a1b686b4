import { mulberry32 } from '../../random.js';

/**
 * The network between replicas. `Transport` is all a replica node needs (send bytes to a peer);
 * `SimNetwork` implements it in simulated time with a seeded scheduler, so one seed replays one
 * exact interleaving of delays, drops, duplicates, reorderings and partitions. A later transport
 * (processes, machines) implements the same interface over real sockets and timers.
 */
export interface Transport {
  send(from: number, to: number, wire: string, extraDelayMs?: number): void;
}

export interface Endpoint {
  readonly id: number;
  deliver(from: number, wire: string, now: number): void;
  tick(now: number): void;
}

export interface Partition {
  startMs: number;
  endMs: number;
  /** Parties in different groups cannot reach each other meanwhile; parties in no group reach everyone. */
  groups: number[][];
}

export interface NetworkFaults {
  minDelayMs: number;
  maxDelayMs: number;
  dropRate: number;
  duplicateRate: number;
  /** Chance a message is held back by up to 5 × maxDelayMs more, overtaking order. */
  reorderRate: number;
  partitions: Partition[];
  /** From this time on nothing is dropped or partitioned (the network "delivers eventually"). */
  healAtMs: number;
}

export const CALM: NetworkFaults = {
  minDelayMs: 0.05,
  maxDelayMs: 0.5,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  partitions: [],
  healAtMs: 0,
};

interface Event {
  at: number;
  order: number;
  to: number;
  from: number;
  /** null: a tick for every endpoint. */
  wire: string | null;
}

/** A binary min-heap on (at, order): equal times run in the order they were scheduled. */
class EventQueue {
  private readonly a: Event[] = [];
  get size(): number {
    return this.a.length;
  }
  private less(x: Event, y: Event): boolean {
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }
  push(e: Event): void {
    const a = this.a;
    let i = a.length;
    a.push(e);
    // Sift up by moving parents down (no swaps, no allocations).
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = e;
  }
  pop(): Event | undefined {
    const a = this.a;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    const len = a.length;
    if (len) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        const m = r < len && this.less(a[r], a[l]) ? r : l;
        if (!this.less(a[m], last)) break;
        a[i] = a[m];
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

export interface NetworkStats {
  messages: number;
  bytes: number;
  dropped: number;
  duplicated: number;
}

export class SimNetwork implements Transport {
  now = 0;
  readonly stats: NetworkStats = { messages: 0, bytes: 0, dropped: 0, duplicated: 0 };
  private readonly rng: () => number;
  private readonly queue = new EventQueue();
  private readonly endpoints = new Map<number, Endpoint>();
  private order = 0;

  constructor(
    seed: number,
    private readonly faults: NetworkFaults = CALM,
    private readonly tickMs = 5,
  ) {
    this.rng = mulberry32(seed);
    this.push({ at: tickMs, to: -1, from: -1, wire: null });
  }

  attach(e: Endpoint): void {
    this.endpoints.set(e.id, e);
  }

  private push(e: Omit<Event, 'order'>): void {
    this.queue.push({ ...e, order: this.order++ });
  }

  private cut(from: number, to: number): boolean {
    for (const p of this.faults.partitions) {
      if (this.now < p.startMs || this.now >= p.endMs || this.now >= this.faults.healAtMs) continue;
      const gf = p.groups.findIndex((g) => g.includes(from));
      const gt = p.groups.findIndex((g) => g.includes(to));
      if (gf >= 0 && gt >= 0 && gf !== gt) return true;
    }
    return false;
  }

  private delay(): number {
    const f = this.faults;
    let d = f.minDelayMs + this.rng() * (f.maxDelayMs - f.minDelayMs);
    if (f.reorderRate > 0 && this.rng() < f.reorderRate) d += this.rng() * 5 * f.maxDelayMs;
    return d;
  }

  send(from: number, to: number, wire: string, extraDelayMs = 0): void {
    this.stats.messages++;
    this.stats.bytes += wire.length;
    const lossy = this.now < this.faults.healAtMs;
    if ((lossy && this.faults.dropRate > 0 && this.rng() < this.faults.dropRate) || this.cut(from, to)) {
      this.stats.dropped++;
      return;
    }
    this.push({ at: this.now + this.delay() + extraDelayMs, to, from, wire });
    if (this.faults.duplicateRate > 0 && this.rng() < this.faults.duplicateRate) {
      this.stats.duplicated++;
      this.push({ at: this.now + this.delay() + extraDelayMs, to, from, wire });
    }
  }

  /**
   * Runs events in time order until `done()` holds, simulated time passes `untilMs`, or
   * `maxEvents` ran. Returns whether `done()` held.
   */
  run(done: () => boolean, untilMs: number, maxEvents = Infinity): boolean {
    let events = 0;
    while (!done()) {
      if (events++ >= maxEvents) return false;
      const e = this.queue.pop();
      if (!e || e.at > untilMs) {
        if (e) this.queue.push(e);
        this.now = Math.max(this.now, untilMs);
        return done();
      }
      this.now = e.at;
      if (e.wire === null) {
        for (const ep of this.endpoints.values()) ep.tick(this.now);
        this.push({ at: this.now + this.tickMs, to: -1, from: -1, wire: null });
      } else {
        this.endpoints.get(e.to)?.deliver(e.from, e.wire, this.now);
      }
    }
    return true;
  }
}
