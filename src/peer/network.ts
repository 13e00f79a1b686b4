/**
 * The peer network: one authenticated connection per pair of nodes, carrying framed messages on
 * typed channels. Every cluster pattern (crdt gossip, consensus, aggregation) uses this one layer.
 *
 * - Who may connect: exactly the configured peers (cluster.peers), by node id; the transport
 *   refuses anyone else when the handshake completes.
 * - One connection per pair: both sides may dial; when two connections meet, both ends keep the
 *   one dialled by the smaller node id (the same rule on both ends, so they agree). To make that
 *   rare, the smaller id dials at once and the larger only after a grace period without a
 *   connection (it still dials, so a peer that does not know our address is reached).
 * - A connection is open once each side has received the other's HELLO frame.
 * - Sending: `send` writes a frame, or returns false when the peer is not connected or its queue
 *   (bytes not yet taken by the OS) is over cluster.queue_bytes: that is the backpressure signal,
 *   and `drained(peer)` waits for room. Receiving: request handlers run at most MAX_INFLIGHT at a
 *   time per connection; past that the socket is paused, so a fast sender is slowed by TCP.
 * - Heartbeats: a PING when nothing was sent for heartbeat_ms; a connection silent for 3 ×
 *   heartbeat_ms is closed. Closed connections are redialled with exponential backoff and jitter.
 * - Keying material: `keyingMaterial(peer, label)` exports bytes from the current connection's
 *   TLS session: equal on both ends, new with every connection (its epoch), never stored.
 */
import type { KeyObject } from 'node:crypto';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { FrameReader, FrameType, encodeFrame, type Frame } from './frame.js';
import type { NodeIdentity } from './identity.js';
import { shortId, type NodeId } from './node-id.js';
import { formatAddress, type PeerAddress, type PeerTransport, type SecureStream } from './transport.js';

export const CHANNELS = ['crdt', 'consensus', 'aggregate'] as const;
export type Channel = (typeof CHANNELS)[number];
const CHANNEL_SET = new Set<string>(CHANNELS);

/** Request handlers running at once per connection before its socket is paused. */
export const MAX_INFLIGHT = 64;
const HELLO_TIMEOUT_MS = 10_000;
const DIAL_TIMEOUT_MS = 10_000;
const PROTOCOL_VERSION = 1;

export interface PeerConfig {
  id: NodeId;
  /** Where to dial it; without one we wait for it to dial us. */
  address?: PeerAddress;
}

export interface PeerNetworkOptions {
  identity: NodeIdentity;
  transport: PeerTransport;
  /** Listen here; undefined: dial out only. */
  listen?: PeerAddress;
  peers: PeerConfig[];
  heartbeatMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxFrameBytes: number;
  queueBytes: number;
  requestTimeoutMs: number;
  /** How long the larger id of a pair waits for the smaller to dial before dialling itself. */
  dialGraceMs?: number;
  log: Logger;
  rng?: () => number;
}

export type PeerState = 'connecting' | 'open' | 'backoff' | 'waiting';

export interface PeerStatus {
  peer: NodeId;
  address: string | null;
  /** Who dialled the open connection; null when none is open. */
  direction: 'out' | 'in' | null;
  /** waiting: not connected, and not dialling (no address, or closing down). */
  state: PeerState;
  attempts: number;
  connected_since: string | null;
  last_error: string | null;
  /** Bytes queued to this peer, not yet taken by the OS. */
  pending_bytes: number;
  /** Connections opened with this peer so far (the keying material changes with each). */
  epoch: number;
}

export interface PeerEvent {
  peer: NodeId;
  state: 'up' | 'down';
  epoch: number;
  reason?: string;
}

export type MessageHandler = (from: NodeId, body: unknown) => void;
export type RequestHandler = (from: NodeId, body: unknown, signal: AbortSignal) => unknown | Promise<unknown>;

export interface NetworkCounters {
  frames_sent: number;
  bytes_sent: number;
  frames_received: number;
  bytes_received: number;
  /** Sends refused because the peer's queue was full. */
  dropped_backpressure: number;
  /** Sends to a peer that was not connected. */
  dropped_not_connected: number;
}

/** Why a request failed: the peer is not connected, it timed out, the connection closed, or the peer's handler threw. */
export class PeerRequestError extends Error {
  constructor(
    readonly peer: NodeId,
    readonly reason: 'unavailable' | 'timeout' | 'closed' | 'remote' | 'backpressure' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'PeerRequestError';
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

interface Conn {
  stream: SecureStream;
  peer: NodeId;
  /** Who dialled it (the tie-break keeps the connection dialled by the smaller id). */
  dialer: NodeId;
  reader: FrameReader;
  ready: boolean;
  closed: boolean;
  lastRx: number;
  lastTx: number;
  nextId: number;
  pending: Map<number, Pending>;
  inflight: number;
  aborts: Set<AbortController>;
  helloTimer?: NodeJS.Timeout;
  opened: number;
}

interface Entry {
  id: NodeId;
  address?: PeerAddress;
  conn?: Conn;
  dialing: boolean;
  state: PeerState;
  attempts: number;
  lastError: string | null;
  timer?: NodeJS.Timeout;
  epoch: number;
  publicKey?: KeyObject;
}

export class PeerNetwork {
  readonly id: NodeId;
  /** This node's identity (its key signs for it; see NodeIdentity). */
  readonly identity: NodeIdentity;
  readonly counters: NetworkCounters = {
    frames_sent: 0,
    bytes_sent: 0,
    frames_received: 0,
    bytes_received: 0,
    dropped_backpressure: 0,
    dropped_not_connected: 0,
  };
  private readonly entries = new Map<NodeId, Entry>();
  private readonly conns = new Set<Conn>();
  private readonly messageHandlers = new Map<string, MessageHandler>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly listeners = new Set<(e: PeerEvent) => void>();
  private readonly drainWaiters = new Map<NodeId, Set<() => void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private bound: PeerAddress | undefined;
  private closed = false;
  private readonly rng: () => number;

  constructor(private readonly opts: PeerNetworkOptions) {
    this.identity = opts.identity;
    this.id = opts.identity.nodeId;
    this.rng = opts.rng ?? Math.random;
    for (const p of opts.peers) {
      if (p.id === this.id) continue; // a shared peer list may name this node too
      this.entries.set(p.id, {
        id: p.id,
        address: p.address,
        dialing: false,
        state: 'waiting',
        attempts: 0,
        lastError: null,
        epoch: 0,
      });
    }
  }

  /** Whether `id` is in the allow-list (what the transport asks at every handshake). */
  allows(id: NodeId): boolean {
    return this.entries.has(id);
  }

  async start(): Promise<void> {
    if (this.opts.listen) {
      this.bound = await this.opts.transport.listen(this.opts.listen, (s) => this.adopt(s));
    }
    const beat = Math.max(10, Math.floor(this.opts.heartbeatMs / 2));
    this.heartbeat = setInterval(() => this.beat(), beat);
    this.heartbeat.unref();
    for (const e of this.entries.values()) {
      if (!e.address) continue;
      if (this.id < e.id) this.dial(e);
      else this.schedule(e, this.grace());
    }
  }

  /** The address we listen on (port 0 resolved), if any. */
  address(): PeerAddress | undefined {
    return this.bound;
  }

  /** Every configured peer id (the allow-list), sorted. */
  peerIds(): NodeId[] {
    return [...this.entries.keys()].sort();
  }

  isConnected(peer: NodeId): boolean {
    return this.entries.get(peer)?.conn?.ready === true;
  }

  /** Peers with an open connection now. */
  connected(): NodeId[] {
    const out: NodeId[] = [];
    for (const e of this.entries.values()) if (e.conn?.ready) out.push(e.id);
    return out;
  }

  /** A configured peer's public key, once it has connected (from its certificate). */
  publicKeyOf(peer: NodeId): KeyObject | undefined {
    return this.entries.get(peer)?.publicKey;
  }

  /**
   * `length` bytes exported from the current connection's TLS session under `label` (RFC 8446
   * §7.5): the same bytes on both ends of the pair, different for every connection (`epoch`).
   * Undefined when not connected. Derive keys from it; never store it.
   */
  keyingMaterial(peer: NodeId, label: string, length = 32): { epoch: number; material: Buffer } | undefined {
    const e = this.entries.get(peer);
    if (!e?.conn?.ready) return undefined;
    return { epoch: e.epoch, material: e.conn.stream.exportKeyingMaterial(length, label) };
  }

  /** Registers the one handler for plain messages on `channel`. */
  onMessage(channel: Channel, handler: MessageHandler): void {
    this.messageHandlers.set(channel, handler);
  }

  /** Registers the one handler for requests on `channel`; its return value (or thrown error) is the reply. */
  onRequest(channel: Channel, handler: RequestHandler): void {
    this.requestHandlers.set(channel, handler);
  }

  /** Connection events; returns an unsubscribe function. */
  onPeer(listener: (e: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sends one message; false if the peer is not connected or its queue is full (nothing is
   * queued for later: the caller retries, resends by its own protocol, or waits on drained()).
   * Throws if the message is over the frame limit.
   */
  send(peer: NodeId, channel: Channel, body: unknown): boolean {
    const conn = this.entries.get(peer)?.conn;
    if (!conn?.ready) {
      this.counters.dropped_not_connected++;
      return false;
    }
    return this.write(conn, { type: FrameType.MSG, channel, id: 0, body });
  }

  /** Resolves once `peer`'s queue has room again (at once if it has), or it disconnects. */
  drained(peer: NodeId): Promise<void> {
    const conn = this.entries.get(peer)?.conn;
    if (!conn?.ready || conn.stream.socket.writableLength < this.opts.queueBytes / 2) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.drainWaiters.get(peer);
      if (!set) this.drainWaiters.set(peer, (set = new Set()));
      set.add(resolve);
    });
  }

  /** Sends a request and resolves with the peer handler's reply; rejects with a PeerRequestError. */
  request(
    peer: NodeId,
    channel: Channel,
    body: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const conn = this.entries.get(peer)?.conn;
    if (!conn?.ready) return Promise.reject(new PeerRequestError(peer, 'unavailable', `peer ${shortId(peer)}… is not connected`));
    if (opts.signal?.aborted) return Promise.reject(new PeerRequestError(peer, 'aborted', 'the request was cancelled'));
    const id = conn.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const onAbort = () => settle(new PeerRequestError(peer, 'aborted', 'the request was cancelled'));
      const settle = (err: Error | undefined, value?: unknown) => {
        const p = conn.pending.get(id);
        if (!p) return;
        conn.pending.delete(id);
        p.cleanup();
        if (err) reject(err);
        else resolve(value);
      };
      const timer = setTimeout(
        () => settle(new PeerRequestError(peer, 'timeout', `peer ${shortId(peer)}… did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      conn.pending.set(id, { resolve: (v) => settle(undefined, v), reject: (e) => settle(e), timer, cleanup });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let ok: boolean;
      try {
        ok = this.write(conn, { type: FrameType.REQ, channel, id, body });
      } catch (err) {
        return settle(err as Error);
      }
      if (!ok) settle(new PeerRequestError(peer, 'backpressure', `the queue to peer ${shortId(peer)}… is full`));
    });
  }

  status(): PeerStatus[] {
    return this.peerIds().map((id) => {
      const e = this.entries.get(id)!;
      const c = e.conn?.ready ? e.conn : undefined;
      return {
        peer: id,
        address: e.address ? formatAddress(e.address) : null,
        direction: c ? (c.stream.outbound ? 'out' : 'in') : null,
        state: c ? 'open' : e.state,
        attempts: e.attempts,
        connected_since: c ? new Date(c.opened).toISOString() : null,
        last_error: e.lastError,
        pending_bytes: c ? c.stream.socket.writableLength : 0,
        epoch: e.epoch,
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      e.state = 'waiting';
    }
    for (const c of [...this.conns]) this.drop(c, 'closing down');
    await this.opts.transport.close();
  }

  // ---------------------------------------------------------------------------------------------

  private grace(): number {
    return this.opts.dialGraceMs ?? 4 * this.opts.backoffBaseMs;
  }

  private backoff(attempts: number): number {
    const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(attempts, 20));
    return Math.round(exp / 2 + this.rng() * (exp / 2));
  }

  private schedule(e: Entry, delay: number): void {
    clearTimeout(e.timer);
    if (this.closed || !e.address || e.conn?.ready) {
      if (!e.conn?.ready) e.state = 'waiting';
      return;
    }
    e.state = 'backoff';
    e.timer = setTimeout(() => this.dial(e), delay);
    e.timer.unref();
  }

  private dial(e: Entry): void {
    if (this.closed || e.dialing || e.conn?.ready || !e.address) return;
    e.dialing = true;
    e.state = 'connecting';
    e.attempts++;
    this.opts.transport.dial(e.address, e.id, DIAL_TIMEOUT_MS).then(
      (s) => {
        e.dialing = false;
        if (this.closed) return void s.socket.destroy();
        this.adopt(s);
      },
      (err: Error) => {
        e.dialing = false;
        e.lastError = clipError(err);
        if (!e.conn?.ready) this.schedule(e, this.backoff(e.attempts) + (this.id < e.id ? 0 : this.grace()));
      },
    );
  }

  /** A new authenticated stream (dialled or accepted): frames wired, HELLO sent. */
  private adopt(stream: SecureStream): void {
    const e = this.entries.get(stream.peerId);
    if (!e || this.closed) return void stream.socket.destroy();
    e.publicKey = stream.publicKey;
    const now = Date.now();
    const conn: Conn = {
      stream,
      peer: stream.peerId,
      dialer: stream.outbound ? this.id : stream.peerId,
      reader: new FrameReader(this.opts.maxFrameBytes),
      ready: false,
      closed: false,
      lastRx: now,
      lastTx: now,
      nextId: 1,
      pending: new Map(),
      inflight: 0,
      aborts: new Set(),
      opened: now,
    };
    this.conns.add(conn);
    const sock = stream.socket;
    sock.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    sock.on('drain', () => this.wakeDrain(conn));
    sock.on('close', () => this.closedByPeer(conn));
    sock.on('error', (err) => {
      if (!conn.ready) e.lastError = clipError(err);
    });
    conn.helloTimer = setTimeout(() => this.drop(conn, `no hello within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
    conn.helloTimer.unref();
    this.write(conn, { type: FrameType.HELLO, channel: '', id: 0, body: { v: PROTOCOL_VERSION } });
  }

  private receive(conn: Conn, chunk: Buffer): void {
    if (conn.closed) return;
    conn.lastRx = Date.now();
    this.counters.bytes_received += chunk.length;
    let frames: Frame[];
    try {
      frames = conn.reader.push(chunk);
    } catch (err) {
      this.opts.log.warn({ peer: conn.peer, err: (err as Error).message }, 'peer sent a bad frame; closing the connection');
      return this.drop(conn, `protocol error: ${(err as Error).message}`);
    }
    for (const f of frames) {
      this.counters.frames_received++;
      if (conn.closed) return;
      this.dispatch(conn, f);
    }
  }

  private dispatch(conn: Conn, f: Frame): void {
    switch (f.type) {
      case FrameType.HELLO: {
        const v = (f.body as { v?: unknown } | null)?.v;
        if (v !== PROTOCOL_VERSION) return this.drop(conn, `peer speaks protocol ${String(v)}, we speak ${PROTOCOL_VERSION}`);
        if (!conn.ready) this.ready(conn);
        return;
      }
      case FrameType.PING:
        return;
      case FrameType.MSG: {
        if (!conn.ready || !CHANNEL_SET.has(f.channel)) return;
        const h = this.messageHandlers.get(f.channel);
        if (!h) return;
        try {
          h(conn.peer, f.body);
        } catch (err) {
          this.opts.log.warn({ err, peer: conn.peer, channel: f.channel }, 'peer message handler failed');
        }
        return;
      }
      case FrameType.REQ:
        if (!conn.ready) return;
        return this.serve(conn, f);
      case FrameType.RES:
      case FrameType.ERR: {
        const p = conn.pending.get(f.id);
        if (!p) return; // answered after its timeout: dropped
        if (f.type === FrameType.RES) p.resolve(f.body);
        else
          p.reject(
            new PeerRequestError(
              conn.peer,
              'remote',
              `peer ${shortId(conn.peer)}… answered with an error: ${String((f.body as { message?: unknown } | null)?.message ?? 'unknown')}`.slice(
                0,
                400,
              ),
            ),
          );
      }
    }
  }

  private serve(conn: Conn, f: Frame): void {
    const h = CHANNEL_SET.has(f.channel) ? this.requestHandlers.get(f.channel) : undefined;
    if (!h) {
      this.write(conn, {
        type: FrameType.ERR,
        channel: f.channel,
        id: f.id,
        body: { message: `no handler for channel "${f.channel.slice(0, 64)}"` },
      });
      return;
    }
    const ac = new AbortController();
    conn.aborts.add(ac);
    if (++conn.inflight >= MAX_INFLIGHT) conn.stream.socket.pause();
    Promise.resolve()
      .then(() => h(conn.peer, f.body, ac.signal))
      .then(
        (reply) => {
          if (!conn.closed) this.write(conn, { type: FrameType.RES, channel: f.channel, id: f.id, body: reply ?? null });
        },
        (err) => {
          if (!conn.closed)
            this.write(conn, {
              type: FrameType.ERR,
              channel: f.channel,
              id: f.id,
              body: { message: describeError(err).slice(0, 300) },
            });
        },
      )
      .catch((err) => this.opts.log.warn({ err, peer: conn.peer }, 'could not send a reply'))
      .finally(() => {
        conn.aborts.delete(ac);
        if (--conn.inflight < MAX_INFLIGHT && !conn.closed) conn.stream.socket.resume();
      });
  }

  /** Both HELLOs exchanged: this connection becomes the pair's, unless the pair already has the preferred one. */
  private ready(conn: Conn): void {
    clearTimeout(conn.helloTimer);
    const e = this.entries.get(conn.peer)!;
    const old = e.conn;
    if (old && old !== conn && !old.closed) {
      // Different dialers: keep the one the smaller id dialled (both ends decide alike).
      // Same dialer: the newer one (the old one is half-open: its far end already moved on).
      const keepOld = old.dialer !== conn.dialer && old.dialer < conn.dialer;
      if (keepOld) return this.drop(conn, 'duplicate connection (the pair keeps the one the smaller id dialled)');
      e.conn = undefined;
      this.drop(old, 'replaced by a newer connection of the pair');
      this.emit({ peer: e.id, state: 'down', epoch: e.epoch, reason: 'replaced' });
    }
    conn.ready = true;
    conn.opened = Date.now();
    e.conn = conn;
    e.epoch++;
    e.attempts = 0;
    e.lastError = null;
    e.state = 'open';
    clearTimeout(e.timer);
    this.opts.log.info(
      { peer: e.id, direction: conn.stream.outbound ? 'out' : 'in', remote: conn.stream.remote },
      'peer connected',
    );
    this.emit({ peer: e.id, state: 'up', epoch: e.epoch });
  }

  private write(conn: Conn, f: Frame): boolean {
    if (conn.closed) return false;
    const bytes = encodeFrame(f, this.opts.maxFrameBytes);
    const sock = conn.stream.socket;
    if (f.type !== FrameType.HELLO && f.type !== FrameType.PING && sock.writableLength + bytes.length > this.opts.queueBytes) {
      this.counters.dropped_backpressure++;
      return false;
    }
    sock.write(bytes);
    conn.lastTx = Date.now();
    this.counters.frames_sent++;
    this.counters.bytes_sent += bytes.length;
    return true;
  }

  private wakeDrain(conn: Conn): void {
    const e = this.entries.get(conn.peer);
    if (e?.conn !== conn) return;
    const set = this.drainWaiters.get(conn.peer);
    if (!set || conn.stream.socket.writableLength >= this.opts.queueBytes / 2) return;
    this.drainWaiters.delete(conn.peer);
    for (const w of set) w();
  }

  private beat(): void {
    const now = Date.now();
    const hb = this.opts.heartbeatMs;
    for (const c of [...this.conns]) {
      if (!c.ready) continue;
      if (now - c.lastRx > 3 * hb) {
        this.drop(c, `no frame for ${now - c.lastRx} ms (heartbeat timeout)`);
        continue;
      }
      if (now - c.lastTx >= hb) this.write(c, { type: FrameType.PING, channel: '', id: 0, body: null });
    }
  }

  private drop(conn: Conn, reason: string): void {
    if (conn.closed) return;
    const e = this.entries.get(conn.peer);
    if (e && !conn.ready && !e.conn?.ready) e.lastError = reason;
    conn.stream.socket.destroy();
    this.teardown(conn, reason);
  }

  private closedByPeer(conn: Conn): void {
    if (conn.closed) return;
    const e = this.entries.get(conn.peer);
    // Closed before the peer's hello: it refused us at the handshake (or went away mid-way).
    const reason = conn.ready
      ? 'connection closed'
      : `closed by the peer before its hello: it did not accept this node (is ${shortId(this.id)}… in its cluster.peers?)`;
    if (e && !conn.ready && !e.conn?.ready) e.lastError = reason;
    this.teardown(conn, reason);
  }

  private teardown(conn: Conn, reason: string): void {
    conn.closed = true;
    clearTimeout(conn.helloTimer);
    this.conns.delete(conn);
    for (const ac of conn.aborts) ac.abort();
    for (const [, p] of conn.pending)
      p.reject(
        new PeerRequestError(
          conn.peer,
          'closed',
          `the connection to ${shortId(conn.peer)}… closed before the answer (${reason})`,
        ),
      );
    conn.pending.clear();
    const e = this.entries.get(conn.peer);
    if (!e || e.conn !== conn) {
      // Never became the pair's connection: if nothing else is open or being dialled, retry.
      if (e && !e.conn && !e.dialing && conn.stream.outbound && !this.closed) this.schedule(e, this.backoff(e.attempts));
      return;
    }
    e.conn = undefined;
    if (conn.ready) {
      this.opts.log.info({ peer: e.id, reason }, 'peer disconnected');
      e.lastError = reason === 'connection closed' ? e.lastError : reason;
      this.emit({ peer: e.id, state: 'down', epoch: e.epoch, reason });
    }
    const waiters = this.drainWaiters.get(e.id);
    if (waiters) {
      this.drainWaiters.delete(e.id);
      for (const w of waiters) w();
    }
    if (this.closed) return;
    this.schedule(e, this.backoff(e.attempts) + (this.id < e.id ? 0 : this.grace()));
  }

  private emit(ev: PeerEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.opts.log.warn({ err, peer: ev.peer }, 'peer event listener failed');
      }
    }
  }
}

function clipError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const msg = describeError(err);
  return (typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg).slice(0, 300);
}

export { clusterOff } from './cluster-off.js';
