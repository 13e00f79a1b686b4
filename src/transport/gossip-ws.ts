import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Packr } from 'msgpackr';
import { WebSocket, WebSocketServer } from 'ws';
import { SixfoldError } from '../errors.js';
import type { Logger } from '../log.js';
import { DOC_ID_RE } from '../patterns/crdt/codec.js';
import type { GossipMessage, GossipTransport } from '../patterns/crdt/gossip.js';
import { allowedHostnames, assertTokenBeyondLoopback, hostnameOf, tokenMatches } from './guard.js';

export interface WsGossipOptions {
  host: string;
  /** Listen port; undefined: do not listen (outbound peers only). */
  port?: number;
  peers: string[];
  token?: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxFrameBytes: number;
  log: Logger;
}

export type PeerState = 'connecting' | 'open' | 'backoff' | 'closed';

export interface PeerStatus {
  peer: string;
  direction: 'out' | 'in';
  state: PeerState;
  attempts: number;
  connected_since: string | null;
  last_error: string | null;
  /** Bytes queued in the socket, not yet handed to the OS. */
  pending_bytes: number;
}

interface Conn {
  peer: string;
  direction: 'out' | 'in';
  ws: WebSocket | undefined;
  state: PeerState;
  attempts: number;
  since: number | null;
  lastError: string | null;
  timer?: NodeJS.Timeout;
}

// Frames are msgpack maps {d: doc, s: sync bytes, g?: digest, r?: 1}; records off so any msgpack decoder reads them.
const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeFrame(m: GossipMessage): Buffer {
  const o: Record<string, unknown> = { d: m.doc, s: m.sync };
  if (m.dg !== undefined) o.g = m.dg;
  if (m.re) o.r = 1;
  return packr.pack(o);
}

/** A frame from a peer, or undefined if it is not one of ours (dropped, never fatal). */
export function decodeFrame(data: Buffer): GossipMessage | undefined {
  let o: unknown;
  try {
    o = packr.unpack(data);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const { d, s, g, r } = o as Record<string, unknown>;
  if (typeof d !== 'string' || !DOC_ID_RE.test(d) || !(s instanceof Uint8Array)) return undefined;
  if (g !== undefined && (typeof g !== 'number' || !Number.isInteger(g))) return undefined;
  return { doc: d, sync: s, ...(g !== undefined ? { dg: g } : {}), ...(r === 1 ? { re: 1 as const } : {}) };
}

/** Gossip beyond loopback without a token would let anyone who can reach the port rewrite every doc. */
export function assertSafeGossipBind(host: string, token: string | undefined): void {
  assertTokenBeyondLoopback(
    host, token,
    `Refusing to listen for gossip on ${host} without a token: anyone who can reach this machine could read and rewrite every CRDT document.`,
    'Set SIXFOLD_HTTP_TOKEN (16+ characters; peers must share it), or bind --gossip-host 127.0.0.1.',
  );
}

/**
 * Gossip over WebSocket: listens (optionally) and dials configured peers, reconnecting with
 * exponential backoff and jitter. Both directions of a connection carry gossip. With a token set,
 * inbound connections must present it (checked at the upgrade, before any frame) and outbound
 * ones send it.
 */
export class WsGossipTransport implements GossipTransport {
  private server: WebSocketServer | undefined;
  private readonly conns = new Map<string, Conn>();
  private handler: ((from: string, msg: GossipMessage) => void) | undefined;
  private closed = false;
  /** Called when a connection opens (the engine syncs with that peer at once). */
  onOpen: ((peer: string) => void) | undefined;
  url: string | undefined;

  constructor(private readonly opts: WsGossipOptions) {}

  async start(): Promise<void> {
    if (this.opts.port !== undefined) {
      assertSafeGossipBind(this.opts.host, this.opts.token);
      const hosts = allowedHostnames(this.opts.host);
      const server = new WebSocketServer({
        host: this.opts.host,
        port: this.opts.port,
        maxPayload: this.opts.maxFrameBytes,
        verifyClient: (info: { origin?: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
          // Peers are sixfold processes, which send no Origin; a browser always does. Refusing it,
          // and Host names that are not this server's, keeps web pages (and DNS rebinding) out.
          const hostHeader = info.req.headers.host;
          if (info.req.headers.origin !== undefined || !hostHeader || !hosts.has(hostnameOf(hostHeader))) {
            this.opts.log.warn({ from: info.req.socket.remoteAddress, origin: info.req.headers.origin, host: hostHeader }, 'gossip connection refused: browser origin or foreign Host');
            done(false, 403, 'Forbidden');
          } else if (!this.opts.token || tokenMatches(info.req.headers.authorization, this.opts.token)) done(true);
          else {
            this.opts.log.warn({ from: info.req.socket.remoteAddress }, 'gossip connection refused: bad or missing token');
            done(false, 401, 'Unauthorized');
          }
        },
      });
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      server.on('error', (err) => this.opts.log.warn({ err }, 'gossip server error'));
      server.on('connection', (ws, req) => this.accept(ws, req));
      this.server = server;
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      this.url = `ws://${host}:${addr.port}`;
    }
    for (const url of this.opts.peers) this.dial(url);
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const peer = `in:${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const conn: Conn = { peer, direction: 'in', ws, state: 'open', attempts: 1, since: Date.now(), lastError: null };
    this.conns.set(peer, conn);
    this.wire(conn, ws);
    this.onOpen?.(peer);
  }

  private dial(url: string): void {
    let conn = this.conns.get(url);
    if (!conn) {
      conn = { peer: url, direction: 'out', ws: undefined, state: 'connecting', attempts: 0, since: null, lastError: null };
      this.conns.set(url, conn);
    }
    if (this.closed) return;
    conn.state = 'connecting';
    conn.attempts++;
    const ws = new WebSocket(url, {
      headers: this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {},
      maxPayload: this.opts.maxFrameBytes,
      handshakeTimeout: 10_000,
    });
    conn.ws = ws;
    const c = conn;
    ws.once('open', () => {
      c.state = 'open';
      c.since = Date.now();
      c.attempts = 0;
      c.lastError = null;
      this.opts.log.info({ peer: url }, 'gossip peer connected');
      this.onOpen?.(url);
    });
    ws.on('unexpected-response', (_req, res) => {
      c.lastError = `HTTP ${res.statusCode} on upgrade${res.statusCode === 401 ? ' (token refused)' : ''}`;
      ws.terminate();
    });
    this.wire(c, ws);
  }

  private wire(conn: Conn, ws: WebSocket): void {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const msg = isBinary ? decodeFrame(data) : undefined;
      if (!msg) {
        this.opts.log.debug({ peer: conn.peer }, 'dropped a malformed gossip frame');
        return;
      }
      try {
        this.handler?.(conn.peer, msg);
      } catch (err) {
        this.opts.log.warn({ err, peer: conn.peer, doc: msg.doc }, 'gossip message failed');
      }
    });
    ws.on('error', (err) => {
      conn.lastError = conn.lastError ?? err.message;
    });
    ws.on('close', () => {
      if (conn.ws !== ws) return;
      conn.ws = undefined;
      conn.since = null;
      if (conn.direction === 'in' || this.closed) {
        conn.state = 'closed';
        if (conn.direction === 'in') this.conns.delete(conn.peer);
        return;
      }
      // Exponential backoff with jitter, capped.
      const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(conn.attempts, 20));
      const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
      conn.state = 'backoff';
      conn.timer = setTimeout(() => this.dial(conn.peer), delay);
      conn.timer.unref();
    });
  }

  pickPeers(k: number, rng: () => number): string[] {
    const open = this.connected();
    for (let i = open.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [open[i], open[j]] = [open[j], open[i]];
    }
    return open.slice(0, k);
  }

  connected(): string[] {
    return [...this.conns.values()].filter((c) => c.state === 'open' && c.ws?.readyState === WebSocket.OPEN).map((c) => c.peer);
  }

  send(peer: string, msg: GossipMessage): void {
    const ws = this.conns.get(peer)?.ws;
    if (ws?.readyState === WebSocket.OPEN) ws.send(encodeFrame(msg));
  }

  onMessage(handler: (from: string, msg: GossipMessage) => void): void {
    this.handler = handler;
  }

  status(): PeerStatus[] {
    return [...this.conns.values()].map((c) => ({
      peer: c.peer,
      direction: c.direction,
      state: c.state,
      attempts: c.attempts,
      connected_since: c.since ? new Date(c.since).toISOString() : null,
      last_error: c.lastError,
      pending_bytes: c.ws?.bufferedAmount ?? 0,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.conns.values()) {
      clearTimeout(c.timer);
      c.state = 'closed';
      c.ws?.terminate();
    }
    if (this.server) {
      const s = this.server;
      for (const client of s.clients) client.terminate();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}
