/**
 * n PBFT nodes in one process, each with its own identity, its own SQLite database and its own
 * peer network over real mutual TLS on 127.0.0.1: the consensus code across nodes exactly as a
 * server runs it (src/cluster/consensus-node.ts), minus the MCP layer and the process boundary
 * (the e2e tests have those).
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, type Config, type TestFaultConfig } from '../../../../src/config.js';
import { startNodeConsensus } from '../../../../src/cluster/consensus-node.js';
import { openDatabase, type DB } from '../../../../src/memory/db.js';
import type { NodeConsensus } from '../../../../src/patterns/consensus/node-consensus.js';
import { NodeLogStore } from '../../../../src/patterns/consensus/node-store.js';
import { loadOrCreateIdentity, type NodeIdentity } from '../../../../src/peer/identity.js';
import { PeerNetwork } from '../../../../src/peer/network.js';
import { TlsTransport } from '../../../../src/peer/tls.js';
import { log } from '../../peer/helpers.js';

export interface TestNode {
  index: number;
  identity: NodeIdentity;
  port: number;
  db: DB;
  dbPath: string;
  store: NodeLogStore;
  net: PeerNetwork;
  consensus: NodeConsensus;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function testConfig(
  consensus: Record<string, unknown>,
  fault?: TestFaultConfig,
  cluster: Record<string, unknown> = {},
): Config {
  const c = ConfigSchema.parse({ db: ':memory:', consensus, cluster });
  return fault ? { ...c, test_fault: fault } : c;
}

export class NodeCluster {
  readonly nodes: Array<TestNode | undefined> = [];
  private constructor(
    readonly dir: string,
    readonly identities: NodeIdentity[],
    readonly ports: number[],
    readonly dbPaths: string[],
  ) {}

  static async create(n: number): Promise<NodeCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'sixfold-nodes-'));
    const dbPaths = Array.from({ length: n }, (_, i) => join(dir, `n${i}.db`));
    const identities: NodeIdentity[] = [];
    for (const p of dbPaths) {
      const db = openDatabase(p);
      identities.push(await loadOrCreateIdentity(db, p));
      db.close();
    }
    const ports = await Promise.all(dbPaths.map(() => freePort()));
    return new NodeCluster(dir, identities, ports, dbPaths);
  }

  /** Starts node i (again) on its database and port. */
  async start(i: number, config: Config, extraPeers: string[] = []): Promise<TestNode> {
    const db = openDatabase(this.dbPaths[i]);
    const identity = await loadOrCreateIdentity(db, this.dbPaths[i]);
    let net: PeerNetwork | undefined;
    const transport = new TlsTransport(identity, (x) => net?.allows(x) === true, log);
    net = new PeerNetwork({
      identity,
      transport,
      listen: { host: '127.0.0.1', port: this.ports[i] },
      peers: [
        ...this.identities.flatMap((id, j) =>
          j === i ? [] : [{ id: id.nodeId, address: { host: '127.0.0.1', port: this.ports[j] } }],
        ),
        ...extraPeers.map((id) => ({ id })),
      ],
      heartbeatMs: 1000,
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      maxFrameBytes: 1 << 24,
      queueBytes: 16 << 20,
      requestTimeoutMs: 2000,
      log,
    });
    const store = new NodeLogStore(db);
    const consensus = startNodeConsensus(net, store, config, log)!;
    await net.start();
    const node: TestNode = { index: i, identity, port: this.ports[i], db, dbPath: this.dbPaths[i], store, net, consensus };
    this.nodes[i] = node;
    return node;
  }

  /** Stops node i abruptly (its connections drop; its database keeps what it wrote). */
  async stop(i: number): Promise<void> {
    const node = this.nodes[i];
    if (!node) return;
    this.nodes[i] = undefined;
    node.consensus.close();
    await node.net.close();
    node.db.close();
  }

  live(): TestNode[] {
    return this.nodes.filter((x): x is TestNode => x !== undefined);
  }

  /** Resolves once every live node is connected to every other live node; rejects after `ms` naming the pairs that are not. */
  async connected(ms = 30_000): Promise<void> {
    const live = this.live();
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(
      live.flatMap((a) =>
        live
          .filter((b) => b !== a)
          .map(
            (b) =>
              new Promise<void>((resolve) => {
                if (a.net.isConnected(b.identity.nodeId)) return resolve();
                const off = a.net.onPeer((e) => {
                  if (e.peer === b.identity.nodeId && e.state === 'up') {
                    off();
                    resolve();
                  }
                });
              }),
          ),
      ),
    );
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = live.flatMap((a) =>
          live.filter((b) => b !== a && !a.net.isConnected(b.identity.nodeId)).map((b) => `${a.index}->${b.index}`),
        );
        reject(
          new Error(
            `nodes not connected after ${ms} ms: ${missing.join(', ')}; statuses: ${JSON.stringify(live.map((n) => n.net.status()))}`.slice(
              0,
              3000,
            ),
          ),
        );
      }, ms);
    });
    try {
      await Promise.race([all, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.stop(i);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
