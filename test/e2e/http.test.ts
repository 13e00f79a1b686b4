/**
 * Acceptance 2: the core flow over Streamable HTTP, sessions, DELETE ending a session, /healthz.
 * One server (loopback, no token) for the file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readNamespace, readStatus, search, store, TOOL_NAMES } from '../helpers/mcp.js';
import {
  connectHttpClient,
  makeTempDir,
  resourceJson,
  startHttpServer,
  type HttpClientHandle,
  type HttpServerHandle,
  type TempDir,
} from '../helpers/server.js';

describe('HTTP server', () => {
  let tmp: TempDir;
  let server: HttpServerHandle;
  const clients: HttpClientHandle[] = [];

  const connect = async () => {
    const c = await connectHttpClient(server.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    tmp = makeTempDir();
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await server?.close().catch(() => {});
    tmp?.remove();
  });

  it('logs a loopback URL on an OS-chosen port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('GET /healthz answers 200 {ok: true}', async () => {
    const res = await fetch(`${server.origin}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { ok: boolean };
    expect(body.ok).toBe(true);
  });

  it('stores, searches and reads resources', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);

    const deploy = await store(client, {
      content: 'The deployment pipeline failed because the database migration timed out',
      namespace: 'web',
    });
    await store(client, { content: 'Lunch order for Friday: two pizzas and a salad', namespace: 'web' });
    await store(client, { content: 'Invoice HT-5520 is overdue', namespace: 'web' });

    const r = await search(client, { query: 'deploying pipelines: migrations timing out', namespace: 'web' });
    expect(r.mode).toBe('hybrid');
    expect(r.results[0].id).toBe(deploy.id);
    const kw = await search(client, { query: 'HT-5520', mode: 'keyword' });
    expect(kw.results.map((x) => x.content)).toEqual(['Invoice HT-5520 is overdue']);

    const page = await readNamespace(client, 'memory://web');
    expect(page.namespace).toBe('web');
    expect(page.memories).toHaveLength(3);
    expect(page.memories[2].id).toBe(deploy.id); // newest first, so the first stored is last
    expect(page.next).toBeNull();
    const one = resourceJson<{ id: string; content: string }>(await client.readResource({ uri: `memory://web/${deploy.id}` }));
    expect(one.id).toBe(deploy.id);

    const status = await readStatus(client);
    expect(status.embedder).toEqual({ id: 'hash-384', dims: 384 });
    expect(status.counts.by_namespace.web).toBe(3);
    expect(status.db).toBe(tmp.db);
  });

  it('two clients get different sessions and see the same memories', async () => {
    const a = await connect();
    const b = await connect();
    expect(a.transport.sessionId).toMatch(/\S/);
    expect(b.transport.sessionId).toMatch(/\S/);
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);

    const m = await store(a.client, { content: 'shared across sessions: token SH-0042', namespace: 'shared' });
    const found = await search(b.client, { query: 'SH-0042', mode: 'keyword' });
    expect(found.results.map((x) => x.id)).toEqual([m.id]);
    const viaB = await readNamespace(b.client, 'memory://shared');
    expect(viaB.memories.map((x) => x.id)).toEqual([m.id]);

    const m2 = await store(b.client, { content: 'written by the second client SH-0043', namespace: 'shared' });
    const viaA = await readNamespace(a.client, 'memory://shared');
    expect(viaA.memories.map((x) => x.id)).toEqual([m2.id, m.id]);
  });

  it('DELETE ends a session; the old session id then gets 404', async () => {
    const c = await connect();
    const sid = c.transport.sessionId!;
    expect(sid).toMatch(/\S/);
    await c.client.listTools(); // the session works

    await c.transport.terminateSession();
    expect(c.transport.sessionId).toBeUndefined();

    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': c.transport.protocolVersion ?? '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error?: { message?: string } };
    expect(body.error?.message).toContain(sid);

    // Other sessions and new ones are unaffected.
    const d = await connect();
    expect(d.transport.sessionId).not.toBe(sid);
    expect((await d.client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
  });

  it('a request without a session that is not initialize gets 400', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(400);
    await res.body?.cancel();
  });

  it('an unknown path gets 404 and the server still serves', async () => {
    const res = await fetch(`${server.origin}/nope`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('SIGTERM shuts the HTTP server down with exit code 0', async () => {
    // Last in the file: afterAll's close() then finds it already gone.
    const c = await connect();
    await store(c.client, { content: 'stored right before shutdown', namespace: 'web-shutdown' });
    const exit = await server.close();
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
