#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config.js';
import type { Deps } from './deps.js';
import { SixfoldError, describeError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { openDatabase } from './memory/db.js';
import { createEmbedder } from './memory/embed/index.js';
import { reembed } from './memory/reembed.js';
import { MemoryStore } from './memory/store.js';
import { resolveProviders } from './router/registry.js';
import { Router } from './router/router.js';
import { drainToolCalls } from './tool-kit.js';
import { assertSafeBind, startHttp } from './transport/http.js';
import { GossipNode } from './cluster/gossip-node.js';
import { assertSafeClusterBind, clusterEnabled, createPeerNetwork } from './cluster/start.js';
import { printNodeId } from './cluster/node-id-command.js';
import { registerClusterAggregate } from './cluster/aggregate-node.js';
import { startNodeConsensus } from './cluster/consensus-node.js';
import { NodeLogStore } from './patterns/consensus/node-store.js';
import { DocStore } from './patterns/crdt/docs.js';
import { startStdio } from './transport/stdio.js';
import { VERSION } from './version.js';

const USAGE = `sixfold ${VERSION} — MCP server: coordination patterns over SQLite vector memory

Usage:
  sixfold [options]            serve MCP (stdio by default)
  sixfold reembed [options]    re-embed every memory with the configured embedder
  sixfold node-id [options]    print this database's node id (made if missing), then its cluster addresses

Options:
  --transport stdio|http   transport (default stdio; env SIXFOLD_TRANSPORT)
  --host HOST              HTTP bind address (default 127.0.0.1; others need SIXFOLD_HTTP_TOKEN)
  --port N                 HTTP port (default 7400; 0 picks a free one)
  --db PATH                SQLite file, or :memory: (default $XDG_DATA_HOME/sixfold/sixfold.db)
  --config PATH            JSON config file (env SIXFOLD_CONFIG)
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent (logs go to stderr)
  --cluster-port N         join a cluster: listen for peers on this port (mutual TLS; 0: a free one)
  --cluster-host HOST      cluster bind address (default 127.0.0.1; others need at least one --peer)
  --peer ID@HOST:PORT      a node allowed to connect, and where to dial it (repeatable; env SIXFOLD_PEERS,
                           comma-separated; a bare ID only allows it). Ids come from \`sixfold node-id\`.
  --unsafe-test-faults     allow SIXFOLD_TEST_FAULT to make this node lie to its consensus peers (tests only)
  --help, --version
`;

class UsageError extends Error {}

function parseCli(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        transport: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
        db: { type: 'string' }, config: { type: 'string' }, 'log-level': { type: 'string' },
        'cluster-port': { type: 'string' }, 'cluster-host': { type: 'string' }, peer: { type: 'string', multiple: true },
        'gossip-port': { type: 'string' }, 'gossip-host': { type: 'string' }, 'unsafe-test-faults': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split(/\.\s/)[0]} (see --help)`);
  }
  const [command = 'serve', ...rest] = parsed.positionals;
  if (rest.length || !['serve', 'reembed', 'node-id'].includes(command)) {
    throw new UsageError(`unknown command "${parsed.positionals.join(' ')}"; commands are: serve (default), reembed, node-id`);
  }
  const v = parsed.values;
  return {
    command,
    help: v.help === true,
    version: v.version === true,
    flags: {
      transport: v.transport, host: v.host, port: v.port, db: v.db, config: v.config, logLevel: v['log-level'],
      clusterPort: v['cluster-port'], clusterHost: v['cluster-host'], peers: v.peer, unsafeTestFaults: v['unsafe-test-faults'] === true,
      gossipPort: v['gossip-port'], gossipHost: v['gossip-host'],
    },
  };
}

async function runReembed(config: Config, log: Logger): Promise<void> {
  const db = openDatabase(config.db);
  try {
    const embedder = createEmbedder(config.embedder);
    const r = await reembed(db, embedder, log, (done, total) => {
      if (done === total || done % 10_240 === 0) process.stderr.write(`re-embedded ${done}/${total}\n`);
    });
    process.stderr.write(`sixfold: re-embedded ${r.count} memories in ${config.db}: ${r.from ?? '(none)'} -> ${r.to} (${r.dims} dims)\n`);
  } finally {
    db.close();
  }
}

async function serve(config: Config, log: Logger): Promise<void> {
  if (config.transport === 'http') assertSafeBind(config.http);
  assertSafeClusterBind(config);
  const store = await MemoryStore.open({
    path: config.db, embedder: createEmbedder(config.embedder), log, workingTtlSeconds: config.memory.working_ttl_seconds,
  });
  store.purgeExpired();
  const purge = setInterval(() => {
    try {
      store.purgeExpired();
    } catch (err) {
      log.warn({ err }, 'purge failed');
    }
  }, config.memory.purge_interval_ms);
  purge.unref();
  const { providers, ollamaProbe } = resolveProviders(config);
  const router = new Router(providers, config.router, { db: store.db, log }, ollamaProbe);
  log.info({ providers: providers.map((p) => `${p.name}:${p.model}`) }, 'LLM providers');
  const crdt = new DocStore(store.db, {
    compactEvery: config.crdt.compact_every, cacheSize: config.crdt.cache_docs, maxDocBytes: config.crdt.max_doc_bytes,
  });
  const peers = clusterEnabled(config) ? await createPeerNetwork(config, store.db, log) : undefined;
  const gossip = peers ? new GossipNode(crdt, config.gossip, peers, log) : undefined;
  const consensus = peers ? startNodeConsensus(peers, new NodeLogStore(store.db), config, log) : undefined;
  if (config.test_fault && !peers) log.warn('SIXFOLD_TEST_FAULT is set but this node is not in a cluster: nothing lies');
  const deps: Deps = { config, log, store, router, crdt, peers, gossip, consensus, version: VERSION, startedAt: Date.now() };
  if (peers) registerClusterAggregate(peers, store, log);

  let closing = false;
  let closeTransport: () => Promise<void> = async () => {};
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    log.info({ why }, 'shutting down');
    clearInterval(purge);
    const pending = await drainToolCalls(5000);
    if (pending) log.info({ pending }, 'waited for in-flight tool calls');
    await closeTransport().catch((err) => log.warn({ err }, 'transport close failed'));
    gossip?.close();
    consensus?.close();
    await peers?.close().catch((err) => log.warn({ err }, 'cluster close failed'));
    crdt.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  // The cluster first: the "sixfold ready" line then means peers can already reach us.
  if (peers) {
    await peers.start();
    gossip?.start();
    log.info({ node_id: peers.id, listen: peers.address() ?? null, peers: peers.peerIds().length }, 'cluster started');
  }
  if (config.transport === 'http') {
    closeTransport = (await startHttp(deps)).close;
  } else {
    closeTransport = (await startStdio(deps, () => void shutdown('stdin closed'))).close;
  }
}

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sixfold: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(USAGE); // --help: not serving, stdout is free
    return;
  }
  if (cli.version) {
    process.stdout.write(`${VERSION}\n`); // like --help: not serving, stdout is free
    return;
  }
  const config = loadConfig(cli.flags);
  const log = createLogger(config.log_level);
  if (cli.command === 'reembed') await runReembed(config, log);
  else if (cli.command === 'node-id') await printNodeId(config, log);
  else await serve(config, log);
}

main().catch((err) => {
  const text = err instanceof SixfoldError ? err.describe() : describeError(err);
  process.stderr.write(`sixfold: ${text}\n`);
  process.exit(1);
});
