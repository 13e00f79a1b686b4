import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { measureRoundTrips } from './lib/round-trips.js';
import { fmt, settle, summarize, type Row } from './lib/stats.js';

const ENTRY = resolve('dist/src/main.js');
const CALLS = 1000;
const HEALTH = 2000;
const BIG = 20;
/** Just under the default http.max_body_bytes (4 MiB). */
const BIG_BYTES = 4 * 1024 * 1024 - 4096;
const TOKEN = 'bench-token-0123456789abcdef';

/** `sixfold --transport http --port 0` with a token (so the bearer check is on the path); resolves with its origin. */
function startServer(db: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [ENTRY, '--transport', 'http', '--port', '0', '--db', db, '--log-level', 'info'], {
    // hash-384: these rows measure the HTTP edge and the protocol, not a model.
    env: { PATH: process.env.PATH ?? '', SIXFOLD_EMBEDDER: 'hash-384', SIXFOLD_HTTP_TOKEN: TOKEN, HOME: dirname(db) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    proc.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolveStart, reject) => {
    let buf = '';
    proc.stderr!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const m = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(buf);
      if (m) {
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.resume();
        resolveStart({ origin: m[1], stop });
      }
    });
    proc.once('exit', (code) => reject(new Error(`sixfold exited (${code}) before it was ready:\n${buf.slice(-2000)}`)));
  });
}

/** One request on a keep-alive agent; resolves with the status once the body is read. */
function send(
  agent: Agent,
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<number> {
  return new Promise((res, rej) => {
    const req = request(`${origin}${path}`, { method, headers, agent }, (r) => {
      r.resume();
      r.once('end', () => res(r.statusCode ?? 0));
    });
    req.once('error', rej);
    req.end(body);
  });
}

/**
 * Streamable HTTP round trips through a real MCP client (loopback, keep-alive, bearer token on),
 * beside a ping over the same session; /healthz alone (the HTTP edge: Host/Origin checks and
 * routing, no MCP); and a body just under the 4 MiB limit (read, parse and answer a padded ping).
 */
export async function runHttpBench(): Promise<Row[]> {
  // The SDK's HTTP client adds an abort listener per request to one long-lived signal; Node warns
  // past 1,500 of them on every further request. A client-side quirk that would bury the table.
  const quiet = (w: Error) => w.name !== 'MaxListenersExceededWarning' && process.stderr.write(`${w.stack ?? w.message}\n`);
  const warnings = process.listeners('warning');
  process.removeAllListeners('warning').on('warning', quiet);
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-http-'));
  const server = await startServer(join(dir, 'http.db'));
  const rows: Row[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
  });
  const client = new Client({ name: 'bench', version: '1' });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await client.connect(transport);
    const { ping, store, search } = await measureRoundTrips(client, CALLS);
    const p = summarize(ping);
    rows.push({
      figure: 'ping round trip over Streamable HTTP (one session, bearer token)',
      anchor: '—',
      ours: `p50 ${fmt(p.p50, 3)} ms, p95 ${fmt(p.p95, 3)} ms`,
      goal: '—',
    });
    for (const [what, samples] of [
      ['memory_store', store],
      ['memory_search hybrid k=5, 1k memories', search],
    ] as const) {
      const t = summarize(samples);
      rows.push({
        figure: `tools/call round trip over Streamable HTTP: ${what}`,
        anchor: `ping round trip, this run: p50 ${fmt(p.p50, 3)} ms`,
        ours: `p50 ${fmt(t.p50, 3)} ms, p95 ${fmt(t.p95, 3)} ms`,
        goal: '—',
      });
    }

    await settle();
    const health: number[] = [];
    for (let i = 0; i < HEALTH; i++) {
      const s = performance.now();
      const status = await send(agent, server.origin, 'GET', '/healthz', {});
      health.push(performance.now() - s);
      if (status !== 200) throw new Error(`/healthz answered ${status}`);
    }
    const h = summarize(health);
    rows.push({
      figure: 'GET /healthz round trip (keep-alive; Host/Origin checks, routing, no MCP)',
      anchor: '—',
      ours: `p50 ${fmt(h.p50, 3)} ms, p95 ${fmt(h.p95, 3)} ms`,
      goal: '—',
    });

    // A ping padded with whitespace to just under the limit: the body is read, parsed and answered.
    const head = '{"jsonrpc":"2.0","id":1,"method":"ping"';
    const big = Buffer.from(head + ' '.repeat(BIG_BYTES - head.length - 1) + '}');
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${TOKEN}`,
      'mcp-session-id': transport.sessionId!,
      'mcp-protocol-version': transport.protocolVersion ?? '2025-06-18',
    };
    await settle();
    const bigT: number[] = [];
    for (let i = 0; i < BIG; i++) {
      const s = performance.now();
      const status = await send(agent, server.origin, 'POST', '/mcp', headers, big);
      bigT.push(performance.now() - s);
      if (status !== 200) throw new Error(`the ${big.length}-byte ping answered ${status}`);
    }
    const b = summarize(bigT);
    rows.push({
      figure: `POST /mcp, ${fmt(big.length / 1024 / 1024, 2)} MiB body (a ping padded with spaces): read, parse, answer (${BIG} samples)`,
      anchor: '—',
      ours: `p50 ${fmt(b.p50, 2)} ms, p95 ${fmt(b.p95, 2)} ms`,
      goal: '—',
    });
  } finally {
    agent.destroy();
    await client.close().catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    process.removeListener('warning', quiet);
    for (const l of warnings) process.on('warning', l);
  }
  return rows;
}
