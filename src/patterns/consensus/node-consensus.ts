import { SixfoldError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { NAMESPACE_RE } from '../../memory/schemas.js';
import { mulberry32 } from '../../random.js';
import { bftFaults } from '../vote/quorum.js';
import { Liar, type Behavior } from './byzantine.js';
import { sha256hex, valueDigest } from './canonical.js';
import { genesis } from './cluster.js';
import { publicKeyToText } from './node-keys.js';
import type { Transport } from './network.js';
import type { NodeKeys } from './node-keys.js';
import type { NodeLogEntry, NodeLogStore } from './node-store.js';
import type { KeyObject } from 'node:crypto';
import { ClientNode, ReplicaNode, type Certificate } from './nodes.js';
import { Replica } from './pbft.js';

/**
 * PBFT across real nodes: this node is replica `self` of the members (sorted node ids) and also
 * a client that may propose. The replica state machine and the client are the simulation's
 * (pbft.ts, nodes.ts); what changes is underneath: messages go over the peer network's consensus
 * channel (`NodeLink`), keys are this node's own (NodeKeys), time is the real clock, and every
 * executed batch is written to this node's own database before it replies.
 *
 * One node holds several independent logs, one per name (byzantine_propose's `cluster`), each a
 * PBFT instance of its own whose statements are named "nodes/<members hash>/<name>". A log is
 * opened when this node proposes to it, when a peer speaks about it, or at start if persisted.
 *
 * On the wire a message is [name, to, wire], `wire` being the simulation's text form: sender and
 * JSON body, without the simulation's MAC per message, because the peer layer's mutual TLS already
 * authenticates the sending node and protects the bytes. The sender written in `wire` must be one
 * of that node's two parties, so no node can speak for another. Client requests keep their MAC
 * authenticators (one per replica, keys from the TLS exporter): the primary relays them.
 */
export interface NodeLink {
  /** Sends a body to member `member` on the consensus channel; false if it could not be queued. */
  send(member: number, body: unknown): boolean;
  isConnected(member: number): boolean;
}

export interface NodeTiming {
  viewChangeTimeoutMs: number;
  retransmitMs: number;
  tickMs: number;
  checkpointInterval: number;
  window: number;
  maxInflight: number;
  batchMax: number;
  /** Bytes of values per batch (and per state-transfer answer). */
  batchBytes: number;
}

export interface TestFault {
  behavior: Behavior;
  delayMs?: number;
}

export interface NodeConsensusOptions {
  /** Every member's node id, sorted (this node's included): index = replica number. */
  members: readonly string[];
  self: number;
  keys: NodeKeys;
  link: NodeLink;
  store: NodeLogStore;
  timing: NodeTiming;
  /** Logs (names) one node holds at most. */
  maxLogs: number;
  /** Tests only: this node lies to its peers (the simulation's behaviours). */
  fault?: TestFault;
  validate?: (value: unknown, schema: unknown) => string | null;
  log: Logger;
}

export interface NodeCounters {
  /** Consensus messages sent to other nodes, and their bytes (the wire text). */
  messages_sent: number;
  bytes_sent: number;
  /** Messages between this node's own client and replica (in process). */
  local_messages: number;
  messages_received: number;
  /** Refused: malformed, or a sender speaking for another node. */
  dropped: number;
  /** Not sent: the peer was not connected (or its queue was full); PBFT retransmits. */
  unsent: number;
}

export interface NodeProposal {
  committed: boolean;
  digest: string;
  certificate: Certificate | null;
  reason?: string;
  view: number;
  viewChanges: number;
}

export interface NodeLogStatus {
  cluster: string;
  statement_cluster: string;
  n: number;
  f: number;
  quorum: number;
  self: number;
  view: number;
  primary: number;
  in_view_change: boolean;
  last_executed: number;
  stable_checkpoint: number;
}

interface Group {
  name: string;
  statement: string;
  replica: Replica;
  node: ReplicaNode;
  client: ClientNode;
  waiters: Map<number, () => void>;
  /** Sequences whose certificate this node stored (recently). */
  certified: Set<number>;
}

/** The 128-bit hash of a member list that names its consensus group. */
export function membersDigest(members: readonly string[]): string {
  return sha256hex(`sixfold-consensus-members\n${[...members].sort().join('\n')}`).slice(0, 32);
}

export function statementCluster(digest: string, name: string): string {
  return `nodes/${digest}/${name}`;
}

export class NodeConsensus {
  readonly n: number;
  readonly f: number;
  readonly digest: string;
  readonly counters: NodeCounters = {
    messages_sent: 0,
    bytes_sent: 0,
    local_messages: 0,
    messages_received: 0,
    dropped: 0,
    unsent: 0,
  };
  /** Peers that announced a different member list (they cannot take part; see status). */
  readonly mismatched = new Set<number>();
  private readonly groups = new Map<string, Group>();
  private readonly keyTexts = new Map<number, string>();
  private readonly executedListeners = new Set<(name: string, seq: number) => void>();
  private readonly timer: NodeJS.Timeout;
  private warnedFull = false;
  private closed = false;

  constructor(private readonly o: NodeConsensusOptions) {
    this.n = o.members.length;
    this.f = bftFaults(this.n);
    this.digest = membersDigest(o.members);
    if (this.n < 4)
      throw new SixfoldError(
        'config',
        `PBFT across nodes needs at least 4 nodes (3f+1 with f >= 1); this cluster has ${this.n}.`,
        'Add nodes to cluster.peers.',
      );
    if (o.fault)
      o.log.warn(
        { behavior: o.fault.behavior, delay_ms: o.fault.delayMs },
        'UNSAFE TEST FAULT: this node lies to its consensus peers (SIXFOLD_TEST_FAULT with --unsafe-test-faults); never run this outside a test',
      );
    // Logs persisted by an earlier run resume at once, so a restarted node catches up on all of them.
    const prefix = statementCluster(this.digest, '');
    for (const g of o.store.groups(prefix)) this.open(g.slice(prefix.length));
    this.timer = setInterval(() => this.tick(), o.timing.tickMs);
    this.timer.unref();
  }

  get members(): readonly string[] {
    return this.o.members;
  }

  get self(): number {
    return this.o.self;
  }

  private now(): number {
    return performance.now();
  }

  /** Called after each batch this node's replica executes (and persisted); returns an unsubscribe function. */
  onExecuted(listener: (name: string, seq: number) => void): () => void {
    this.executedListeners.add(listener);
    return () => this.executedListeners.delete(listener);
  }

  /** Node ids of the peers connected now. */
  connectedPeers(): string[] {
    return this.o.members.filter((_, m) => m !== this.o.self && this.o.link.isConnected(m));
  }

  /** A member's public key, if known here (its own, a connected peer's, or remembered). */
  publicKey(member: number): KeyObject | undefined {
    return this.o.keys.pub.keyOf(member);
  }

  /** The same as raw Ed25519 bytes, base64url (what certificates and consensus://{cluster}/keys show). */
  publicKeyText(member: number): string | undefined {
    let text = this.keyTexts.get(member);
    if (text === undefined) {
      const key = this.publicKey(member);
      if (!key) return undefined;
      text = publicKeyToText(key);
      this.keyTexts.set(member, text);
    }
    return text;
  }

  /** The name certificates of log `name` sign (it binds the member list). */
  statementOf(name: string): string {
    return statementCluster(this.digest, name);
  }

  /** This node's persisted log `name`: entries with sequence > after, oldest first, and the total. */
  log(name: string, after: number, limit: number): { entries: NodeLogEntry[]; total: number; last: number } {
    const statement = this.statementOf(name);
    return { entries: this.o.store.log(statement, after, limit, this.n), ...this.o.store.count(statement) };
  }

  /** Names of the logs open on this node. */
  names(): string[] {
    return [...this.groups.keys()].sort();
  }

  private open(name: string): Group | undefined {
    const have = this.groups.get(name);
    if (have) return have;
    if (this.closed || !NAMESPACE_RE.test(name)) return undefined;
    if (this.groups.size >= this.o.maxLogs) {
      if (!this.warnedFull)
        this.o.log.warn(
          { max_logs: this.o.maxLogs },
          'consensus: this node holds its maximum number of logs; a new name is refused',
        );
      this.warnedFull = true;
      return undefined;
    }
    const { o } = this;
    const t = o.timing;
    const statement = statementCluster(this.digest, name);
    const base = genesis(statement);
    const resume = o.store.resume(statement, base.stateDigest);
    const replica: Replica = new Replica({
      cluster: statement,
      id: o.self,
      keys: o.keys,
      base,
      resume,
      validate: o.validate,
      checkpointInterval: t.checkpointInterval,
      window: t.window,
      viewChangeTimeoutMs: t.viewChangeTimeoutMs,
      retransmitMs: t.retransmitMs,
      maxInflight: t.maxInflight,
      batchMax: t.batchMax,
      batchBytes: t.batchBytes,
      retransmitWhenStalled: true,
      quorumReachable: () => this.connectedPeers().length >= 2 * this.f,
      onExecute: (s, e, view) => {
        o.store.append(statement, s, e, view);
        for (const l of this.executedListeners) l(name, s);
      },
      onStable: (c) => o.store.saveCheckpoint(statement, c, replica.view),
      history: (s) => o.store.executed(statement, s),
    });
    const transport = new GroupTransport(this, name);
    const liar = o.fault
      ? new Liar(
          { replica: o.self, behavior: o.fault.behavior, delayMs: o.fault.delayMs },
          mulberry32(0x51f0 + o.self),
          4 * t.viewChangeTimeoutMs,
        )
      : null;
    // Between nodes the TLS channel authenticates every message; within this node, nothing crosses a boundary.
    const node = new ReplicaNode(replica, o.keys, transport, liar, false, true);
    // Over TCP a request is lost only with its connection: the client resends on the view-change
    // timer's scale, not the replicas' retransmission period (a long queue is not a loss).
    const client = new ClientNode(
      this.n + o.self,
      statement,
      o.keys,
      transport,
      Math.max(t.retransmitMs, t.viewChangeTimeoutMs / 2),
      true,
    );
    // Replicas remember executed request ids: ids from the clock stay unique across restarts.
    client.startIdsAt(Date.now() * 1000);
    client.verifyOnArrival = true;
    const g: Group = { name, statement, replica, node, client, waiters: new Map(), certified: new Set() };
    transport.group = g;
    client.onSettled = (r) => g.waiters.get(r)?.();
    this.groups.set(name, g);
    if (resume)
      o.log.info(
        { cluster: name, last_executed: replica.lastExec, stable: replica.h, view: replica.view },
        "consensus log resumed from this node's database",
      );
    const now = this.now();
    for (let m = 0; m < this.n; m++) if (m !== o.self && o.link.isConnected(m)) this.guard(() => node.greet(m, now));
    return g;
  }

  /** A member's connection (re)opened: check it agrees on the member list, then catch up with it in every log. */
  peerUp(member: number): void {
    if (this.closed || member === this.o.self) return;
    this.o.link.send(member, { m: this.digest });
    const now = this.now();
    for (const g of this.groups.values()) this.guard(() => g.node.greet(member, now));
  }

  /** One message from member `from` (authenticated by the peer layer). */
  receive(from: number, body: unknown): void {
    if (this.closed) return;
    if (!Array.isArray(body)) {
      const m = (body as { m?: unknown } | null)?.m;
      if (typeof m !== 'string') return void this.counters.dropped++;
      if (m === this.digest) this.mismatched.delete(from);
      else if (!this.mismatched.has(from)) {
        this.mismatched.add(from);
        this.o.log.warn(
          { peer: this.o.members[from] },
          'consensus: this peer has a different member list (cluster.peers differ between nodes); it cannot take part until both lists name the same nodes',
        );
      }
      return;
    }
    const [name, to, wire] = body as unknown[];
    const { n, self } = this;
    if (body.length !== 3 || typeof name !== 'string' || typeof wire !== 'string' || (to !== self && to !== n + self))
      return void this.counters.dropped++;
    const sp = wire.indexOf(' ');
    const sender = sp > 0 ? Number(wire.slice(0, sp)) : NaN;
    if (sender !== from && sender !== n + from) return void this.counters.dropped++;
    const g = this.open(name);
    if (!g) return void this.counters.dropped++;
    this.counters.messages_received++;
    this.deliver(g, sender, to, wire);
  }

  /** Hands a message to this node's replica or client. */
  deliver(g: Group, from: number, to: number, wire: string): void {
    const now = this.now();
    if (to === this.o.self) g.node.deliver(from, wire, now);
    else g.client.deliver(from, wire, now);
  }

  /** Runs protocol work triggered outside a peer message (timers, local delivery): an error is logged, not thrown. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error({ err }, 'consensus step failed');
    }
  }

  sendRemote(member: number, name: string, to: number, wire: string): void {
    if (this.o.link.send(member, [name, to, wire])) {
      this.counters.messages_sent++;
      this.counters.bytes_sent += wire.length;
    } else {
      this.counters.unsent++;
    }
  }

  private tick(): void {
    const now = this.now();
    for (const g of this.groups.values()) {
      this.guard(() => {
        g.node.tick(now);
        g.client.tick(now);
      });
    }
  }

  /**
   * Proposes a value to log `name` as this node's client: resolves with the certificate (2f+1
   * signatures from distinct members on one view, sequence and digest), a rejection by f+1
   * members, or the reason nothing came back in time.
   */
  async propose(
    name: string,
    value: unknown,
    schema: unknown,
    opts: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<NodeProposal> {
    const g = this.open(name);
    if (!g) {
      throw new SixfoldError(
        'unavailable',
        `This node already holds ${this.o.maxLogs} consensus logs and opens no new one.`,
        `Propose to one of: ${this.names().slice(0, 10).join(', ')}; or raise consensus.max_logs on every node.`,
      );
    }
    const digest = valueDigest(value);
    const view0 = g.replica.view;
    const r = g.client.propose(value, schema, this.now());
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', done);
        g.waiters.delete(r);
        resolve();
      };
      const timer = setTimeout(done, opts.timeoutMs);
      g.waiters.set(r, done);
      opts.signal?.addEventListener('abort', done, { once: true });
    });
    const res = g.client.result(r);
    g.client.forget(r);
    if (!res.cert) g.replica.forget(`${this.n + this.o.self}:${r}`);
    if (!res.cert && opts.signal?.aborted)
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('cancelled');
    const view = res.cert?.view ?? g.replica.view;
    const base = { digest, view, viewChanges: Math.max(0, view - view0) };
    if (res.cert) {
      const c = res.cert;
      // One certificate per sequence is kept (the values of a batch share it), written after the
      // answer is on its way: it is a convenience copy for consensus://{cluster}/log, the caller has it.
      if (!g.certified.has(c.seq)) {
        if (g.certified.size >= 4096) g.certified.clear();
        g.certified.add(c.seq);
        setImmediate(() =>
          this.guard(() =>
            this.o.store.saveCertificate(g.statement, {
              seq: c.seq,
              view: c.view,
              digest: c.digest,
              signatures: c.signatures,
              batch: c.batch,
            }),
          ),
        );
      }
      return { ...base, committed: true, certificate: c };
    }
    const quorum = 2 * this.f + 1;
    if (res.rejects.size >= this.f + 1) {
      const why = [...res.rejects.values()][0];
      return {
        ...base,
        committed: false,
        certificate: null,
        reason: `Rejected by ${res.rejects.size} of ${this.n} nodes (f+1 = ${this.f + 1} include an honest one): ${why}`,
      };
    }
    const up = this.connectedPeers().length;
    const odd = this.mismatched.size
      ? ` ${this.mismatched.size} peer(s) have a different member list (check cluster.peers on every node).`
      : '';
    return {
      ...base,
      committed: false,
      certificate: null,
      reason:
        `No certificate within ${opts.timeoutMs} ms: ${quorum} matching signatures from distinct nodes are needed (n = ${this.n}, f = ${this.f}), the most that agreed was ${res.best}; ` +
        `this node is connected to ${up} of its ${this.n - 1} peers.${odd} With more than f = ${this.f} nodes down or lying PBFT cannot commit; ` +
        `the request may still commit later if enough nodes recover (see consensus://${name}/log).`,
    };
  }

  status(name: string): NodeLogStatus | undefined {
    const g = this.groups.get(name);
    if (!g) return undefined;
    const r = g.replica;
    return {
      cluster: name,
      statement_cluster: g.statement,
      n: this.n,
      f: this.f,
      quorum: 2 * this.f + 1,
      self: this.o.self,
      view: r.view,
      primary: r.primary(),
      in_view_change: r.inViewChange,
      last_executed: r.lastExec,
      stable_checkpoint: r.h,
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const g of this.groups.values()) for (const w of [...g.waiters.values()]) w();
  }
}

/** One log's side of the network: parties of other nodes over the link, this node's own in process. */
class GroupTransport implements Transport {
  group: Group | undefined;

  constructor(
    private readonly c: NodeConsensus,
    private readonly name: string,
  ) {}

  send(from: number, to: number, wire: string, extraDelayMs = 0): void {
    const member = to < this.c.n ? to : to - this.c.n;
    if (member === this.c.self) {
      this.c.counters.local_messages++;
      const g = this.group;
      if (g) queueMicrotask(() => this.c.guard(() => this.c.deliver(g, from, to, wire)));
      return;
    }
    if (extraDelayMs > 0) {
      const t = setTimeout(() => this.c.sendRemote(member, this.name, to, wire), extraDelayMs);
      t.unref();
    } else {
      this.c.sendRemote(member, this.name, to, wire);
    }
  }
}
