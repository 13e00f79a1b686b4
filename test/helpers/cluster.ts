/**
 * Clusters of real sixfold processes on loopback for e2e tests.
 *
 * Peers must know each other's address before they start, and processes started in parallel
 * cannot learn a port-0 peer's port; so each node gets its own loopback address (127.a.b.i, a and
 * b random per cluster) on one random port below the ephemeral range, each checked free by
 * binding it here first. No other socket on the machine binds those addresses in practice, and a
 * clash would fail the start at once with the reason, never hang.
 *
 * Identities are made before the nodes start (the same code `sixfold node-id` runs), so every
 * node can be given every other's id.
 */
import { createServer } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { openDatabase } from '../../src/memory/db.js';
import { loadOrCreateIdentity } from '../../src/peer/identity.js';
import { callOk } from './mcp.js';
import { connectHttpClient, makeTempDir, startHttpServer, startStdioClient, type TempDir } from './server.js';

/**
 * Seven processes starting at once on two cores (beside other test files) can take many seconds
 * each to load; these are bounds on waits for readiness, not sleeps.
 */
export const START_TIMEOUT_MS = 60_000;

export interface NodeHandle {
  index: number;
  id: string;
  /** host:port peers dial. */
  address: string;
  host: string;
  port: number;
  tmp: TempDir;
  client: Client;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
  /** The CLI arguments and environment it was started with (restartNode reuses them). */
  args: string[];
  env: Record<string, string>;
  http: boolean;
}

export interface PeerView {
  peer: string;
  state: string;
  last_error: string | null;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** n loopback addresses on one port, each checked free. */
export async function loopbackAddresses(n: number): Promise<Array<{ host: string; port: number }>> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = 16 + Math.floor(Math.random() * 200);
    const b = 1 + Math.floor(Math.random() * 250);
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const addrs = Array.from({ length: n }, (_, i) => ({ host: `127.${a}.${b}.${i + 1}`, port }));
    const free = await Promise.all(addrs.map((x) => portFree(x.host, x.port)));
    if (free.every(Boolean)) return addrs;
  }
  throw new Error('no free loopback block found in 20 tries');
}

export async function makeIdentity(t: TempDir): Promise<string> {
  const db = openDatabase(t.db);
  try {
    return (await loadOrCreateIdentity(db, t.db)).nodeId;
  } finally {
    db.close();
  }
}

export interface ClusterOptions {
  n: number;
  /** Extra CLI arguments for node i. */
  args?: (i: number) => string[];
  /** Extra environment for node i. */
  env?: (i: number) => Record<string, string>;
  /** Nodes served over Streamable HTTP instead of stdio. */
  http?: ReadonlySet<number>;
  /** The address node i dials for node j (default: j's own; a relay in tests that watch the wire; null: allow j without dialling it). */
  dialAddress?: (i: number, j: number, own: string) => string | null;
}

/** Starts n nodes in parallel, each allowing and dialling all the others. */
export async function startCluster(opts: ClusterOptions): Promise<NodeHandle[]> {
  const addrs = await loopbackAddresses(opts.n);
  const tmps = addrs.map(() => makeTempDir('sixfold-cluster-'));
  const ids = await Promise.all(tmps.map(makeIdentity));
  const own = addrs.map((a) => `${a.host}:${a.port}`);
  const started = await Promise.allSettled(
    addrs.map(async (a, i) => {
      const peers = ids.flatMap((id, j) => {
        if (j === i) return [];
        const at = opts.dialAddress ? opts.dialAddress(i, j, own[j]) : own[j];
        return ['--peer', at === null ? id : `${id}@${at}`];
      });
      const args = ['--cluster-host', a.host, '--cluster-port', String(a.port), ...peers, ...(opts.args?.(i) ?? [])];
      const base = { index: i, id: ids[i], address: own[i], host: a.host, port: a.port, tmp: tmps[i] };
      return launch(base, args, opts.env?.(i) ?? {}, opts.http?.has(i) === true);
    }),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await stopCluster(nodes, tmps);
    throw failed.reason;
  }
  return nodes;
}

type NodeBase = Pick<NodeHandle, 'index' | 'id' | 'address' | 'host' | 'port' | 'tmp'>;

async function launch(base: NodeBase, args: string[], env: Record<string, string>, http: boolean): Promise<NodeHandle> {
  const tmp = base.tmp;
  if (http) {
    const server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, env, extraArgs: args, startTimeoutMs: START_TIMEOUT_MS });
    const h = await connectHttpClient(server.url);
    return {
      ...base,
      args,
      env,
      http,
      client: h.client,
      pid: server.proc.pid!,
      stderr: server.stderr,
      close: async () => {
        await h.close();
        await server.close();
      },
    };
  }
  const h = await startStdioClient({
    db: tmp.db,
    xdg: tmp.xdg,
    env,
    logLevel: 'info',
    extraArgs: args,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { ...base, args, env, http, client: h.client, pid: h.pid, stderr: h.stderr, close: h.close };
}

/**
 * Starts a node again on its database and address (after close, or after it was killed), with the
 * same arguments; `env` replaces its extra environment when given.
 */
export async function restartNode(node: NodeHandle, env?: Record<string, string>): Promise<NodeHandle> {
  await node.close(); // a killed node: closes the stale client (and its transport)
  const { index, id, address, host, port, tmp } = node;
  return launch({ index, id, address, host, port, tmp }, node.args, env ?? node.env, node.http);
}

export async function stopCluster(nodes: NodeHandle[], tmps: TempDir[] = nodes.map((n) => n.tmp)): Promise<void> {
  await Promise.all(nodes.map((n) => n.close()));
  for (const t of tmps) t.remove();
}

export const peersOf = (n: NodeHandle) => callOk<{ peers: PeerView[] }>(n.client, 'gossip_status', {}).then((s) => s.peers);

/** Polls `probe` until `ok` holds; fails after `ms` with the last value seen. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 25)); // poll interval, not a synchronisation
  }
}

/** Waits until every node has an open connection to every other. */
export async function fullyConnected(nodes: NodeHandle[], ms = 60_000): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      until(
        () => peersOf(n),
        (ps) => ps.length === nodes.length - 1 && ps.every((p) => p.state === 'open'),
        ms,
        `node ${n.index} to connect to all peers`,
      ),
    ),
  );
}
