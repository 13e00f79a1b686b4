import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../deps.js';
import { SixfoldError } from '../errors.js';
import { mountDashboard } from '../dashboard/routes.js';
import { createServer } from '../server.js';
import { guardTransport } from './edge.js';
import { allowedHostnames, assertTokenBeyondLoopback, hostnameOf, tokenMatches } from './guard.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  close: () => Promise<void>;
  lastSeen: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function rpcError(res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

class TooLarge extends Error {
  constructor(readonly drained: boolean) {
    super('request body too large');
  }
}

/** How much of an oversize body we read and discard so the client can still read our 413. */
const DRAIN_CAP = 64 * 1024 * 1024;

/**
 * Reads a body up to `limit` bytes. An oversize body is read to its end and discarded (up to
 * DRAIN_CAP), because closing a socket the client is still writing to resets it and the client
 * never sees the 413 (RFC 9112 §9.6); past the cap the connection is dropped instead.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (size > DRAIN_CAP) {
        req.removeAllListeners('data');
        reject(new TooLarge(false));
      } else if (!over) chunks.push(c);
    });
    req.on('end', () => (over ? reject(new TooLarge(true)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export interface HttpHandle {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * Streamable HTTP at /mcp with stateful sessions, GET /healthz. Loopback by default; any other bind
 * needs a bearer token. Host and Origin are checked on every request (DNS-rebinding protection).
 */
/** Binding beyond loopback without a token would hand the server to the whole network. */
export function assertSafeBind(cfg: Deps['config']['http']): void {
  assertTokenBeyondLoopback(
    cfg.host, cfg.token,
    `Refusing to listen on ${cfg.host} without a token: anyone who can reach this machine could use the server.`,
    'Set SIXFOLD_HTTP_TOKEN (16+ characters) to require "Authorization: Bearer <token>", or bind --host 127.0.0.1.',
  );
}

export async function startHttp(deps: Deps): Promise<HttpHandle> {
  const cfg = deps.config.http;
  const { log } = deps;
  assertSafeBind(cfg);
  const hosts = allowedHostnames(cfg.host, cfg.allowed_hosts);
  const sessions = new Map<string, Session>();
  // The web dashboard, its API and /metrics: read-only, same token, behind the same Host/Origin checks.
  const dashboard = mountDashboard(deps, { token: cfg.token, dashboard: cfg.dashboard });

  async function endSession(id: string, why: string): Promise<void> {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    log.info({ session: id, why }, 'session ended');
    await s.transport.close().catch(() => {});
    await s.close().catch(() => {});
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (cfg.token && !tokenMatches(req.headers.authorization, cfg.token)) {
      return rpcError(res, 401, -32001, 'Missing or wrong bearer token: send "Authorization: Bearer <SIXFOLD_HTTP_TOKEN>".', { 'www-authenticate': 'Bearer' });
    }
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, cfg.max_body_bytes);
      } catch (err) {
        if (err instanceof TooLarge) {
          rpcError(res, 413, -32600, `Request body over ${cfg.max_body_bytes} bytes; send smaller requests.`, err.drained ? {} : { connection: 'close' });
          if (!err.drained) res.once('finish', () => req.socket.destroy());
          return;
        }
        throw err;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return rpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
      }
    }
    const sid = req.headers['mcp-session-id'];
    const id = Array.isArray(sid) ? sid[0] : sid;
    if (id) {
      const s = sessions.get(id);
      if (!s) return rpcError(res, 404, -32001, `Session ${id} not found (ended or expired); start a new one with an initialize request.`);
      s.lastSeen = Date.now();
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rpcError(res, 400, -32000, 'No session: send an initialize request first, then the mcp-session-id header it returns.');
    }
    const { server, close } = createServer(deps);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => {
        sessions.set(newId, { transport, close, lastSeen: Date.now() });
        log.info({ session: newId }, 'session started');
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) void endSession(transport.sessionId, 'closed');
    };
    await server.connect(transport);
    guardTransport(transport);
    await transport.handleRequest(req, res, body);
    // An initialize that did not start a session: release the server (it listens to the change feed).
    if (!transport.sessionId) await close().catch(() => {});
  }

  const http = createHttpServer((req, res) => {
    const host = req.headers.host;
    if (!host || !hosts.has(hostnameOf(host))) {
      return rpcError(res, 403, -32000, `Host "${host ?? ''}" is not allowed (DNS-rebinding protection); add it to http.allowed_hosts if it is yours.`);
    }
    const origin = req.headers.origin;
    if (origin && !cfg.allowed_origins.includes(origin)) {
      let ok = false;
      try {
        ok = hosts.has(new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase());
      } catch { /* malformed origin: refused below */ }
      if (!ok) return rpcError(res, 403, -32000, `Origin "${origin}" is not allowed; add it to http.allowed_origins if it is yours.`);
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') {
      return sendJson(res, 200, { ok: true, name: 'sixfold', version: deps.version, sessions: sessions.size });
    }
    if (path !== '/mcp' && dashboard.handle(req, res, path)) return;
    if (path !== '/mcp') return sendJson(res, 404, { error: `Not found: the MCP endpoint is /mcp, health is /healthz${cfg.dashboard ? ', the dashboard is /' : ''}${cfg.metrics ? ', metrics are /metrics' : ''}.` });
    handleMcp(req, res).catch((err) => {
      log.error({ err }, 'http request failed');
      rpcError(res, 500, -32603, 'Internal error.');
    });
  });
  http.requestTimeout = 0; // SSE streams stay open; idle sessions are reaped below instead

  const sweep = setInterval(() => {
    const cutoff = Date.now() - cfg.session_idle_ms;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) void endSession(id, 'idle');
  }, Math.min(60_000, Math.max(250, cfg.session_idle_ms / 4)));
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(new SixfoldError('config', `Cannot listen on ${cfg.host}:${cfg.port}: ${err.code ?? err.message}.`, 'Pick another --port or --host.')),
    );
    http.listen(cfg.port, cfg.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const shown = cfg.host.includes(':') && !cfg.host.startsWith('[') ? `[${cfg.host}]` : cfg.host;
  const url = `http://${shown}:${port}/mcp`;
  log.info({ transport: 'http', url, auth: cfg.token ? 'bearer' : 'none', db: deps.store.path }, 'sixfold ready');

  return {
    url,
    port,
    close: async () => {
      clearInterval(sweep);
      dashboard.close();
      await Promise.all([...sessions.keys()].map((id) => endSession(id, 'shutdown')));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
