/**
 * Acceptance 5: HTTP security. Bearer token, Host and Origin checks (DNS rebinding), the body size
 * limit, and refusing a non-loopback bind without a token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { search, store, TOOL_NAMES } from '../helpers/mcp.js';
import {
  childEnv,
  connectHttpClient,
  makeTempDir,
  rawRequest,
  rawUpload,
  runCli,
  startHttpServer,
  type HttpClientHandle,
  type HttpServerHandle,
  type TempDir,
} from '../helpers/server.js';

const TOKEN = 'e2e-secret-token-0123456789';
const MAX_BODY = 4 * 1024 * 1024;

const initializeBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('HTTP security (token set)', () => {
  let tmp: TempDir;
  let server: HttpServerHandle;
  const clients: HttpClientHandle[] = [];

  beforeAll(async () => {
    tmp = makeTempDir();
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, env: { SIXFOLD_HTTP_TOKEN: TOKEN } });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await server?.close().catch(() => {});
    tmp?.remove();
  });

  it('POST /mcp without Authorization gets 401', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: mcpHeaders, body: initializeBody });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/bearer token/i);
    expect(body.error.message).not.toContain(TOKEN);
  });

  it('a wrong token gets 401', async () => {
    for (const auth of [`Bearer ${TOKEN}x`, 'Bearer wrong-token-wrong-token', `Basic ${TOKEN}`, TOKEN]) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { ...mcpHeaders, authorization: auth },
        body: initializeBody,
      });
      expect(res.status, auth).toBe(401);
      await res.body?.cancel();
    }
  });

  it('the SDK client without a token cannot connect', async () => {
    await expect(connectHttpClient(server.url)).rejects.toThrow(/401|Unauthorized|token/i);
  });

  it('the right token works', async () => {
    const c = await connectHttpClient(server.url, TOKEN);
    clients.push(c);
    const m = await store(c.client, { content: 'authorised write TK-9911', namespace: 'secure' });
    const r = await search(c.client, { query: 'TK-9911', mode: 'keyword' });
    expect(r.results.map((x) => x.id)).toEqual([m.id]);
  });

  it('a foreign Host header gets 403, even with the right token', async () => {
    for (const path of ['/mcp', '/healthz']) {
      const res = await rawRequest(server.port, {
        method: path === '/mcp' ? 'POST' : 'GET',
        path,
        headers: { ...mcpHeaders, host: 'evil.example:1234', authorization: `Bearer ${TOKEN}` },
        body: path === '/mcp' ? initializeBody : undefined,
      });
      expect(res.status, path).toBe(403);
      expect(res.body).toContain('evil.example');
    }
    // Our own Host names pass.
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      const ok = await rawRequest(server.port, { method: 'GET', path: '/healthz', headers: { host } });
      expect(ok.status, host).toBe(200);
    }
  });

  it('a foreign Origin gets 403, even with the right token', async () => {
    const res = await rawRequest(server.port, {
      method: 'POST',
      path: '/mcp',
      headers: { ...mcpHeaders, origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` },
      body: initializeBody,
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('http://evil.example');
    const own = await rawRequest(server.port, {
      method: 'GET',
      path: '/healthz',
      headers: { origin: `http://127.0.0.1:${server.port}` },
    });
    expect(own.status).toBe(200);
  });

  // The server reads an oversize body to its end (discarding it) before answering 413, so a client
  // that keeps writing is never reset mid-upload and always gets to read the refusal.
  it('a body over 4 MiB gets 413, and a client that sends it all still reads the 413 (repeatedly)', async () => {
    const body = Buffer.alloc(MAX_BODY + 1, 0x20);
    for (let i = 0; i < 5; i++) {
      const r = await fetch(server.url, {
        method: 'POST',
        headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN}` },
        body,
      });
      expect(r.status).toBe(413);
      expect(await r.text()).toMatch(/over 4194304 bytes/);
    }
  });

  it('a body over 4 MiB gets 413 (chunked, no Content-Length)', async () => {
    const body = Buffer.alloc(MAX_BODY + 256 * 1024, 0x20);
    const r = await rawUpload(server.port, {
      method: 'POST',
      path: '/mcp',
      headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN}` },
      body,
      chunked: true,
    });
    expect(r.status).toBe(413);
    expect(r.bytesSent).toBe(body.length); // the whole body went through: no reset
    expect(r.response).toMatch(/over 4194304 bytes/);
  });

  // Draining has an end: a client that keeps sending past 64 MiB beyond the limit is answered and
  // cut off, so nobody can keep the server reading a refused body forever.
  it('an oversize upload that goes on past the drain cap is cut off', async () => {
    const body = Buffer.alloc(MAX_BODY + 100 * 1024 * 1024, 0x20); // well past the cap and the socket buffers
    const r = await rawUpload(
      server.port,
      {
        method: 'POST',
        path: '/mcp',
        headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN}` },
        body,
        chunked: true,
      },
      60_000,
    ).catch((e: Error) => e);
    if (r instanceof Error) {
      // The reset reached the client before it read the answer: it must still have been cut off.
      const sent = Number(/after (\d+) body bytes/.exec(r.message)?.[1]);
      expect(sent).toBeLessThan(body.length);
    } else {
      expect(r.status).toBe(413);
      expect(r.bytesSent).toBeLessThan(body.length);
      expect(r.response).toMatch(/over 4194304 bytes/);
    }
  });

  it('a body just under the limit is not refused for its size', async () => {
    // Valid JSON padded to just under 4 MiB: an initialize request with a long clientInfo name.
    const pad = MAX_BODY - Buffer.byteLength(initializeBody) - 64;
    const json = initializeBody.replace('"name":"raw"', `"name":"raw${'x'.repeat(pad)}"`);
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_BODY);
    const r = await rawUpload(server.port, {
      method: 'POST',
      path: '/mcp',
      headers: { ...mcpHeaders, authorization: `Bearer ${TOKEN}` },
      body: Buffer.from(json),
    });
    expect(r.status).not.toBe(413);
    expect(r.status).toBe(200);
  });

  it('still serves after all the refused requests', async () => {
    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
    const c = await connectHttpClient(server.url, TOKEN);
    clients.push(c);
    expect((await search(c.client, { query: 'TK-9911', mode: 'keyword' })).results).toHaveLength(1);
  });
});

describe('binding beyond loopback', () => {
  let tmp: TempDir;
  let server: HttpServerHandle | undefined;

  beforeAll(() => {
    tmp = makeTempDir();
  });

  afterAll(async () => {
    await server?.close().catch(() => {});
    tmp?.remove();
  });

  it('--host 0.0.0.0 without a token refuses to start', async () => {
    const r = await runCli(['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toContain('Refusing to listen');
    expect(r.stderr).toContain('SIXFOLD_HTTP_TOKEN');
  });

  it('a token shorter than 16 characters is refused', async () => {
    const r = await runCli(
      ['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--db', tmp.db],
      childEnv(tmp.xdg, { SIXFOLD_HTTP_TOKEN: 'short' }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('16 characters');
  });

  it('--host 0.0.0.0 with a token starts and requires it', async () => {
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, host: '0.0.0.0', env: { SIXFOLD_HTTP_TOKEN: TOKEN } });
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/mcp$/);
    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    await health.body?.cancel();
    const denied = await fetch(`${server.origin}/mcp`, { method: 'POST', headers: mcpHeaders, body: initializeBody });
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const c = await connectHttpClient(`${server.origin}/mcp`, TOKEN);
    try {
      expect((await c.client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
    } finally {
      await c.close();
    }
    const exit = await server.close();
    server = undefined;
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
