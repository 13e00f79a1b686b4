/**
 * The fuzz run shared by the short test (test/fuzz/fuzz.test.ts) and the long bench
 * (bench/fuzz.ts): seeded, schema-aware calls to every tool through a real MCP client over stdio,
 * each checked for the properties a hostile client must not break.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import fc from 'fast-check';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { callArb, type FuzzCall, type Schema } from './fuzz-arbitraries.js';

export interface Defect {
  tool: string;
  kind: string;
  why: string;
  args: string;
}

export interface FuzzReport {
  calls: number;
  perTool: Record<string, number>;
  accepted: number;
  refused: number;
  defects: Defect[];
  /** Server RSS (KiB) after start-up and at the end. */
  rssBeforeKiB: number;
  rssAfterKiB: number;
  elapsedMs: number;
}

export interface FuzzOptions {
  seed: number;
  callsPerTool: number;
  /** Stop early (between calls) after this long; the calls made so far are reported. */
  deadlineMs?: number;
  /** Per-call timeout. */
  callTimeoutMs?: number;
}

const MAX_ERROR_BYTES = 4096;
/** A stack frame or a path of this machine in a text meant for the caller. */
const LEAK = /\n\s+at\s|\bat [^\s]+ \(|file:\/\/|node_modules|\/work\/|\/tmp\/|dist\/src|\.[cm]?js:\d+/;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function short(args: unknown): string {
  const s = JSON.stringify(args) ?? String(args);
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

/** How a refusal names a field: its name, or its first 40 characters (names are clipped in errors). */
function names(text: string, field: string): boolean {
  if (field === '') return text.includes('""');
  return text.includes(field.length > 40 ? field.slice(0, 40) : field);
}

async function oneCall(client: Client, c: FuzzCall, timeoutMs: number, defects: Defect[]): Promise<'accepted' | 'refused'> {
  const defect = (why: string) => defects.push({ tool: c.tool, kind: c.kind, why, args: short(c.args) });
  let r;
  try {
    r = await client.callTool({ name: c.tool, arguments: c.args }, undefined, { timeout: timeoutMs });
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    // A JSON-RPC error answer is a refusal too, unless it is the output failing its own schema or no answer at all.
    if (/Output validation|structured content|timed out|Connection closed|not connected/i.test(msg))
      defect(`call failed: ${msg.slice(0, 200)}`);
    else if (msg.length > MAX_ERROR_BYTES) defect(`JSON-RPC error of ${msg.length} characters`);
    else if (LEAK.test(msg)) defect(`JSON-RPC error leaks a stack or path: ${msg.slice(0, 200)}`);
    return 'refused';
  }
  const content = (r.content ?? []) as Array<{ type: string; text?: string }>;
  const text = content.map((x) => x.text ?? '').join('\n');
  if (r.isError) {
    if (Buffer.byteLength(text) > MAX_ERROR_BYTES) defect(`error text of ${Buffer.byteLength(text)} bytes`);
    if (LEAK.test(text)) defect(`error text leaks a stack or path: ${text.slice(0, 200)}`);
    // The refusal names the field it was built around, or another field of the call: the random
    // "valid" part can break rules a JSON Schema cannot state (tags are normalised before they are checked).
    const named = (f: string) => names(text, f);
    const otherNamed =
      c.args &&
      typeof c.args === 'object' &&
      Object.keys(c.args).some((k) => k !== c.mustFailNaming && k !== '__proto__' && named(k));
    if (c.mustFailNaming !== undefined && !named(c.mustFailNaming) && !otherNamed)
      defect(`refusal does not name "${c.mustFailNaming.slice(0, 40)}": ${text.slice(0, 200)}`);
    return 'refused';
  }
  if (c.mustFailNaming !== undefined) defect(`invalid input accepted (${c.kind} "${c.mustFailNaming.slice(0, 40)}")`);
  if (r.structuredContent === undefined) defect('success without structuredContent');
  return 'accepted';
}

/** Ping, then store a control memory and find it: the server is whole. */
async function control(client: Client, n: number): Promise<string | undefined> {
  try {
    await client.ping();
    const content = `fuzz control canary number ${n}`;
    const s = await client.callTool({ name: 'memory_store', arguments: { content, namespace: 'fuzz.control' } });
    if (s.isError) return `control store failed: ${JSON.stringify(s.content).slice(0, 200)}`;
    const id = (s.structuredContent as { id: string }).id;
    const q = await client.callTool({
      name: 'memory_search',
      arguments: { query: `canary number ${n}`, namespace: 'fuzz.control', mode: 'keyword', k: 100 },
    });
    const hits = (q.structuredContent as { results: Array<{ id: string }> } | undefined)?.results ?? [];
    return hits.some((h) => h.id === id) ? undefined : 'control search did not find the control memory';
  } catch (err) {
    return `control failed: ${(err as Error).message.slice(0, 200)}`;
  }
}

export interface FuzzServer {
  client: Client;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/** The repository root, from testkit/ (source) or dist/testkit/ (built). */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, here.includes(`${join('dist', 'testkit')}`) ? '../..' : '..');
}

/** A stdio server (dist/src/main.js) on a temp file, its LLM providers pointed at a loopback fake. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const fake: FakeProvider = await startFakeProvider({
    models: { 'fuzz-model': { answer: 'Answer: 42\n\n```js\nconst answer = 42;\n```' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-fuzz-'));
  const root = repoRoot();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'dist/src/main.js'), '--db', join(dir, 'fuzz.db'), '--log-level', 'error'],
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      XDG_DATA_HOME: join(dir, 'xdg'),
      OPENAI_API_KEY: 'sk-fuzz-0000',
      OPENAI_BASE_URL: fake.baseURL,
      SIXFOLD_OPENAI_MODEL: 'fuzz-model',
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'sixfold-fuzz', version: '0.0.0' });
  const cleanup = async () => {
    await client.close().catch(() => {});
    const pid = transport.pid;
    if (pid !== null) {
      try {
        process.kill(pid, 'SIGKILL'); // already gone after a clean close; this only ends a stuck one
      } catch {
        // exited
      }
    }
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await client.connect(transport);
  } catch (err) {
    await cleanup();
    throw new Error(`${(err as Error).message}; stderr:\n${stderr}`);
  }
  return { client, pid: transport.pid!, stderr: () => stderr, close: cleanup };
}

export async function runFuzz(server: FuzzServer, opts: FuzzOptions): Promise<FuzzReport> {
  const { client } = server;
  const start = performance.now();
  const defects: Defect[] = [];
  const tools = (await client.listTools()).tools;
  const rssBeforeKiB = rssKiB(server.pid);
  const perTool: Record<string, number> = {};
  let calls = 0;
  let accepted = 0;
  let refused = 0;
  // Interleave the tools (call i of every tool, then call i + 1), each from its own seeded stream.
  const plans = tools.map((t, i) =>
    fc.sample(callArb(t.name, t.inputSchema as Schema), { seed: opts.seed + i, numRuns: opts.callsPerTool }),
  );
  const stderrBefore = server.stderr().length;
  outer: for (let i = 0; i < opts.callsPerTool; i++) {
    for (const plan of plans) {
      if (opts.deadlineMs !== undefined && performance.now() - start > opts.deadlineMs) break outer;
      const c = plan[i];
      if ((await oneCall(client, c, opts.callTimeoutMs ?? 30_000, defects)) === 'accepted') accepted++;
      else refused++;
      calls++;
      perTool[c.tool] = (perTool[c.tool] ?? 0) + 1;
    }
    if (i % 25 === 24) {
      const bad = await control(client, i);
      if (bad) defects.push({ tool: '(control)', kind: 'after calls', why: bad, args: '' });
    }
  }
  const bad = await control(client, -1);
  if (bad) defects.push({ tool: '(control)', kind: 'at the end', why: bad, args: '' });
  // Internal failures are logged (with their stack) as "tool failed": a caller's input should never cause one.
  for (const line of server.stderr().slice(stderrBefore).split('\n')) {
    if (line.includes('"msg":"tool failed"')) {
      const o = JSON.parse(line) as { tool?: string; err?: { message?: string } };
      defects.push({
        tool: o.tool ?? '?',
        kind: 'internal error',
        why: `logged "tool failed": ${o.err?.message?.slice(0, 200)}`,
        args: '',
      });
    }
  }
  return {
    calls,
    perTool,
    accepted,
    refused,
    defects,
    rssBeforeKiB,
    rssAfterKiB: rssKiB(server.pid),
    elapsedMs: performance.now() - start,
  };
}
