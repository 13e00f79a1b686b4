/**
 * A cluster of separate sixfold processes for benchmarks, each driven by its own MCP client over
 * stdio, every node allowing and dialling every other.
 *
 * Two placements:
 * - loopback: node i listens on 127.a.b.(i+1) (a, b random, one port), in this network namespace;
 * - netns: node i runs in Linux network namespace `sf14a-n<i>` (via `ip netns exec`), with a veth
 *   into a bridge in namespace `sf14a-br`, address 10.214.0.(i+1)/24. An optional delay is put on
 *   each node's veth with `tc qdisc ... netem delay` (RTT/2 each way, so RTT between any two
 *   nodes is the one asked). Needs root and iproute2; netem needs a kernel with sch_netem.
 *
 * Every namespace made here is deleted on close, on an exception and at process exit; stale
 * `sf14a-*` namespaces from a killed earlier run are deleted before a new one starts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { openDatabase } from '../../src/memory/db.js';
import { loadOrCreateIdentity } from '../../src/peer/identity.js';

const ENTRY = resolve('dist/src/main.js');
export const NS_PREFIX = 'sf14a-';
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));
const PORT = 7401;

export interface HarnessNode {
  index: number;
  id: string;
  address: string;
  client: Client;
  transport: StdioClientTransport;
  /** Sends SIGKILL to the server process (for fault rows). */
  kill(): void;
}

export interface HarnessOptions {
  n: number;
  placement: 'loopback' | 'netns';
  /** Round-trip delay between nodes (netns only), by tc netem. */
  rttMs?: number;
  /** Written as the nodes' --config file (e.g. gossip period, push off). */
  config?: Record<string, unknown>;
  /** Extra CLI arguments for node i. */
  args?: (i: number) => string[];
}

function ip(args: string[]): string {
  if (!IP) throw new Error('iproute2 (`ip`) is not installed: apt-get install iproute2');
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this process can make network namespaces (root, iproute2). */
export function netnsAvailable(): { ok: boolean; why?: string } {
  if (!IP) return { ok: false, why: 'iproute2 is not installed' };
  if (process.getuid?.() !== 0) return { ok: false, why: 'needs root' };
  return { ok: true };
}

/** Whether the kernel has the netem qdisc (tried on a throwaway namespace's loopback). */
export function netemAvailable(): { ok: boolean; why?: string } {
  const probe = `${NS_PREFIX}probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['-n', probe, 'link', 'set', 'lo', 'up']);
    execFileSync(IP!, ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true };
  } catch (err) {
    const msg = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
    return {
      ok: false,
      why: /unknown/i.test(msg) ? 'this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM not set)' : msg.slice(0, 120),
    };
  } finally {
    deleteNamespaces([probe]);
  }
}

export function listNamespaces(): string[] {
  if (!IP) return [];
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(NS_PREFIX));
}

export function deleteNamespaces(names: string[]): void {
  for (const ns of names) {
    try {
      ip(['netns', 'del', ns]);
    } catch {
      // already gone
    }
  }
}

const live = new Set<string>();
process.on('exit', () => deleteNamespaces([...live]));

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

async function loopbackHosts(n: number): Promise<{ hosts: string[]; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = 16 + Math.floor(Math.random() * 200);
    const b = 1 + Math.floor(Math.random() * 250);
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const hosts = Array.from({ length: n }, (_, i) => `127.${a}.${b}.${i + 1}`);
    if ((await Promise.all(hosts.map((h) => portFree(h, port)))).every(Boolean)) return { hosts, port };
  }
  throw new Error('no free loopback block');
}

/** Namespaces, veths into one bridge, addresses, optional netem; returns the node namespaces. */
function buildNetwork(n: number, rttMs: number | undefined): string[] {
  deleteNamespaces(listNamespaces()); // leftovers of a killed run
  const br = `${NS_PREFIX}br`;
  const names = Array.from({ length: n }, (_, i) => `${NS_PREFIX}n${i}`);
  for (const ns of [br, ...names]) {
    ip(['netns', 'add', ns]);
    live.add(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  ip(['-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
  ip(['-n', br, 'link', 'set', 'br0', 'up']);
  names.forEach((ns, i) => {
    const outer = `${NS_PREFIX}b${i}`;
    const inner = `${NS_PREFIX}e${i}`;
    ip(['link', 'add', outer, 'netns', br, 'type', 'veth', 'peer', 'name', inner, 'netns', ns]);
    ip(['-n', br, 'link', 'set', outer, 'master', 'br0', 'up']);
    ip(['-n', ns, 'addr', 'add', `10.214.0.${i + 1}/24`, 'dev', inner]);
    ip(['-n', ns, 'link', 'set', inner, 'up']);
    if (rttMs) {
      execFileSync(IP!, ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', inner, 'root', 'netem', 'delay', `${rttMs / 2}ms`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
  });
  return names;
}

export class Harness {
  private constructor(
    readonly nodes: HarnessNode[],
    private readonly dir: string,
    private readonly namespaces: string[],
  ) {}

  static async start(opts: HarnessOptions): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), 'sixfold-cluster-bench-'));
    let namespaces: string[] = [];
    const started: HarnessNode[] = [];
    try {
      let hosts: string[];
      let port = PORT;
      if (opts.placement === 'netns') {
        namespaces = buildNetwork(opts.n, opts.rttMs);
        hosts = namespaces.map((_, i) => `10.214.0.${i + 1}`);
      } else {
        ({ hosts, port } = await loopbackHosts(opts.n));
      }
      const dbs = hosts.map((_, i) => join(dir, `n${i}.db`));
      const ids: string[] = [];
      for (const db of dbs) {
        const h = openDatabase(db);
        try {
          ids.push((await loadOrCreateIdentity(h, db)).nodeId);
        } finally {
          h.close();
        }
      }
      const configPath = join(dir, 'config.json');
      if (opts.config) writeFileSync(configPath, JSON.stringify(opts.config));
      const nodes = await Promise.all(
        hosts.map(async (host, i) => {
          const peers = ids.flatMap((id, j) => (j === i ? [] : ['--peer', `${id}@${hosts[j]}:${port}`]));
          const serverArgs = [
            ENTRY,
            '--db',
            dbs[i],
            '--log-level',
            'warn',
            '--cluster-host',
            host,
            '--cluster-port',
            String(port),
            ...peers,
            ...(opts.config ? ['--config', configPath] : []),
            ...(opts.args?.(i) ?? []),
          ];
          const transport =
            opts.placement === 'netns'
              ? new StdioClientTransport({
                  command: IP!,
                  args: ['netns', 'exec', namespaces[i], process.execPath, ...serverArgs],
                  stderr: 'inherit',
                })
              : new StdioClientTransport({ command: process.execPath, args: serverArgs, stderr: 'inherit' });
          const client = new Client({ name: 'sixfold-cluster-bench', version: '1' });
          await client.connect(transport);
          const node: HarnessNode = {
            index: i,
            id: ids[i],
            address: `${host}:${port}`,
            client,
            transport,
            kill: () => {
              if (transport.pid) process.kill(transport.pid, 'SIGKILL');
            },
          };
          started.push(node);
          return node;
        }),
      );
      const h = new Harness(nodes, dir, namespaces);
      await h.connected();
      return h;
    } catch (err) {
      await Promise.all(started.map((n) => n.client.close().catch(() => {})));
      deleteNamespaces(namespaces);
      for (const ns of namespaces) live.delete(ns);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async call<T>(i: number, name: string, args: Record<string, unknown>): Promise<T> {
    const r = await this.nodes[i].client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name} on node ${i} failed: ${JSON.stringify(r.content).slice(0, 300)}`);
    return r.structuredContent as T;
  }

  /** Resolves once every node has an open connection to every other (polls gossip_status). */
  async connected(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await Promise.all(
        this.nodes.map((_, i) => this.call<{ peers: Array<{ state: string }> }>(i, 'gossip_status', {})),
      );
      if (all.every((s) => s.peers.length === this.nodes.length - 1 && s.peers.every((p) => p.state === 'open'))) return;
      if (Date.now() > deadline) throw new Error('the cluster did not connect in time');
      await new Promise((r) => setTimeout(r, 20)); // poll interval
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.client.close().catch(() => {})));
    deleteNamespaces(this.namespaces);
    for (const ns of this.namespaces) live.delete(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
