import { sha256hex } from './canonical.js';
import { batchDigest, checkRequestMac, isRequest, replyDigest, requestInfo, type RequestInfo } from './batch.js';
import type { ReplicaKeys } from './keys.js';
import {
  commitStatement,
  openSigned,
  signBody,
  type CheckpointBody,
  type Msg,
  type NewViewBody,
  type ReplyBody,
  type Request,
  type Signed,
  type ViewChangeBody,
} from './messages.js';
import { selectNewView, type NewViewDecision } from './new-view.js';
import { bftFaults } from '../vote/quorum.js';

/**
 * One honest PBFT replica as a pure state machine: `receive` and `tick` consume a message or the
 * passage of (simulated or real) time and queue messages; `drain` hands them over. No I/O, no
 * timers, no clock of its own, so a seeded scheduler can drive thousands of schedules quickly and
 * a later transport can drive the same code over sockets.
 */

export interface ReplicaOptions {
  cluster: string;
  id: number;
  keys: ReplicaKeys;
  /** Stable checkpoint every K sequence numbers. */
  checkpointInterval: number;
  /** Watermark window L: sequence numbers in (h, h + L] are accepted. */
  window: number;
  viewChangeTimeoutMs: number;
  retransmitMs: number;
  /** Pre-prepares the primary keeps in flight; requests arriving meanwhile are batched. */
  maxInflight: number;
  batchMax: number;
  /**
   * A batch stops growing past this many bytes of values, and a state-transfer answer past it, so
   * pre-prepares, view changes and state answers stay well under a transport's frame limit.
   */
  batchBytes?: number;
  /** Where the cluster starts: the last persisted commit. */
  base: { seq: number; stateDigest: string; view: number };
  /** Honest replicas accept a value only if it matches the request's schema (null = ok). */
  validate?: (value: unknown, schema: unknown) => string | null;
  /** Where this replica itself left off (a restarted node): its stable checkpoint and what it executed after it. */
  resume?: ResumeState;
  /** Called as each batch is executed (normal case and state transfer), before any reply is sent: persist it here. */
  onExecute?: (s: number, e: Executed, view: number) => void;
  /** Called when a checkpoint becomes stable (its proof is what a restart resumes from). */
  onStable?: (checkpoint: StableCheckpoint) => void;
  /**
   * Repeat normal-case messages only when execution made no progress since the last retransmission
   * (over reliable connections a slow batch is not a lost one; resending it under load only adds load).
   */
  retransmitWhenStalled?: boolean;
  /** Whether 2f other replicas can be reached now (a real network knows; the simulation leaves it unset). */
  quorumReachable?: () => boolean;
  /**
   * Executed batches no longer held in memory (a node's persisted log). With it, the replica keeps
   * only what lies above its stable checkpoint and serves older state transfers from here.
   */
  history?: (s: number) => Executed | undefined;
}

export interface StableCheckpoint {
  s: number;
  d: string;
  proof: Signed[];
}

export interface ResumeState {
  view: number;
  stable: StableCheckpoint;
  /** Executed after the stable checkpoint, in sequence order, without gaps. */
  entries: Array<{ s: number } & Executed>;
}

export interface Out {
  to: number[];
  msg: Msg;
}

export interface Executed {
  d: string;
  /** What replies sign for this batch. */
  rd: string;
  b: Request[];
  /** State digest after this batch: a hash chain over executed batch digests. */
  state: string;
  /** Value digest of each request, in batch order (a reply to a batch of several lists them). */
  vd: string[];
}

interface Slot {
  /** The pre-prepare accepted in view pp.v. */
  pp?: { v: number; d: string; b: Request[]; infos: RequestInfo[] };
  /** Highest-view prepared certificate (PBFT's P set). */
  prepared?: { v: number; d: string };
  /** Digest → highest view it was pre-prepared in (PBFT's Q set). */
  q: Map<string, number>;
  batches: Map<string, Request[]>;
  /** `p|v|d` / `c|v|d` → senders. */
  votes: Map<string, Set<number>>;
  sentPrepareView: number;
  sentCommitView: number;
  committedView: number;
  committedAt: number;
}

const NONE = -1;

export class Replica {
  readonly id: number;
  readonly n: number;
  readonly f: number;
  view: number;
  /** Low watermark: the last stable checkpoint. */
  h: number;
  lastExec: number;
  stateDigest: string;
  inViewChange = false;
  vcTarget: number;
  readonly executed = new Map<number, Executed>();
  /** Sequence → digest conflicts seen when a new view re-issued an executed sequence (must stay 0). */
  conflicts = 0;
  viewChanges = 0;

  private readonly opts: ReplicaOptions;
  private out: Out[] = [];
  private readonly all: number[];
  private readonly slots = new Map<number, Slot>();
  private stable: StableCheckpoint;
  /** Signed checkpoint messages by sequence, then state digest, then sender: 2f+1 alike make a checkpoint stable. */
  private readonly checkpointVotes = new Map<number, Map<string, Map<number, Signed>>>();
  private readonly stateAt = new Map<number, string>();
  private readonly pending = new Map<string, { q: Request; info: RequestInfo }>();
  private readonly executedReqs = new Map<string, number>();
  private readonly replies = new Map<number, Map<number, ReplyBody>>();
  private readonly assigned = new Set<string>();
  private queue: string[] = [];
  private queueHead = 0;
  private seqNext: number;
  private waitingSince: number | null = null;
  /** When 2f+1 view changes for vcTarget were in hand (PBFT starts the new-view timer only then). */
  private vcTimerFrom: number | null = null;
  private vcAttempts = 0;
  /** View-change messages by the view they ask for, then sender (signed message and its opened body). */
  private readonly viewChangeVotes = new Map<number, Map<number, { x: Signed; body: ViewChangeBody }>>();
  private myVc: Signed | null = null;
  private nvMsg: Signed | null = null;
  private lastRetransmit = 0;
  private execAtRetransmit = -1;
  private readonly helped = new Map<string, number>();
  private stateTarget: { s: number; d: string; proof: Signed[] } | null = null;
  /** Our latest signed checkpoint and its sequence (retransmitted until it is stable). */
  private myCheckpoint: { x: Signed; s: number } | null = null;
  private now = 0;

  constructor(opts: ReplicaOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.n = opts.keys.n;
    this.f = bftFaults(this.n);
    this.view = opts.base.view;
    this.vcTarget = opts.base.view;
    this.h = opts.base.seq;
    this.lastExec = opts.base.seq;
    this.stateDigest = opts.base.stateDigest;
    this.stateAt.set(this.h, this.stateDigest);
    this.stable = { s: this.h, d: this.stateDigest, proof: [] };
    this.seqNext = this.h + 1;
    this.all = [];
    for (let j = 0; j < this.n; j++) if (j !== this.id) this.all.push(j);
    if (opts.resume) this.resume(opts.resume);
  }

  private resume(r: ResumeState): void {
    this.view = r.view;
    this.vcTarget = r.view;
    this.stable = r.stable;
    this.h = r.stable.s;
    this.lastExec = r.stable.s;
    this.stateDigest = r.stable.d;
    this.stateAt.set(this.h, this.stateDigest);
    for (const { s, ...e } of r.entries) {
      if (s !== this.lastExec + 1) break;
      this.executed.set(s, e);
      this.stateAt.set(s, e.state);
      for (const q of e.b) this.executedReqs.set(`${q.c}:${q.r}`, s);
      this.lastExec = s;
      this.stateDigest = e.state;
    }
    this.seqNext = this.lastExec + 1;
  }

  /**
   * A peer's connection (re)opened: tell it our view (whichever of us is behind gets the later
   * new-view relayed), show it our stable checkpoint, and ask for what we may have missed.
   */
  greet(to: number, now: number): void {
    this.now = now;
    this.send(to, { t: 'st', v: this.view, i: this.id });
    for (const x of this.stable.proof) this.send(to, { t: 'ck', x });
    this.send(to, { t: 'fetch', from: this.lastExec + 1, to: this.lastExec + this.opts.window, i: this.id });
  }

  /**
   * The local client gave up on request `key` (client:id): stop waiting for it here, so a request
   * that never reached the others cannot drive this replica into a view change of its own. If it
   * is ordered after all, it executes as usual.
   */
  forget(key: string): void {
    if (this.pending.delete(key) && !this.pending.size) this.waitingSince = null;
  }

  /** An executed batch, from memory or (below the stable checkpoint) from the persisted history. */
  private executedAt(s: number): Executed | undefined {
    return this.executed.get(s) ?? (s <= this.h ? this.opts.history?.(s) : undefined);
  }

  primary(v = this.view): number {
    return v % this.n;
  }

  get isPrimary(): boolean {
    return this.primary() === this.id;
  }

  /** Messages produced since the last drain. */
  drain(): Out[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private send(to: number[] | number, msg: Msg): void {
    this.out.push({ to: typeof to === 'number' ? [to] : to, msg });
  }

  private broadcast(msg: Msg): void {
    this.send(this.all, msg);
  }

  private slot(s: number): Slot {
    let x = this.slots.get(s);
    if (!x) {
      x = {
        q: new Map(),
        batches: new Map(),
        votes: new Map(),
        sentPrepareView: NONE,
        sentCommitView: NONE,
        committedView: NONE,
        committedAt: 0,
      };
      this.slots.set(s, x);
    }
    return x;
  }

  private inWindow(s: number): boolean {
    return Number.isInteger(s) && s > this.h && s <= this.h + this.opts.window;
  }

  /** Handles one authenticated message (the transport checked its MAC and sender). */
  receive(from: number, msg: Msg, now: number): void {
    this.now = now;
    switch (msg.t) {
      case 'req':
        return this.onRequest(msg.q);
      case 'pp':
        return this.onPrePrepare(from, msg);
      case 'p':
        return this.onVote('p', from, msg);
      case 'c':
        return this.onVote('c', from, msg);
      case 'ck':
        return this.onCheckpoint(msg.x);
      case 'vc':
        return this.onViewChange(from, msg.x);
      case 'nv':
        return this.onNewView(msg.x);
      case 'fetch':
        return this.onFetch(from, msg);
      case 'state':
        return this.onState(from, msg.e);
      case 'st':
        return this.onStatus(from, msg.v);
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests and the primary's batching

  private checkRequest(q: Request): { info: RequestInfo; error: string | null } | null {
    if (!isRequest(q)) return null;
    const info = requestInfo(q);
    if (!checkRequestMac(this.opts.keys, this.opts.cluster, this.id, q, info)) return null;
    const error = q.s !== undefined && this.opts.validate ? this.opts.validate(q.v, q.s) : null;
    return { info, error };
  }

  private onRequest(q: Request): void {
    const checked = this.checkRequest(q);
    if (!checked) return;
    const { info, error } = checked;
    const done = this.executedReqs.get(info.key);
    if (done !== undefined) {
      // Already executed: answer again, signed in the current view so that every honest replica's
      // answer (also one that caught up by state transfer) lands in the same certificate.
      const reply = this.replies.get(done)?.get(q.c);
      const e = reply && reply.v === this.view ? undefined : this.executedAt(done);
      if (reply && reply.v === this.view) this.send(q.c, reply);
      else if (e) this.reply(done, e, q.c);
      // The client is still asking, so replies do not match: perhaps we sit in different views.
      this.sendStatus();
      return;
    }
    if (error !== null) {
      this.send(q.c, { t: 'rej', c: q.c, r: q.r, why: error, i: this.id });
      return;
    }
    if (this.pending.has(info.key)) return;
    this.pending.set(info.key, { q, info });
    if (this.waitingSince === null) this.waitingSince = this.now;
    if (this.isPrimary && !this.inViewChange) {
      this.queue.push(info.key);
      this.assign();
    }
  }

  /** The primary turns queued requests into pre-prepares while the window and in-flight limit allow. */
  private assign(): void {
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    while (
      this.queueHead < this.queue.length &&
      this.seqNext - 1 - this.lastExec < this.opts.maxInflight &&
      this.seqNext <= this.h + this.opts.window
    ) {
      const batch: Request[] = [];
      const infos: RequestInfo[] = [];
      const maxBytes = this.opts.batchBytes ?? Infinity;
      let bytes = 0;
      while (this.queueHead < this.queue.length && batch.length < this.opts.batchMax && bytes < maxBytes) {
        const key = this.queue[this.queueHead++];
        const p = this.pending.get(key);
        if (!p || this.assigned.has(key) || this.executedReqs.has(key)) continue;
        this.assigned.add(key);
        batch.push(p.q);
        infos.push(p.info);
        bytes += p.info.bytes;
      }
      if (!batch.length) return;
      const s = this.seqNext++;
      const d = batchDigest(infos);
      const slot = this.slot(s);
      slot.pp = { v: this.view, d, b: batch, infos };
      slot.batches.set(d, batch);
      slot.q.set(d, this.view);
      this.broadcast({ t: 'pp', v: this.view, s, d, b: batch, i: this.id });
      this.checkPrepared(s);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Normal case: pre-prepare, prepare, commit

  private onPrePrepare(from: number, m: Extract<Msg, { t: 'pp' }>): void {
    if (m.s <= this.h) return this.helpLaggard(from);
    if (this.inViewChange || m.v !== this.view || from !== this.primary() || !this.inWindow(m.s) || !Array.isArray(m.b)) return;
    const slot = this.slot(m.s);
    if (slot.pp && slot.pp.v === this.view) {
      // A second, different pre-prepare for the same view and sequence: the primary equivocates.
      return;
    }
    const infos: RequestInfo[] = [];
    for (const q of m.b) {
      const known = isRequest(q) ? this.pending.get(`${q.c}:${q.r}`) : undefined;
      if (
        known &&
        known.q.a[this.id] === q.a[this.id] &&
        JSON.stringify(known.q.v) === JSON.stringify(q.v) &&
        JSON.stringify(known.q.s) === JSON.stringify(q.s)
      ) {
        // The very request we already checked (same MAC, same value): skip re-hashing it.
        infos.push(known.info);
        continue;
      }
      if (known) {
        // The client authenticated this request to us directly; the primary's copy may carry an
        // authenticator made under MAC keys since replaced (a reconnect). Same digest (client,
        // id, value, schema): the same request.
        const info = requestInfo(q);
        if (info.digest === known.info.digest) {
          infos.push(info);
          continue;
        }
      }
      const checked = this.checkRequest(q);
      if (!checked || checked.error !== null) return;
      infos.push(checked.info);
    }
    if (batchDigest(infos) !== m.d) return;
    slot.pp = { v: m.v, d: m.d, b: m.b, infos };
    slot.batches.set(m.d, m.b);
    slot.q.set(m.d, Math.max(slot.q.get(m.d) ?? NONE, m.v));
    for (let k = 0; k < m.b.length; k++) {
      const key = infos[k].key;
      if (!this.pending.has(key) && !this.executedReqs.has(key)) {
        this.pending.set(key, { q: m.b[k], info: infos[k] });
        if (this.waitingSince === null) this.waitingSince = this.now;
      }
    }
    this.sendPrepare(m.s, slot);
    this.checkPrepared(m.s);
  }

  private sendPrepare(s: number, slot: Slot): void {
    if (!slot.pp || this.isPrimary) return;
    slot.sentPrepareView = this.view;
    this.vote(slot, 'p', this.view, slot.pp.d, this.id);
    this.broadcast({ t: 'p', v: this.view, s, d: slot.pp.d, i: this.id });
  }

  private vote(slot: Slot, kind: 'p' | 'c', v: number, d: string, from: number): number {
    const k = `${kind}|${v}|${d}`;
    let set = slot.votes.get(k);
    if (!set) {
      set = new Set();
      slot.votes.set(k, set);
    }
    set.add(from);
    return set.size;
  }

  private onVote(kind: 'p' | 'c', from: number, m: { v: number; s: number; d: string }): void {
    if (typeof m.d !== 'string') return;
    if (m.s <= this.h) return this.helpLaggard(from);
    if (this.inViewChange || m.v !== this.view || !this.inWindow(m.s)) return;
    if (kind === 'p' && from === this.primary()) return;
    const slot = this.slot(m.s);
    const votes = this.vote(slot, kind, m.v, m.d, from);
    if (kind === 'c' && votes >= this.f + 1 && m.s > this.lastExec && this.waitingSince === null) {
      // f+1 commits (one honest at least): sequence s is committing in this view. A replica that
      // has nothing pending (its copy of the request was lost, and an equivocating primary gave it
      // another batch) would otherwise never time out nor fetch: wait for s like for a request.
      this.waitingSince = this.now;
    }
    if (slot.committedView === this.view && slot.pp) {
      // Still hearing about a sequence we committed a while ago: the sender is stuck; repeat our commit to it.
      if (this.now - slot.committedAt >= this.opts.retransmitMs) this.helpCommit(from, m.s, slot);
      return;
    }
    if (kind === 'p') this.checkPrepared(m.s);
    else this.checkCommitted(m.s);
  }

  private checkPrepared(s: number): void {
    const slot = this.slot(s);
    const pp = slot.pp;
    if (!pp || pp.v !== this.view || slot.sentCommitView === this.view) return;
    const prepares = slot.votes.get(`p|${this.view}|${pp.d}`)?.size ?? 0;
    if (prepares < 2 * this.f) return;
    slot.prepared = { v: this.view, d: pp.d };
    slot.sentCommitView = this.view;
    this.vote(slot, 'c', this.view, pp.d, this.id);
    this.broadcast({ t: 'c', v: this.view, s, d: pp.d, i: this.id });
    this.checkCommitted(s);
  }

  private checkCommitted(s: number): void {
    const slot = this.slot(s);
    const pp = slot.pp;
    if (!pp || pp.v !== this.view || slot.sentCommitView !== this.view || slot.committedView === this.view) return;
    if ((slot.votes.get(`c|${this.view}|${pp.d}`)?.size ?? 0) < 2 * this.f + 1) return;
    slot.committedView = this.view;
    slot.committedAt = this.now;
    const done = this.executed.get(s);
    if (done) {
      // Re-committed in a later view: same batch (or PBFT's safety is broken), fresh signed replies.
      if (done.d !== pp.d) this.conflicts++;
      else this.reply(s, done);
      return;
    }
    this.execute();
  }

  private execute(): void {
    let progressed = false;
    for (;;) {
      const s = this.lastExec + 1;
      const slot = this.slots.get(s);
      if (!slot?.pp || slot.committedView !== this.view || slot.pp.v !== this.view) break;
      this.apply(s, slot.pp.d, slot.pp.b, slot.pp.infos);
      this.reply(s, this.executed.get(s)!);
      progressed = true;
      if (s % this.opts.checkpointInterval === 0) this.checkpoint(s);
    }
    if (progressed) {
      this.waitingSince = this.pending.size ? this.now : null;
      if (this.isPrimary) this.assign();
    }
  }

  /** Appends a batch to the state; used by execution and by state transfer. */
  private apply(s: number, d: string, b: Request[], infos: RequestInfo[]): void {
    this.stateDigest = sha256hex(`${this.stateDigest}\n${d}`);
    this.lastExec = s;
    this.stateAt.set(s, this.stateDigest);
    const e: Executed = { d, rd: replyDigest(infos), b, state: this.stateDigest, vd: infos.map((x) => x.valueDigest) };
    this.executed.set(s, e);
    for (const info of infos) {
      if (!this.executedReqs.has(info.key)) this.executedReqs.set(info.key, s);
      this.pending.delete(info.key);
      this.assigned.delete(info.key);
    }
    this.opts.onExecute?.(s, e, this.view);
  }

  private reply(s: number, e: Executed, only?: number): void {
    if (!e.b.length) return;
    const g = this.opts.keys.sign(this.id, commitStatement(this.opts.cluster, this.view, s, e.rd));
    const byClient = new Map<number, number[]>();
    for (const q of e.b) {
      if (this.executedReqs.get(`${q.c}:${q.r}`) !== s || (only !== undefined && q.c !== only)) continue;
      const rs = byClient.get(q.c) ?? [];
      rs.push(q.r);
      byClient.set(q.c, rs);
    }
    let forSeq = this.replies.get(s);
    if (!forSeq) {
      forSeq = new Map();
      this.replies.set(s, forSeq);
    }
    for (const [c, rs] of byClient) {
      const r: ReplyBody = { t: 'rep', v: this.view, s, d: e.rd, c, rs, i: this.id, g };
      // A batch of several: the reply lists their value digests, so a client can show that its
      // value is one of those the signed digest covers.
      if (e.vd.length > 1) r.vd = e.vd;
      forSeq.set(c, r);
      this.send(c, r);
    }
  }

  private throttled(key: string): boolean {
    const last = this.helped.get(key);
    if (last !== undefined && this.now - last < this.opts.retransmitMs) return true;
    this.helped.set(key, this.now);
    return false;
  }

  private helpCommit(to: number, s: number, slot: Slot): void {
    if (!slot.pp || this.throttled(`c${to}:${s}`)) return;
    this.send(to, { t: 'c', v: this.view, s, d: slot.pp.d, i: this.id });
  }

  /** A peer speaks about sequences below our stable checkpoint: show it the checkpoint proof. */
  private helpLaggard(to: number): void {
    if (!this.stable.proof.length || this.throttled(`ck${to}`)) return;
    for (const x of this.stable.proof) this.send(to, { t: 'ck', x });
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoints, garbage collection, state transfer

  private checkpoint(s: number): void {
    const body: CheckpointBody = { t: 'ck', s, d: this.stateDigest, i: this.id };
    const x = signBody(this.opts.keys, this.id, body);
    this.myCheckpoint = { x, s };
    this.broadcast({ t: 'ck', x });
    this.addCheckpoint(x, body);
  }

  private onCheckpoint(x: Signed): void {
    const body = openSigned<CheckpointBody>(this.opts.keys, x, 'ck');
    if (!body || body.s <= this.h || body.s % this.opts.checkpointInterval !== 0) return;
    this.addCheckpoint(x, body);
  }

  private addCheckpoint(x: Signed, body: CheckpointBody): void {
    let bySeq = this.checkpointVotes.get(body.s);
    if (!bySeq) {
      bySeq = new Map();
      this.checkpointVotes.set(body.s, bySeq);
    }
    let signers = bySeq.get(body.d);
    if (!signers) {
      signers = new Map();
      bySeq.set(body.d, signers);
    }
    signers.set(body.i, x);
    if (signers.size < 2 * this.f + 1 || body.s <= this.h) return;
    const proof = [...signers.values()].slice(0, 2 * this.f + 1);
    if (this.lastExec >= body.s) {
      if (this.stateAt.get(body.s) === body.d) this.collect(body.s, body.d, proof);
    } else {
      this.requestState({ s: body.s, d: body.d, proof });
    }
  }

  /** Makes checkpoint s stable: the low watermark moves and the protocol log below it is dropped. */
  private collect(s: number, d: string, proof: Signed[]): void {
    if (s <= this.h) return;
    this.stable = { s, d, proof };
    this.h = s;
    for (const k of this.slots.keys()) if (k <= s) this.slots.delete(k);
    for (const k of this.checkpointVotes.keys()) if (k < s) this.checkpointVotes.delete(k);
    this.opts.onStable?.(this.stable);
    if (this.opts.history) this.trim(s);
    if (this.seqNext <= s) this.seqNext = s + 1;
    if (this.isPrimary && !this.inViewChange) this.assign();
  }

  /**
   * With a persisted history, memory keeps only what lies above the stable checkpoint (a node runs
   * for months); request ids are remembered a while longer, to recognise late retransmissions.
   */
  private trim(s: number): void {
    for (const k of this.executed.keys()) if (k < s) this.executed.delete(k);
    for (const k of this.stateAt.keys()) if (k < s) this.stateAt.delete(k);
    for (const k of this.replies.keys()) if (k < s) this.replies.delete(k);
    const keep = s - 4 * this.opts.window;
    if (keep > 0) for (const [k, at] of this.executedReqs) if (at < keep) this.executedReqs.delete(k);
    // Throttle marks (some keyed by sequence): forgetting them only allows one early repeat.
    if (this.helped.size > 4096) this.helped.clear();
  }

  /** Number of protocol-log slots held (what checkpoints garbage-collect). */
  get logSize(): number {
    return this.slots.size;
  }

  get stableCheckpoint(): { s: number; d: string; proof: Signed[] } {
    return this.stable;
  }

  private requestState(target: { s: number; d: string; proof: Signed[] }): void {
    if (this.stateTarget && this.stateTarget.s >= target.s) return;
    this.stateTarget = target;
    this.broadcast({ t: 'fetch', from: this.lastExec + 1, to: target.s, i: this.id });
  }

  private onFetch(from: number, m: { from: number; to: number }): void {
    if (!Number.isInteger(m.from) || !Number.isInteger(m.to) || this.throttled(`f${from}`)) return;
    const e: Array<[number, string, Request[]]> = [];
    const maxBytes = this.opts.batchBytes ?? Infinity;
    let bytes = 0;
    for (
      let s = Math.max(m.from, this.opts.base.seq + 1);
      s <= Math.min(m.to, this.lastExec) && e.length < 256 && bytes < maxBytes;
      s++
    ) {
      const x = this.executedAt(s);
      if (!x) break;
      e.push([s, x.d, x.b]);
      if (maxBytes < Infinity) for (const q of x.b) bytes += JSON.stringify(q.v)?.length ?? 4;
    }
    if (e.length) this.send(from, { t: 'state', e, i: this.id });
  }

  /**
   * Fetched batches are adopted when they hash-chain to a proven checkpoint digest, or in order
   * when f+1 replicas report the same batch at a sequence (at least one of them is honest, and an
   * honest replica executes only what committed).
   */
  private onState(from: number, e: Array<[number, string, Request[]]>): void {
    if (!Array.isArray(e)) return;
    const before = this.lastExec;
    const checked: Array<{ s: number; d: string; b: Request[]; infos: RequestInfo[] }> = [];
    for (const entry of e) {
      if (!Array.isArray(entry) || !Number.isInteger(entry[0]) || !Array.isArray(entry[2]) || !entry[2].every(isRequest)) return;
      const infos = entry[2].map(requestInfo);
      if (batchDigest(infos) !== entry[1]) return;
      checked.push({ s: entry[0], d: entry[1], b: entry[2], infos });
    }
    const target = this.stateTarget;
    if (target && this.lastExec < target.s) {
      let state = this.stateDigest;
      const staged: typeof checked = [];
      for (const x of checked) {
        if (x.s !== this.lastExec + 1 + staged.length) break;
        state = sha256hex(`${state}\n${x.d}`);
        staged.push(x);
        if (x.s === target.s) break;
      }
      if (staged.length && staged[staged.length - 1].s === target.s && state === target.d) {
        for (const x of staged) this.apply(x.s, x.d, x.b, x.infos);
        this.stateTarget = null;
        this.collect(target.s, target.d, target.proof);
      }
    }
    for (const x of checked) {
      // Only the window ahead is tallied: a peer cannot fill memory with far-future entries.
      if (x.s <= this.lastExec || x.s > this.lastExec + this.opts.window) continue;
      const k = `${x.s}|${x.d}`;
      let v = this.stateVotes.get(k);
      if (!v) {
        v = { senders: new Set(), x };
        this.stateVotes.set(k, v);
      }
      v.senders.add(from);
    }
    for (;;) {
      const s = this.lastExec + 1;
      const agreed = [...this.stateVotes.values()].find((v) => v.x.s === s && v.senders.size >= this.f + 1);
      if (!agreed) break;
      this.apply(s, agreed.x.d, agreed.x.b, agreed.x.infos);
      if (s % this.opts.checkpointInterval === 0) this.checkpoint(s);
    }
    for (const [k, v] of this.stateVotes) if (v.x.s <= this.lastExec) this.stateVotes.delete(k);
    // Only real progress restarts the view-change timer: a liar's chatter must not hold it off.
    if (this.lastExec > before) this.waitingSince = this.pending.size ? this.now : null;
    this.execute();
  }

  private readonly stateVotes = new Map<
    string,
    { senders: Set<number>; x: { s: number; d: string; b: Request[]; infos: RequestInfo[] } }
  >();

  // ---------------------------------------------------------------------------------------------
  // View change

  private startViewChange(v: number): void {
    if (v <= this.view || (this.inViewChange && v <= this.vcTarget)) return;
    this.inViewChange = true;
    this.vcTarget = v;
    this.vcTimerFrom = null;
    this.vcAttempts++;
    this.viewChanges++;
    const P: ViewChangeBody['P'] = [];
    const Q: ViewChangeBody['Q'] = [];
    const B: ViewChangeBody['B'] = {};
    for (const [s, slot] of this.slots) {
      if (s <= this.h) continue;
      if (slot.prepared) {
        P.push([s, slot.prepared.v, slot.prepared.d]);
        const b = slot.batches.get(slot.prepared.d);
        if (b) B[slot.prepared.d] = b;
      }
      for (const [d, qv] of slot.q) {
        Q.push([s, d, qv]);
        const b = slot.batches.get(d);
        if (b) B[d] = b;
      }
    }
    const body: ViewChangeBody = { t: 'vc', v, h: this.stable.s, hd: this.stable.d, ck: this.stable.proof, P, Q, B, i: this.id };
    const x = signBody(this.opts.keys, this.id, body);
    this.myVc = x;
    this.broadcast({ t: 'vc', x });
    this.addViewChange(x, body);
  }

  /** A view change is usable if signed, for a later view, and its checkpoint claim is proven. */
  private checkViewChange(x: Signed): ViewChangeBody | null {
    const body = openSigned<ViewChangeBody>(this.opts.keys, x, 'vc');
    if (!body || !Number.isInteger(body.v) || !Array.isArray(body.P) || !Array.isArray(body.Q) || !Array.isArray(body.ck))
      return null;
    if (!body.B || typeof body.B !== 'object') return null;
    if (body.h < this.opts.base.seq) return null;
    if (body.h === this.opts.base.seq) return body.hd === this.opts.base.stateDigest ? body : null;
    if (body.h % this.opts.checkpointInterval !== 0) return null;
    const signers = new Set<number>();
    for (const c of body.ck) {
      const ck = openSigned<CheckpointBody>(this.opts.keys, c, 'ck');
      if (ck && ck.s === body.h && ck.d === body.hd) signers.add(ck.i);
    }
    return signers.size >= 2 * this.f + 1 ? body : null;
  }

  private onViewChange(from: number, x: Signed): void {
    const body = this.checkViewChange(x);
    if (!body || body.i !== from) return;
    if (body.v <= this.view) {
      // The sender missed our new view: relay it (it is signed, so any replica can, not only the primary).
      this.relayNewView(from);
      return;
    }
    this.addViewChange(x, body);
  }

  private addViewChange(x: Signed, body: ViewChangeBody): void {
    let forView = this.viewChangeVotes.get(body.v);
    if (!forView) {
      forView = new Map();
      this.viewChangeVotes.set(body.v, forView);
    }
    forView.set(body.i, { x, body });
    // f+1 replicas want a later view: at least one is honest, so join (the smallest such view).
    const current = this.inViewChange ? this.vcTarget : this.view;
    const highest = new Map<number, number>();
    for (const [v, senders] of this.viewChangeVotes) {
      if (v <= current) continue;
      for (const i of senders.keys()) if (i !== this.id) highest.set(i, Math.max(highest.get(i) ?? 0, v));
    }
    if (highest.size >= this.f + 1) {
      const views = [...highest.values()].sort((a, b) => b - a);
      this.startViewChange(views[this.f]);
    }
    // PBFT's first liveness rule: the timer that moves on to the next view runs only once 2f+1
    // replicas want this one; a replica cut off alone must not race ahead through views.
    if (this.inViewChange && this.vcTimerFrom === null && (this.viewChangeVotes.get(this.vcTarget)?.size ?? 0) >= 2 * this.f + 1)
      this.vcTimerFrom = this.now;
    this.tryNewView(body.v);
  }

  private tryNewView(v: number): void {
    if (this.primary(v) !== this.id || !this.inViewChange || this.vcTarget !== v) return;
    const forView = this.viewChangeVotes.get(v);
    if (!forView || forView.size < 2 * this.f + 1) return;
    const bodies = [...forView.values()].sort((a, b) => a.body.i - b.body.i);
    const decision = selectNewView(
      bodies.map((e) => e.body),
      this.f,
      this.opts.window,
    );
    if (!decision) return;
    const body: NewViewBody = { t: 'nv', v, vcs: bodies.map((e) => e.x), i: this.id };
    const x = signBody(this.opts.keys, this.id, body);
    this.nvMsg = x;
    this.broadcast({ t: 'nv', x });
    this.enterView(v, decision);
  }

  private onNewView(x: Signed): void {
    const body = openSigned<NewViewBody>(this.opts.keys, x, 'nv');
    if (!body || !Number.isInteger(body.v) || body.v <= this.view || this.primary(body.v) !== body.i || !Array.isArray(body.vcs))
      return;
    // Having asked for view vcTarget, a replica never goes back to an earlier one (its signed view
    // change for vcTarget may yet be used without what it would prepare there).
    if (this.inViewChange && body.v < this.vcTarget) return;
    const seen = new Set<number>();
    const vcs: ViewChangeBody[] = [];
    for (const s of body.vcs) {
      const vc = this.checkViewChange(s);
      if (!vc || vc.v !== body.v || seen.has(vc.i)) return;
      seen.add(vc.i);
      vcs.push(vc);
    }
    const decision = selectNewView(vcs, this.f, this.opts.window);
    if (!decision) return;
    this.nvMsg = x;
    this.enterView(body.v, decision);
  }

  private enterView(v: number, d: NewViewDecision): void {
    this.view = v;
    this.vcTarget = v;
    this.inViewChange = false;
    this.vcAttempts = 0;
    for (const k of this.viewChangeVotes.keys()) if (k <= v) this.viewChangeVotes.delete(k);
    this.assigned.clear();
    this.waitingSince = this.pending.size ? this.now : null;
    if (d.h > this.lastExec) this.requestState({ s: d.h, d: d.hd, proof: d.proof });
    else if (d.h > this.h && this.stateAt.get(d.h) === d.hd) this.collect(d.h, d.hd, d.proof);
    let max = Math.max(this.h, d.h, this.lastExec);
    for (const e of d.entries) {
      if (e.s <= this.h) continue;
      max = Math.max(max, e.s);
      const slot = this.slot(e.s);
      const infos = e.b.map(requestInfo);
      slot.pp = { v, d: e.d, b: e.b, infos };
      slot.batches.set(e.d, e.b);
      slot.q.set(e.d, v);
      for (const info of infos) this.assigned.add(info.key);
      this.sendPrepare(e.s, slot);
    }
    for (const e of d.entries) if (e.s > this.h) this.checkPrepared(e.s);
    if (this.isPrimary) {
      this.seqNext = max + 1;
      this.queue = [...this.pending.keys()].filter((k) => !this.assigned.has(k));
      this.queueHead = 0;
      this.assign();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Status (PBFT's repair of missed view changes): a replica left in an older view, e.g. one cut
  // off while the others changed views and with nothing pending that would start its own timer,
  // tells its peers its view; a peer in a later view relays the signed new-view message.

  private sendStatus(): void {
    if (this.throttled('st')) return;
    this.broadcast({ t: 'st', v: this.view, i: this.id });
  }

  private onStatus(from: number, v: number): void {
    if (!Number.isInteger(v)) return;
    if (v < this.view) this.relayNewView(from);
    // The sender is in a later view than ours: our status asks it to relay its new view.
    else if (v > this.view && !this.throttled(`st${from}`)) this.send(from, { t: 'st', v: this.view, i: this.id });
  }

  private relayNewView(to: number): void {
    if (this.nvMsg && !this.inViewChange && !this.throttled(`nv${to}`)) this.send(to, { t: 'nv', x: this.nvMsg });
  }

  // ---------------------------------------------------------------------------------------------
  // Time: view-change timer and retransmission

  tick(now: number): void {
    this.now = now;
    const T = this.opts.viewChangeTimeoutMs;
    if (!this.inViewChange && this.waitingSince !== null && now - this.waitingSince >= T) {
      // Cut off from a quorum, the fault is more likely ours than the primary's, and a view change
      // asked for alone would only strand this replica outside the view the others stay in.
      if (this.opts.quorumReachable && !this.opts.quorumReachable()) this.waitingSince = now;
      else this.startViewChange(this.view + 1);
    } else if (
      this.inViewChange &&
      this.vcTimerFrom !== null &&
      now - this.vcTimerFrom >= T * 2 ** Math.min(this.vcAttempts, 6)
    ) {
      // No new view in time: the next primary may be faulty too; try the view after.
      this.startViewChange(this.vcTarget + 1);
    }
    if (now - this.lastRetransmit < this.opts.retransmitMs) return;
    this.lastRetransmit = now;
    this.retransmit();
  }

  /** PBFT assumes lossy links: repeat what peers may have missed until it is settled. */
  private retransmit(): void {
    if (this.stateTarget && this.lastExec < this.stateTarget.s) {
      this.broadcast({ t: 'fetch', from: this.lastExec + 1, to: this.stateTarget.s, i: this.id });
    } else if (this.waitingSince !== null && this.now - this.waitingSince >= this.opts.retransmitMs) {
      // Waiting a while: perhaps the others executed it and we lost the messages (or moved to a
      // view change alone). Ask; f+1 matching answers suffice.
      this.broadcast({ t: 'fetch', from: this.lastExec + 1, to: this.lastExec + this.opts.window, i: this.id });
      this.sendStatus();
    }
    if (this.inViewChange) {
      if (this.myVc) this.broadcast({ t: 'vc', x: this.myVc });
      return;
    }
    const stalled = this.lastExec === this.execAtRetransmit;
    this.execAtRetransmit = this.lastExec;
    for (const [s, slot] of this.slots) {
      if (this.opts.retransmitWhenStalled && !stalled) break;
      if (s <= this.lastExec || !slot.pp || slot.pp.v !== this.view) continue;
      if (this.isPrimary) this.broadcast({ t: 'pp', v: this.view, s, d: slot.pp.d, b: slot.pp.b, i: this.id });
      else if (slot.sentPrepareView === this.view) this.broadcast({ t: 'p', v: this.view, s, d: slot.pp.d, i: this.id });
      if (slot.sentCommitView === this.view) this.broadcast({ t: 'c', v: this.view, s, d: slot.pp.d, i: this.id });
    }
    if (this.myCheckpoint && this.myCheckpoint.s > this.h) this.broadcast({ t: 'ck', x: this.myCheckpoint.x });
    if (this.isPrimary) this.assign();
  }
}
