import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps.js';
import { SixfoldError, clipText } from '../errors.js';
import { mountDashboard } from '../dashboard/routes.js';
import { createServer } from '../server.js';
import { guardTransport } from './edge.js';
import { allowedHostnames, assertTokenBeyondLoopback, tokenMatches } from './guard.js';

/** What body-parser (via http-errors) puts on the errors it passes on. */
interface HttpError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

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

/** How much of an oversize body we read past the limit and discard before dropping the connection. */
const DRAIN_CAP = 64 * 1024 * 1024;

const HOST_HINT = ' (DNS-rebinding protection); add the name to http.allowed_hosts (SIXFOLD_ALLOWED_HOSTS) if it is yours.';

/**
 * The SDK's Host check (port-agnostic, names as the URL parser reads them). It answers a refusal
 * itself; we only clip what it echoes and add which setting to change.
 */
function hostCheck(allowed: string[]): RequestHandler {
  const check = hostHeaderValidation(allowed);
  return (req, res, next) => {
    res.json = (body: { error?: { message?: unknown } }) => {
      if (typeof body?.error?.message === 'string') body.error.message = clipText(body.error.message, 300) + HOST_HINT;
      return Object.getPrototypeOf(res).json.call(res, body);
    };
    check(req, res, (err?: unknown) => {
      delete (res as Partial<Response>).json;
      next(err);
    });
  };
}

/**
 * POST bodies, read and parsed by Express's JSON parser (body-parser) up to `limit` bytes, whatever
 * the Content-Type says (the SDK's transport checks that and answers 415 itself). An oversize body
 * is read to its end and discarded before the 413 goes out, because closing a socket the client is
 * still writing to resets it and the client never sees the 413 (RFC 9112 §9.6); body-parser does
 * that, but without an end, so past DRAIN_CAP we answer and drop the connection ourselves.
 */
function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, type: () => true });
  const dropAfter = limit + DRAIN_CAP;
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    parse(req, res, next); // attaches the parser's reader now; ours below sees the same chunks
    let seen = 0;
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= dropAfter) return;
      req.off('data', count);
      tooLarge(res, limit, false);
      res.once('finish', () => req.socket.destroy());
    };
    req.on('data', count);
  };
}

function tooLarge(res: ServerResponse, limit: number, drained: boolean): void {
  rpcError(
    res,
    413,
    -32600,
    `Request body over ${limit} bytes; send smaller requests, or raise http.max_body_bytes (10485760 fits the largest tool call: 8 MiB of arguments).`,
    drained ? {} : { connection: 'close' },
  );
}

export interface HttpHandle {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Binding beyond loopback without a token would hand the server to the whole network. */
export function assertSafeBind(cfg: Deps['config']['http']): void {
  assertTokenBeyondLoopback(
    cfg.host,
    cfg.token,
    `Refusing to listen on ${cfg.host} without a token: anyone who can reach this machine could use the server.`,
    'Set SIXFOLD_HTTP_TOKEN (16+ characters) to require "Authorization: Bearer <token>", or bind --host 127.0.0.1.',
  );
}

/**
 * Streamable HTTP at /mcp with stateful sessions, GET /healthz, and the dashboard (routes.ts), as
 * an Express app. Loopback by default; any other bind needs a bearer token. Host and Origin are
 * checked on every request (DNS-rebinding protection), before anything else.
 *
 * Built from the SDK's parts rather than its createMcpExpressApp: that one installs express.json()
 * with body-parser's fixed 100 kB limit on every path, ahead of anything added after it, so every
 * call over 100 kB would be refused and bodies would be read before the bearer check. The bearer
 * check stays ours too: the SDK's requireBearerAuth answers 401 in OAuth's shape
 * ({"error":"invalid_token"}) where clients of /mcp get a JSON-RPC error naming the header to send,
 * and it expects an OAuth access token with an expiry rather than a fixed secret.
 */
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

  /** Bearer token on /mcp, before any body is read (constant-time, see guard.ts). */
  const bearer: RequestHandler = (req, res, next) => {
    if (!cfg.token || tokenMatches(req.headers.authorization, cfg.token)) return next();
    rpcError(res, 401, -32001, 'Missing or wrong bearer token: send "Authorization: Bearer <SIXFOLD_HTTP_TOKEN>".', {
      'www-authenticate': 'Bearer',
    });
  };

  async function handleMcp(req: Request, res: Response): Promise<void> {
    const body: unknown = req.method === 'POST' ? req.body : undefined;
    const sid = req.headers['mcp-session-id'];
    const id = Array.isArray(sid) ? sid[0] : sid;
    if (id) {
      const s = sessions.get(id);
      if (!s)
        return rpcError(
          res,
          404,
          -32001,
          `Session ${id} not found (ended or expired); start a new one with an initialize request.`,
        );
      s.lastSeen = Date.now();
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rpcError(
        res,
        400,
        -32000,
        'No session: send an initialize request first, then the mcp-session-id header it returns.',
      );
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

  /** A browser page from another site: refused unless its origin names this server or is listed. */
  const originCheck: RequestHandler = (req, res, next) => {
    const origin = req.headers.origin;
    if (!origin || cfg.allowed_origins.includes(origin)) return next();
    let ok = false;
    try {
      ok = hosts.includes(new URL(origin).hostname);
    } catch {
      /* malformed origin: refused below */
    }
    if (ok) return next();
    rpcError(
      res,
      403,
      -32000,
      `Origin "${clipText(origin, 300)}" is not allowed; add it to http.allowed_origins if it is yours.`,
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(hostCheck(hosts), originCheck);
  app.get('/healthz', (_req, res) =>
    sendJson(res, 200, { ok: true, name: 'sixfold', version: deps.version, sessions: sessions.size }),
  );
  app.all('/mcp', bearer, jsonBody(cfg.max_body_bytes), (req, res, next) => void handleMcp(req, res).catch(next));
  app.use((req, res) => {
    const path = req.path;
    if (dashboard.handle(req, res, path)) return;
    sendJson(res, 404, {
      error: `Not found: the MCP endpoint is /mcp, health is /healthz${cfg.dashboard ? ', the dashboard is /' : ''}${cfg.metrics ? ', metrics are /metrics' : ''}.`,
    });
  });
  // Errors from the body parser, as JSON-RPC errors; anything else is ours (logged, 500).
  app.use((err: HttpError, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return tooLarge(res, cfg.max_body_bytes, true);
    if (err.type === 'entity.parse.failed') {
      return rpcError(
        res,
        400,
        -32700,
        'Parse error: the request body is not valid JSON, or not an object; send one JSON-RPC message as a JSON object.',
      );
    }
    if (err.type === 'request.aborted') return; // the client is gone
    if (err.expose && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return rpcError(res, err.status, -32600, `${clipText(err.message, 300)}; send a JSON-RPC message as JSON in UTF-8.`);
    }
    log.error({ err }, 'http request failed');
    rpcError(res, 500, -32603, 'Internal error.');
  });

  const http = createHttpServer(app);
  http.requestTimeout = 0; // SSE streams stay open; idle sessions are reaped below instead

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - cfg.session_idle_ms;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) void endSession(id, 'idle');
    },
    Math.min(60_000, Math.max(250, cfg.session_idle_ms / 4)),
  );
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SixfoldError(
          'config',
          `Cannot listen on ${cfg.host}:${cfg.port}: ${err.code ?? err.message}.`,
          'Pick another --port or --host.',
        ),
      ),
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
