/**
 * Spawning the BUILT sixfold server (dist/src/main.js) for end-to-end tests: over stdio with the
 * SDK's StdioClientTransport, over Streamable HTTP with StreamableHTTPClientTransport, or as a raw
 * child process when a test needs exit codes or the bytes on stdout.
 *
 * Nothing here sleeps to synchronise: readiness is the server's own "sixfold ready" log line, exits
 * are the child's 'exit' event, and every wait has a timeout that rejects (failing the test) instead
 * of hanging it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = 'dist/src/main.js';

if (!existsSync(join(REPO_ROOT, MAIN))) {
  throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.json, or npm test).`);
}

/** Rejects with a message naming `what` if `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Temp dirs and environment

export interface TempDir {
  dir: string;
  /** A DB path inside `dir` (the file does not exist yet). */
  db: string;
  /** XDG_DATA_HOME for children, inside `dir`. */
  xdg: string;
  remove(): void;
}

export function makeTempDir(prefix = 'sixfold-e2e-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    db: join(dir, 'sixfold.db'),
    xdg: join(dir, 'xdg'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Test servers embed with hash-384 unless a test asks otherwise: it needs no model load, so the
 * many e2e servers start and answer at once. Tests of the default (use-lite) pass
 * `SIXFOLD_EMBEDDER: 'use-lite'`, or `''` to leave the embedder unconfigured.
 */
export const TEST_EMBEDDER = { SIXFOLD_EMBEDDER: 'hash-384' };

/**
 * The environment for a child: ours minus any SIXFOLD_* (so a developer's settings cannot leak in),
 * XDG_DATA_HOME pointed at a temp dir, the test embedder, then `extra`.
 */
export function childEnv(xdg: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('SIXFOLD_')) env[k] = v;
  }
  return { ...env, XDG_DATA_HOME: xdg, ...TEST_EMBEDDER, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Raw child processes

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  proc: ChildProcess;
  /** All of stderr so far. */
  stderr(): string;
  /** All of stdout so far. */
  stdout(): string;
  /** Resolves once the process has exited and its stdio streams have closed. */
  exited: Promise<Exit>;
  /** Resolves with the first complete stderr line for which `match` is true; rejects on timeout or exit. */
  waitForStderrLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
  /** Resolves with the first complete stdout line for which `match` is true; rejects on timeout or exit. */
  waitForStdoutLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
  /** Sends `signal` and waits for exit; SIGKILLs if it has not exited within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

type LineWaiter = { match: (line: string) => boolean; resolve: (line: string) => void };

/** Splits a stream into lines, remembering them, and lets callers wait for a matching one. */
function lineTap(stream: NodeJS.ReadableStream | null) {
  let text = '';
  let partial = '';
  const lines: string[] = [];
  const waiters = new Set<LineWaiter>();
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text += chunk;
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  return { text: () => text, lines, waiters };
}

/** Spawns `node dist/src/main.js ...args` from the repo root. */
export function spawnServer(args: string[], env: Record<string, string>): ServerProcess {
  const proc = spawn(process.execPath, [MAIN, ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = lineTap(proc.stdout);
  const err = lineTap(proc.stderr);
  const exited = new Promise<Exit>((resolveExit) => {
    proc.once('close', (code, signal) => resolveExit({ code, signal }));
  });
  proc.on('error', () => {}); // spawn errors surface as an exit / a timeout with stderr in the message
  proc.stdin?.on('error', () => {}); // EPIPE after the child died is not the test's failure

  const waitLine =
    (tap: ReturnType<typeof lineTap>, name: string) =>
    (match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> => {
      const seen = tap.lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      let waiter: LineWaiter | undefined;
      const found = new Promise<string>((res, rej) => {
        waiter = { match, resolve: res };
        tap.waiters.add(waiter);
        void exited.then((e) =>
          rej(new Error(`server exited (code ${e.code}, signal ${e.signal}) before ${what} on ${name}; stderr:\n${err.text()}`)),
        );
      });
      return withTimeout(found, timeoutMs, `${what} on ${name}; stderr so far:\n${err.text()}`).finally(() => {
        if (waiter) tap.waiters.delete(waiter);
      });
    };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<Exit> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    try {
      return await withTimeout(exited, timeoutMs, `pid ${proc.pid} to exit after ${signal}`);
    } catch (e) {
      proc.kill('SIGKILL');
      await exited;
      throw e;
    }
  };

  return {
    proc,
    stderr: err.text,
    stdout: out.text,
    exited,
    waitForStderrLine: waitLine(err, 'stderr'),
    waitForStdoutLine: waitLine(out, 'stdout'),
    stop,
  };
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (killing it after `timeoutMs`, which then fails). */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 10_000): Promise<CliResult> {
  const p = spawnServer(args, env);
  p.proc.stdin?.end();
  try {
    const e = await withTimeout(p.exited, timeoutMs, `sixfold ${args.join(' ')} to exit`);
    return { ...e, stdout: p.stdout(), stderr: p.stderr() };
  } finally {
    if (p.proc.exitCode === null && p.proc.signalCode === null) {
      p.proc.kill('SIGKILL');
      await p.exited;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// stdio

export interface StdioServerOptions {
  db: string;
  xdg: string;
  env?: Record<string, string>;
  logLevel?: string;
  /** More CLI arguments after --db and --log-level, e.g. ['--config', path]. */
  extraArgs?: string[];
  /** How long to wait for the server to initialize (default 15 s; clusters start many at once). */
  startTimeoutMs?: number;
  /** What the client declares (e.g. sampling) and handlers to set on it before it connects. */
  client?: ClientSetup;
}

export interface ClientSetup {
  capabilities?: ClientCapabilities;
  /** Called before connect: set request/notification handlers here. */
  setup?: (client: Client) => void;
}

function makeClient(name: string, opts: ClientSetup | undefined): Client {
  const client = new Client({ name, version: '0.0.0' }, opts?.capabilities ? { capabilities: opts.capabilities } : undefined);
  opts?.setup?.(client);
  return client;
}

export interface StdioClientHandle {
  client: Client;
  transport: StdioClientTransport;
  /** The server process id. */
  pid: number;
  stderr(): string;
  /** Closes the client (ending the child's stdin); kills the child if it is still alive after that. */
  close(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startStdioClient(opts: StdioServerOptions): Promise<StdioClientHandle> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, '--db', opts.db, '--log-level', opts.logLevel ?? 'warn', ...(opts.extraArgs ?? [])],
    cwd: REPO_ROOT,
    env: { XDG_DATA_HOME: opts.xdg, ...TEST_EMBEDDER, ...opts.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const client = makeClient('sixfold-e2e', opts.client);
  try {
    await withTimeout(client.connect(transport), opts.startTimeoutMs ?? 15_000, 'stdio server to initialize');
  } catch (e) {
    await transport.close().catch(() => {});
    throw new Error(`${(e as Error).message}; stderr:\n${stderr}`);
  }
  const pid = transport.pid;
  if (pid === null) throw new Error('StdioClientTransport has no pid after connect');
  let closed = false;
  return {
    client,
    transport,
    pid,
    stderr: () => stderr,
    close: async () => {
      if (closed) return;
      closed = true;
      // The SDK closes stdin, then escalates to SIGTERM and SIGKILL if the child lingers.
      await withTimeout(client.close(), 10_000, 'stdio client to close').catch(() => {});
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Streamable HTTP

export interface HttpServerOptions {
  db: string;
  xdg: string;
  env?: Record<string, string>;
  host?: string;
  extraArgs?: string[];
  /** How long to wait for the ready line (default 15 s). */
  startTimeoutMs?: number;
}

export interface HttpServerHandle {
  /** The URL the server logged, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  port: number;
  /** http://127.0.0.1:<port>, for building other paths. */
  origin: string;
  proc: ChildProcess;
  stderr(): string;
  exited: Promise<Exit>;
  /** SIGTERM and wait; SIGKILL if it hangs. Returns how it exited. */
  close(): Promise<Exit>;
}

interface ReadyLine {
  msg?: string;
  url?: string;
}

function parseReady(line: string): ReadyLine | undefined {
  try {
    const o = JSON.parse(line) as ReadyLine;
    return o && o.msg === 'sixfold ready' ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `--transport http --port 0` and waits for the "sixfold ready" log line (info level) to
 * learn the real URL. The ready line is logged at info, so this runs at --log-level info.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const args = [
    '--transport',
    'http',
    '--port',
    '0',
    '--host',
    opts.host ?? '127.0.0.1',
    '--db',
    opts.db,
    '--log-level',
    'info',
    ...(opts.extraArgs ?? []),
  ];
  const p = spawnServer(args, childEnv(opts.xdg, opts.env));
  let line: string;
  try {
    line = await p.waitForStderrLine(
      (l) => parseReady(l) !== undefined,
      opts.startTimeoutMs ?? 15_000,
      'the "sixfold ready" line',
    );
  } catch (e) {
    await p.stop('SIGKILL').catch(() => {});
    throw e;
  }
  const url = parseReady(line)?.url;
  if (!url) {
    await p.stop('SIGKILL').catch(() => {});
    throw new Error(`ready line has no url: ${line}`);
  }
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    origin: `http://127.0.0.1:${port}`,
    proc: p.proc,
    stderr: p.stderr,
    exited: p.exited,
    close: () => p.stop('SIGTERM'),
  };
}

export interface HttpClientHandle {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /**
   * Resolves once the server has answered the client's GET (the standalone SSE stream that carries
   * notifications not tied to a request, such as resources/updated): only then can they arrive.
   */
  notificationsReady(): Promise<void>;
  close(): Promise<void>;
}

export async function connectHttpClient(url: string, token?: string, setup?: ClientSetup): Promise<HttpClientHandle> {
  let ready!: () => void;
  const notificationsReady = new Promise<void>((r) => {
    ready = r;
  });
  const tap: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if ((init?.method ?? 'GET') === 'GET' && res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      ready();
    return res;
  };
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined,
    fetch: tap,
  });
  const client = makeClient('sixfold-e2e-http', setup);
  try {
    await withTimeout(client.connect(transport), 15_000, `HTTP client to connect to ${url}`);
  } catch (e) {
    await client.close().catch(() => {});
    throw e;
  }
  return {
    client,
    transport,
    notificationsReady: () => withTimeout(notificationsReady, 10_000, 'the server to open the notification stream (GET /mcp)'),
    close: () => withTimeout(client.close(), 10_000, 'HTTP client to close').catch(() => {}),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One small HTTP request with node:http (fetch will not set Host). For large uploads use rawUpload.
 */
export function rawRequest(
  port: number,
  opts: { method: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer },
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return withTimeout(
    new Promise<RawResponse>((resolveRes, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers, agent: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          const done = () => resolveRes({ status: res.statusCode ?? 0, headers: res.headers, body });
          res.on('end', done);
          res.on('error', done); // connection cut after the status arrived: the status is what we test
          res.on('aborted', done);
        },
      );
      req.on('error', (e) => reject(e)); // after a response this is a no-op
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    }),
    timeoutMs,
    `${opts.method} ${opts.path}`,
  );
}

/**
 * Sends an HTTP/1.1 request with a large body over a plain TCP socket and returns the status the
 * server answers with. The body goes out in 64 KiB pieces, yielding to the event loop between
 * them; writing stops as soon as the server has said anything, or once `stopAfter` body bytes are
 * out (the request is then left incomplete and the server is expected to answer anyway, as it
 * must for an oversize body). Never writing after the answer matters: a server that refuses a body
 * closes the connection, and a write into a reset connection fails synchronously and throws the
 * unread answer away.
 */
export function rawUpload(
  port: number,
  opts: {
    method: string;
    path: string;
    headers: Record<string, string | number>;
    body: Buffer;
    /** Send with Transfer-Encoding: chunked instead of Content-Length. */
    chunked?: boolean;
    /** Stop writing after this many body bytes (default: the whole body). */
    stopAfter?: number;
  },
  timeoutMs = 10_000,
): Promise<{ status: number; response: string; bytesSent: number }> {
  const sock = netConnect({ host: '127.0.0.1', port });
  return withTimeout(
    new Promise<{ status: number; response: string; bytesSent: number }>((resolveUp, reject) => {
      let response = '';
      let bytesSent = 0;
      let lastError: Error | undefined;
      sock.setEncoding('latin1');
      const settle = () => {
        const m = /^HTTP\/1\.[01] (\d{3}) /.exec(response);
        if (m) resolveUp({ status: Number(m[1]), response, bytesSent });
        else reject(new Error(`no HTTP status received after ${bytesSent} body bytes (${lastError?.message ?? 'closed'})`));
      };
      sock.on('data', (c: string) => {
        response += c;
        // Done once a Content-Length response is complete (the server may keep the socket alive).
        const end = response.indexOf('\r\n\r\n');
        const len = /\r\ncontent-length: *(\d+)\r\n/i.exec(response.slice(0, end + 2));
        if (end >= 0 && len && Buffer.byteLength(response.slice(end + 4), 'latin1') >= Number(len[1])) settle();
      });
      sock.on('error', (e) => {
        lastError = e; // ECONNRESET once the server closes a refused upload
      });
      sock.on('close', settle);
      sock.on('connect', async () => {
        const head = [`${opts.method} ${opts.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
        for (const [k, v] of Object.entries(opts.headers)) head.push(`${k}: ${v}`);
        head.push(opts.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${opts.body.length}`);
        sock.write(`${head.join('\r\n')}\r\n\r\n`);
        const stopAfter = opts.stopAfter ?? opts.body.length;
        const CHUNK = 64 * 1024;
        const answered = () => response.length > 0 || sock.destroyed;
        for (let off = 0; off < opts.body.length && bytesSent < stopAfter; off += CHUNK) {
          // Let any pending answer be read before writing more.
          await new Promise<void>((r) => setImmediate(r));
          if (answered()) return;
          const data = opts.body.subarray(off, off + CHUNK);
          bytesSent += data.length;
          const chunk = opts.chunked
            ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
            : data;
          if (!sock.write(chunk)) {
            await new Promise<void>((r) => {
              const done = () => {
                sock.off('drain', done).off('close', done).off('data', done);
                r();
              };
              sock.on('drain', done).on('close', done).on('data', done);
            });
          }
        }
        await new Promise<void>((r) => setImmediate(r));
        if (!answered() && bytesSent >= opts.body.length) sock.write(opts.chunked ? '0\r\n\r\n' : '');
        // Otherwise: request deliberately incomplete; wait for the server's answer and close.
      });
    }),
    timeoutMs,
    `${opts.method} ${opts.path} upload`,
  ).finally(() => sock.destroy());
}

/** The JSON text of a single-content resource read. */
export function resourceJson<T = unknown>(result: { contents: ReadonlyArray<object> }): T {
  const first = result.contents[0] as { text?: unknown } | undefined;
  const text = first?.text;
  if (typeof text !== 'string') throw new Error(`resource has no text content: ${JSON.stringify(result)}`);
  return JSON.parse(text) as T;
}

// ---------------------------------------------------------------------------------------------
// Raw JSON-RPC over a spawned stdio server (for tests that need exit codes or the stdout bytes)

export interface RawRpc {
  /** Sends a request and resolves with its response (result or error), matched by id. */
  request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<{ result?: any; error?: any }>;
  notify(method: string, params?: Record<string, unknown>): void;
  /** initialize + notifications/initialized. */
  initialize(): Promise<void>;
}

export function rawRpc(p: ServerProcess): RawRpc {
  let nextId = 1;
  const send = (msg: Record<string, unknown>) => {
    p.proc.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
  };
  const request: RawRpc['request'] = async (method, params = {}, timeoutMs = 10_000) => {
    const id = nextId++;
    const isResponse = (line: string) => {
      try {
        const m = JSON.parse(line) as { id?: unknown; method?: unknown };
        return m.id === id && m.method === undefined;
      } catch {
        return false;
      }
    };
    const waiting = p.waitForStdoutLine(isResponse, timeoutMs, `the response to ${method} (id ${id})`);
    send({ id, method, params });
    return JSON.parse(await waiting) as { result?: any; error?: any };
  };
  return {
    request,
    notify: (method, params = {}) => send({ method, params }),
    initialize: async () => {
      const r = await request('initialize', {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'sixfold-e2e-raw', version: '0.0.0' },
      });
      if (!r.result) throw new Error(`initialize failed: ${JSON.stringify(r)}`);
      send({ method: 'notifications/initialized' });
    },
  };
}

/** Spawns a stdio server the test controls directly (stdin, signals, exit code). */
export function spawnStdioServer(opts: StdioServerOptions): ServerProcess {
  return spawnServer(
    ['--db', opts.db, '--log-level', opts.logLevel ?? 'warn', ...(opts.extraArgs ?? [])],
    childEnv(opts.xdg, opts.env),
  );
}
