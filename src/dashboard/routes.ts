import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../deps.js';
import { describeError } from '../errors.js';
import { Params, createDashboardApi, statusOf } from './api.js';
import { DEFAULT_ASSETS_DIR, loadAssets } from './assets.js';
import { crossSiteRefusal, tokenRefusal, type Refusal } from './auth.js';
import { ChangeFeed } from './changes.js';
import { missingBundleHtml, pageHtml } from './page.js';
import { DashboardQueries } from './queries.js';

/**
 * The web dashboard, its read-only API, live updates and /metrics, as one request handler for the
 * HTTP transport to mount (`handle` returns false for paths it does not own: /mcp, /healthz):
 *
 *   GET /                 the page        GET /assets/<file>   the bundle
 *   GET /api/<view>       JSON (api.ts)   GET /api/events      Server-Sent Events: `change` {topics}
 *   GET /metrics          Prometheus text
 *
 * Auth is in auth.ts. The transport checked Host and Origin before calling this.
 */

export interface DashboardOptions {
  token?: string;
  /** Serve the page, /assets and /api (default true). */
  dashboard?: boolean;
  /** Where the built bundle is (default: next to this module). */
  assetsDir?: string;
  /** How often live updates look for changes. */
  changePeriodMs?: number;
  /** Open live-update streams at most; more are answered 503. */
  maxStreams?: number;
}

export interface Dashboard {
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  close(): void;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MAX_URL = 8192;

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function refuse(res: ServerResponse, r: Refusal): void {
  sendJson(res, r.status, { error: r.message }, r.headers);
}

export function mountDashboard(deps: Deps, opts: DashboardOptions = {}): Dashboard {
  const withPage = opts.dashboard ?? true;
  const assets = withPage ? loadAssets(opts.assetsDir ?? DEFAULT_ASSETS_DIR) : new Map();
  const api = createDashboardApi(deps);
  const sql = new DashboardQueries(deps.store.db);
  const feed = new ChangeFeed(sql, deps, opts.changePeriodMs ?? 1000);
  const maxStreams = opts.maxStreams ?? 32;
  const streams = new Set<ServerResponse>();
  const app = assets.get('app.js');
  // The chunks app.js imports statically, fetched alongside it rather than after it is parsed.
  const preload = [...(app?.body.toString('utf8', 0, 4096).matchAll(/from"\.\/(chunk-[A-Za-z0-9]+\.js)"/g) ?? [])]
    .map((m) => m[1])
    .filter((f) => assets.has(f));
  const page = assets.size ? pageHtml(deps.version, assets.get('app.css')?.etag, app?.etag, preload) : missingBundleHtml();

  function serveAsset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const a = assets.get(name);
    if (!a) return sendJson(res, 404, { error: `No asset "${name.slice(0, 80)}".` });
    const headers = {
      'content-type': a.type,
      etag: a.etag,
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      ...SECURITY_HEADERS,
    };
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, headers);
      return void res.end();
    }
    const gzip = a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      ...headers,
      'content-length': String(gzip ? a.gzip!.length : a.body.length),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(gzip ? a.gzip : a.body);
  }

  function serveApi(req: IncomingMessage, res: ServerResponse, view: string, query: URLSearchParams): void {
    const handler = api.get(view);
    if (!handler)
      return sendJson(res, 404, { error: `No API view "${view.slice(0, 80)}". Views: ${[...api.keys()].join(', ')}.` });
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    Promise.resolve()
      .then(() => handler(new Params(query), abort.signal))
      .then(
        (body) => sendJson(res, 200, body),
        (err) => {
          const status = statusOf(err);
          if (status === 500) deps.log.error({ err, view }, 'dashboard API failed');
          sendJson(res, status, { error: status === 500 ? 'Internal error (logged on the server).' : describeError(err) });
        },
      );
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= maxStreams)
      return sendJson(
        res,
        503,
        { error: `Too many live-update streams open (${maxStreams}); close other dashboard tabs.` },
        { 'retry-after': '10' },
      );
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') return void res.end();
    streams.add(res);
    res.write('retry: 3000\n\nevent: hello\ndata: {}\n\n');
    const unsubscribe = feed.subscribe((topics) => res.write(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    res.once('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function serveMetrics(res: ServerResponse): Promise<void> {
    const ledger = deps.ledger;
    const text = await deps.metrics!.render({
      memoryTiers: () => deps.store.tierCounts(),
      agentStatuses: () => {
        ledger.flush();
        return sql.agentStatuses();
      },
      gossip: () => deps.gossip?.status().counters,
    });
    send(res, 200, deps.metrics!.contentType, text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const isMetrics = path === '/metrics';
    const isPage = path === '/' || path === '/index.html';
    const isAsset = path.startsWith('/assets/');
    const isApi = path === '/api' || path.startsWith('/api/');
    if (isMetrics ? !deps.metrics : !withPage || !(isPage || isAsset || isApi)) return false;

    if ((req.url ?? '').length > MAX_URL) {
      sendJson(res, 414, { error: `URL over ${MAX_URL} characters; send a shorter query.` });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(
        res,
        405,
        {
          error: `${String(req.method).slice(0, 10)} is not allowed here: the dashboard, its API and /metrics are read-only (GET).`,
        },
        { allow: 'GET, HEAD' },
      );
      return true;
    }
    const refusal = crossSiteRefusal(req.headers, req.method) ?? tokenRefusal(req.headers, opts.token, !isMetrics);
    if (refusal) {
      refuse(res, refusal);
      return true;
    }
    if (isMetrics) {
      serveMetrics(res).catch((err) => {
        deps.log.error({ err }, 'metrics failed');
        sendJson(res, 500, { error: 'Internal error (logged on the server).' });
      });
    } else if (isPage) {
      send(res, assets.size ? 200 : 503, 'text/html; charset=utf-8', page, { 'content-security-policy': PAGE_CSP });
    } else if (isAsset) {
      serveAsset(req, res, path.slice('/assets/'.length));
    } else if (path === '/api/events') {
      serveEvents(req, res);
    } else {
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      serveApi(req, res, path.slice('/api/'.length), query);
    }
    return true;
  }

  return {
    handle,
    close: () => {
      feed.close();
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
