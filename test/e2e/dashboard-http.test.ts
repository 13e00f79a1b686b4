/**
 * The dashboard's HTTP side against the built server: who may read /, /assets, /api and /metrics
 * (token as Bearer or as the Basic password; Host, Origin and Fetch-Metadata checks; read-only
 * methods), what the API answers to bad parameters, live updates over SSE, and /metrics counting
 * real tool and LLM calls (the loopback fake provider answers, and fails on purpose).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import { fakeProviderEnv } from '../helpers/dashboard.js';
import { callErr, callOk } from '../helpers/mcp.js';
import {
  connectHttpClient,
  makeTempDir,
  rawRequest,
  startHttpServer,
  withTimeout,
  type HttpClientHandle,
  type HttpServerHandle,
  type TempDir,
} from '../helpers/server.js';

const TOKEN = 'dashboard-e2e-token-0123456789';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const BROWSER_PATHS = ['/', '/assets/app.js', '/api/overview', '/api/memory/list', '/api/events'];

/** Opens an SSE stream; `next(match)` resolves with the first event not yet taken whose text matches. */
function openEvents(port: number, headers: Record<string, string> = {}) {
  let buffer = '';
  const seen: string[] = [];
  const waiters: Array<{ match: (e: string) => boolean; resolve: (e: string) => void }> = [];
  const take = (w: (typeof waiters)[number]): boolean => {
    const i = seen.findIndex(w.match);
    if (i < 0) return false;
    w.resolve(seen.splice(0, i + 1)[i]);
    return true;
  };
  let res: IncomingMessage | undefined;
  const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers, agent: false });
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          seen.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        for (const w of [...waiters]) if (take(w)) waiters.splice(waiters.indexOf(w), 1);
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    opened,
    next: (match: (e: string) => boolean, what: string) =>
      withTimeout(
        new Promise<string>((resolve) => {
          const w = { match, resolve };
          if (!take(w)) waiters.push(w);
        }),
        10_000,
        what,
      ),
    close: () => {
      res?.destroy();
      req.destroy();
    },
  };
}

describe('dashboard, API and /metrics with a token', () => {
  let fake: FakeProvider;
  let tmp: TempDir;
  let server: HttpServerHandle;
  let mcp: HttpClientHandle;
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(server.port, { method: 'GET', path, headers });
  const bearer = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    fake = await startFakeProvider();
    tmp = makeTempDir('sixfold-dashboard-http-');
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, env: { ...fakeProviderEnv(fake), SIXFOLD_HTTP_TOKEN: TOKEN } });
    mcp = await connectHttpClient(server.url, TOKEN);
  });

  afterAll(async () => {
    await mcp?.close();
    await server?.close().catch(() => {});
    await fake?.close();
    tmp?.remove();
  });

  it('without the token nothing is served: 401 with a Basic challenge (browser paths) or a Bearer one (/metrics)', async () => {
    for (const path of BROWSER_PATHS) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate'], path).toBe('Basic realm="sixfold", charset="UTF-8"');
      expect(res.body, path).not.toContain(TOKEN);
      expect(res.body, path).not.toMatch(/<script|import\{/);
      expect(JSON.parse(res.body).error).toMatch(/token/);
    }
    const m = await get('/metrics');
    expect(m.status).toBe(401);
    expect(m.headers['www-authenticate']).toBe('Bearer');
    expect(m.body).not.toContain('sixfold_');
  });

  it('a wrong token is refused, as Bearer and as Basic', async () => {
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      basic('me', `${TOKEN}x`),
      basic(TOKEN, 'nope'),
      `Basic ${TOKEN}`,
      basic('', ''),
      'Basic !!!',
      TOKEN,
    ]) {
      for (const path of ['/', '/api/overview', '/metrics']) {
        expect((await get(path, { authorization })).status, `${path} ${authorization}`).toBe(401);
      }
    }
  });

  it('Bearer opens every path; Basic (any user, the token as password) opens the browser paths only', async () => {
    for (const path of BROWSER_PATHS.filter((p) => p !== '/api/events')) {
      expect((await get(path, bearer)).status, path).toBe(200);
      expect((await get(path, { authorization: basic('anyone', TOKEN) })).status, path).toBe(200);
    }
    const m = await get('/metrics', bearer);
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    // /metrics takes what /mcp takes: Bearer only.
    expect((await get('/metrics', { authorization: basic('me', TOKEN) })).status).toBe(401);
    const mcpBasic = await rawRequest(server.port, {
      method: 'POST',
      path: '/mcp',
      body: '{}',
      headers: {
        authorization: basic('me', TOKEN),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
    });
    expect(mcpBasic.status).toBe(401);
  });

  it('the page: strict CSP, no framing, assets with ETag and gzip, 304 on revalidation', async () => {
    const page = await get('/', bearer);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(page.body).toMatch(/<script type="module" src="\/assets\/app\.js\?v=/);
    const js = await get('/assets/app.js', { ...bearer, 'accept-encoding': 'gzip' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-encoding']).toBe('gzip');
    const etag = js.headers.etag as string;
    expect((await get('/assets/app.js', { ...bearer, 'if-none-match': etag })).status).toBe(304);
    expect((await get('/assets/nope.js', bearer)).status).toBe(404);
    expect((await get('/assets/..%2F..%2Fpackage.json', bearer)).status).toBe(404);
  });

  it('a foreign Host or Origin is refused (403) even with the token', async () => {
    for (const path of ['/', '/api/overview', '/metrics', '/assets/app.js']) {
      expect((await get(path, { ...bearer, host: 'evil.example' })).status, path).toBe(403);
      expect((await get(path, { ...bearer, origin: 'http://evil.example' })).status, path).toBe(403);
    }
  });

  it('requests a browser marks as cross-site are refused; same-origin, typed URLs and plain navigations are not', async () => {
    const auth = { authorization: basic('me', TOKEN) };
    for (const site of ['cross-site', 'same-site']) {
      for (const path of ['/api/overview', '/assets/app.js', '/metrics']) {
        const res = await get(path, {
          ...auth,
          ...bearer,
          'sec-fetch-site': site,
          'sec-fetch-mode': 'cors',
          'sec-fetch-dest': 'empty',
        });
        expect(res.status, `${site} ${path}`).toBe(403);
        expect(res.body).toMatch(/another site/);
      }
      const embedded = await get('/', {
        ...auth,
        'sec-fetch-site': site,
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'iframe',
      });
      expect(embedded.status).toBe(200); // a navigation; frame-ancestors 'none' and X-Frame-Options stop the framing itself
      expect(
        (await get('/', { ...auth, 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'object' })).status,
      ).toBe(403);
    }
    expect(
      (await get('/', { ...auth, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }))
        .status,
    ).toBe(200);
    expect((await get('/api/overview', { ...auth, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' })).status).toBe(200);
    expect((await get('/', { ...auth, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' })).status).toBe(200);
  });

  it('read-only: other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/api/overview', '/metrics']) {
        const res = await rawRequest(server.port, { method, path, headers: bearer, body: '{}' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.allow).toBe('GET, HEAD');
      }
    }
  });

  it('bad API parameters get 400/404 saying what to send; an oversize URL gets 414', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/api/memory/list?limit=0', 400, /"limit" must be a whole number from 1 to 100/],
      ['/api/memory/list?namespace=Bad%20NS', 400, /not a valid namespace/],
      ['/api/memory/list?tier=hot', 400, /one of working, long_term, flashbulb/],
      ['/api/memory/search', 400, /Missing "q"/],
      ['/api/memory/item?id=nope', 404, /No memory "nope"/],
      ['/api/consensus/log', 400, /Missing "cluster"/],
      ['/api/consensus/log?cluster=ghost', 404, /No consensus cluster "ghost"/],
      ['/api/crdt/doc?id=missing', 404, /No CRDT document/],
      ['/api/agents/run?id=x', 400, /not a valid run id/],
      ['/api/__proto__', 404, /No API view "__proto__"/],
      ['/api/constructor', 404, /No API view/],
      [`/api/memory/search?q=${'a'.repeat(10_001)}`, 414, /URL over 8192/],
    ];
    for (const [path, status, message] of cases) {
      const res = await get(path, bearer);
      expect(res.status, path).toBe(status);
      expect(JSON.parse(res.body).error, path).toMatch(message);
    }
    const long = await get(`/api/memory/search?q=${'b'.repeat(9000)}`, bearer);
    expect(long.status).toBe(414);
  });

  it('live updates: a write by a tool call reaches an open SSE stream as a change naming its area', async () => {
    const events = openEvents(server.port, bearer);
    try {
      const res = await events.opened;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      await events.next((e) => e.includes('event: hello'), 'the hello event');
      const change = events.next((e) => e.includes('event: change') && e.includes('"memory"'), 'a memory change event');
      await callOk(mcp.client, 'memory_store', { content: 'SSE probe', namespace: 'live' });
      expect(await change).toMatch(/^event: change\ndata: \{"topics":\[.*"memory".*\]\}$/);
      const crdt = events.next((e) => e.includes('"crdt"'), 'a crdt change event');
      await callOk(mcp.client, 'crdt_merge', { doc: 'live.doc', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] });
      await crdt;
    } finally {
      events.close();
    }
  });

  it('/metrics counts tool calls, errors, LLM calls and failures, consensus commits and view changes, levels by tier and state', async () => {
    await callOk(mcp.client, 'memory_store', { content: 'metrics probe one', namespace: 'm', tier: 'flashbulb' });
    await callOk(mcp.client, 'memory_store', { content: 'metrics probe two', namespace: 'm' });
    await callErr(mcp.client, 'memory_delete', { id: 'no-such-memory' });
    await callOk(mcp.client, 'byzantine_propose', {
      cluster: 'metrics',
      value: { v: 1 },
      faults: [{ replica: 0, behavior: 'silent' }],
    });
    fake.script['fake-gpt'] = { answer: 'yes' };
    fake.script['fake-claude'] = { answer: 'yes' };
    fake.script['fake-gemini'] = { status: 500, errorMessage: 'down' };
    await callOk(mcp.client, 'multi_model_vote', {
      prompt: 'Is the sky blue?',
      providers: ['openai', 'anthropic', 'gemini'],
      quorum: 'majority',
    }).catch(() => undefined);

    const text = (await get('/metrics', bearer)).body;
    const value = (name: string, labels: string) => {
      const m = new RegExp(`^${name}\\{${labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\} ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    expect(value('sixfold_tool_calls_total', 'tool="memory_store"')).toBeGreaterThanOrEqual(2);
    expect(value('sixfold_tool_errors_total', 'tool="memory_delete"')).toBe(1);
    expect(value('sixfold_tool_call_duration_seconds_count', 'tool="byzantine_propose"')).toBe(1);
    expect(value('sixfold_consensus_commits_total', 'cluster="metrics"')).toBe(1);
    expect(value('sixfold_consensus_view_changes_total', 'cluster="metrics"')).toBeGreaterThanOrEqual(1);
    expect(value('sixfold_consensus_proposals_total', 'cluster="metrics",outcome="committed"')).toBe(1);
    expect(value('sixfold_provider_calls_total', 'provider="openai"')).toBeGreaterThanOrEqual(1);
    expect(value('sixfold_provider_failures_total', 'provider="gemini",kind="server"')).toBeGreaterThanOrEqual(1);
    expect(value('sixfold_provider_call_duration_seconds_count', 'provider="anthropic"')).toBeGreaterThanOrEqual(1);
    expect(value('sixfold_provider_cost_usd_total', 'provider="openai"')).toBeGreaterThan(0);
    expect(value('sixfold_memories', 'tier="flashbulb"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^sixfold_info\{version="[^"]+"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).not.toContain('sk-dashboard'); // no API key anywhere
  });
});

describe('dashboard without a token, on loopback', () => {
  let tmp: TempDir;
  let server: HttpServerHandle;

  beforeAll(async () => {
    tmp = makeTempDir('sixfold-dashboard-open-');
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg });
  });

  afterAll(async () => {
    await server?.close().catch(() => {});
    tmp?.remove();
  });

  it('serves the page, the API and /metrics to loopback clients; Host and Origin are still checked', async () => {
    for (const path of ['/', '/api/overview', '/metrics', '/assets/app.js']) {
      expect((await rawRequest(server.port, { method: 'GET', path })).status, path).toBe(200);
      expect(
        (await rawRequest(server.port, { method: 'GET', path, headers: { host: 'attacker.example:80' } })).status,
        path,
      ).toBe(403);
    }
    const overview = JSON.parse((await rawRequest(server.port, { method: 'GET', path: '/api/overview' })).body);
    expect(overview).toMatchObject({ name: 'sixfold', memory: { total: 0 }, cluster: { configured: false } });
    const peers = JSON.parse((await rawRequest(server.port, { method: 'GET', path: '/api/peers' })).body);
    expect(peers).toEqual({ configured: false });
  });
});

describe('dashboard and metrics switched off', () => {
  let tmp: TempDir;
  let server: HttpServerHandle;

  beforeAll(async () => {
    tmp = makeTempDir('sixfold-dashboard-off-');
    const { writeFileSync } = await import('node:fs');
    const cfg = `${tmp.dir}/config.json`;
    writeFileSync(cfg, JSON.stringify({ http: { dashboard: false, metrics: false } }));
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, extraArgs: ['--config', cfg] });
  });

  afterAll(async () => {
    await server?.close().catch(() => {});
    tmp?.remove();
  });

  it('/, /api and /metrics are 404; /mcp and /healthz still work', async () => {
    for (const path of ['/', '/api/overview', '/metrics', '/assets/app.js']) {
      expect((await rawRequest(server.port, { method: 'GET', path })).status, path).toBe(404);
    }
    expect((await rawRequest(server.port, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });
});
