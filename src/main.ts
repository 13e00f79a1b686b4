#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ChangeFeed, watchNamespaces } from './change-feed.js';
import { clusterEnabled, loadConfig, type Config } from './config.js';
import { buildDeps } from './build-deps.js';
import { SixfoldError, describeError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { openDatabase } from './memory/db.js';
import { DEFAULT_EMBEDDER, chooseEmbedderConfig, createEmbedder } from './memory/embed/index.js';
import { pinnedEmbedderId } from './memory/pinned.js';
import { MemoryStore } from './memory/store.js';
import { drainToolCalls } from './tool-kit.js';
import { ClientLogHub } from './mcp/client-log.js';
import type { PeerNetwork } from './peer/network.js';
import { VERSION } from './version.js';
import { NAMESPACE_RE } from './memory/schemas.js';

const USAGE = `sixfold ${VERSION} — MCP server: coordination patterns over SQLite vector memory

Usage:
  sixfold [options]            serve MCP (stdio by default)
  sixfold reembed [options]    re-embed every memory with the configured embedder (use-lite if none)
  sixfold export [--namespace N] > memories.jsonl
                               write memories (all, or one namespace) as JSON lines to stdout
  sixfold import FILE          add the memories of an export (FILE or - for stdin), all or none
  sixfold node-id [options]    print this database's node id (made if missing), then its cluster addresses
  sixfold doctor [options]     check Node, native modules, the database and providers (names only)

Options:
  --transport stdio|http   transport (default stdio; env SIXFOLD_TRANSPORT); http also serves the
                           web dashboard at / and Prometheus metrics at /metrics
  --host HOST              HTTP bind address (default 127.0.0.1; others need SIXFOLD_HTTP_TOKEN)
  --port N                 HTTP port (default 7400; 0 picks a free one)
  --db PATH                SQLite file, or :memory: (default $XDG_DATA_HOME/sixfold/sixfold.db)
  --config PATH            JSON config file (env SIXFOLD_CONFIG)
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent (logs go to stderr)
  --cluster-port N         join a cluster: listen for peers on this port (mutual TLS; 0: a free one)
  --cluster-host HOST      cluster bind address (default 127.0.0.1; others need at least one --peer)
  --peer ID@HOST:PORT      a node allowed to connect, and where to dial it (repeatable; env SIXFOLD_PEERS,
                           comma-separated; a bare ID only allows it). Ids come from \`sixfold node-id\`.
  --namespace N            export: only this namespace
  env SIXFOLD_TOOLS        tools to load: names and presets memory, codegen, coordination, all (default all)
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
        transport: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        db: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'cluster-port': { type: 'string' },
        'cluster-host': { type: 'string' },
        peer: { type: 'string', multiple: true },
        'gossip-port': { type: 'string' },
        'gossip-host': { type: 'string' },
        'unsafe-test-faults': { type: 'boolean' },
        namespace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split(/\.\s/)[0]} (see --help)`);
  }
  const [command = 'serve', ...rest] = parsed.positionals;
  if (!['serve', 'reembed', 'export', 'import', 'node-id', 'doctor'].includes(command)) {
    throw new UsageError(
      `unknown command "${parsed.positionals.join(' ').slice(0, 80)}"; commands are: serve (default), reembed, export, import, node-id, doctor`,
    );
  }
  if (command === 'import' ? rest.length !== 1 : rest.length) {
    throw new UsageError(
      command === 'import'
        ? 'import takes one FILE (or - for stdin)'
        : `unexpected "${rest.join(' ').slice(0, 80)}" after ${command}`,
    );
  }
  const v = parsed.values;
  if (v.namespace !== undefined && command !== 'export') throw new UsageError('--namespace is for export');
  if (v.namespace !== undefined && !NAMESPACE_RE.test(v.namespace)) {
    throw new UsageError(
      `--namespace "${v.namespace.slice(0, 80)}" is not a namespace: 1-64 characters of a-z, 0-9, ".", "_" or "-"`,
    );
  }
  return {
    command,
    namespace: v.namespace,
    file: command === 'import' ? rest[0] : undefined,
    help: v.help === true,
    version: v.version === true,
    flags: {
      transport: v.transport,
      host: v.host,
      port: v.port,
      db: v.db,
      config: v.config,
      logLevel: v['log-level'],
      clusterPort: v['cluster-port'],
      clusterHost: v['cluster-host'],
      peers: v.peer,
      unsafeTestFaults: v['unsafe-test-faults'] === true,
      gossipPort: v['gossip-port'],
      gossipHost: v['gossip-host'],
    },
  };
}

async function runReembed(config: Config, log: Logger): Promise<void> {
  const db = openDatabase(config.db);
  try {
    // No embedder configured: move the DB to the default for new databases.
    const embedder = createEmbedder(config.embedder ?? DEFAULT_EMBEDDER, process.env, log);
    try {
      const { reembed } = await import('./memory/reembed.js');
      const r = await reembed(db, embedder, log, (done, total) => {
        if (done === total || done % 10_240 === 0) process.stderr.write(`re-embedded ${done}/${total}\n`);
      });
      process.stderr.write(
        `sixfold: re-embedded ${r.count} memories in ${config.db}: ${r.from ?? '(none)'} -> ${r.to} (${r.dims} dims)\n`,
      );
    } finally {
      await embedder.close?.();
    }
  } finally {
    db.close();
  }
}

/** PBFT across the cluster's nodes (this node one replica); its modules load only on a cluster node. */
async function startConsensus(peers: PeerNetwork, store: MemoryStore, config: Config, log: Logger) {
  const [{ startNodeConsensus }, { NodeLogStore }] = await Promise.all([
    import('./cluster/consensus-node.js'),
    import('./patterns/consensus/node-store.js'),
  ]);
  return startNodeConsensus(peers, new NodeLogStore(store.db), config, log);
}

async function serve(config: Config, log: Logger, clientLog: ClientLogHub): Promise<void> {
  // The HTTP transport and the cluster are imported only when used: each pulls in modules (Express,
  // X.509, TLS) that a stdio server without peers would otherwise load before its first answer.
  // The stdio transport (and with it the server, the tools and the MCP SDK) starts loading now,
  // so reading its files overlaps opening the database; it is awaited once the deps are built.
  const stdio = config.transport === 'http' ? undefined : import('./transport/stdio.js');
  stdio?.catch(() => {}); // a failure surfaces where it is awaited, not as an unhandled rejection first
  const http = config.transport === 'http' ? await import('./transport/http.js') : undefined;
  http?.assertSafeBind(config.http);
  const cluster = clusterEnabled(config) ? await import('./cluster/start.js') : undefined;
  cluster?.assertSafeClusterBind(config);
  const pinned = pinnedEmbedderId(config.db);
  const embedderConfig = chooseEmbedderConfig(config.embedder, pinned);
  if (!config.embedder && pinned === 'hash-384') {
    log.info(
      { db: config.db },
      'this database uses the lexical hash-384 embedder; `sixfold reembed` moves it to use-lite (semantic, local)',
    );
  }
  // What changed, for every session's resource subscriptions: writers report after they commit.
  const changes = new ChangeFeed();
  const store = await MemoryStore.open({
    path: config.db,
    embedder: createEmbedder(embedderConfig, process.env, log),
    log,
    workingTtlSeconds: config.memory.working_ttl_seconds,
    onChange: (c) => changes.emit({ kind: 'memory', changes: c }),
  });
  watchNamespaces(changes, store);
  store.purgeExpired();
  const purge = setInterval(() => {
    try {
      store.purgeExpired();
    } catch (err) {
      log.warn({ err }, 'purge failed');
    }
  }, config.memory.purge_interval_ms);
  purge.unref();
  // Metrics are read over HTTP only (GET /metrics); over stdio nothing counts them (nor loads prom-client).
  const metrics =
    config.transport === 'http' && config.http.metrics ? new (await import('./metrics.js')).Metrics(VERSION) : undefined;
  const deps = buildDeps({ config, log, store, changes, clientLog, version: VERSION, metrics });
  const peers = cluster ? await cluster.createPeerNetwork(config, store.db, log) : undefined;
  const gossip = peers
    ? new (await import('./cluster/gossip-node.js')).GossipNode(await deps.crdt(), config.gossip, peers, log)
    : undefined;
  const consensus = peers ? await startConsensus(peers, store, config, log) : undefined;
  if (config.test_fault && !peers) log.warn('SIXFOLD_TEST_FAULT is set but this node is not in a cluster: nothing lies');
  deps.peers = peers;
  deps.gossip = gossip;
  deps.consensus = consensus;
  if (peers) (await import('./cluster/aggregate-node.js')).registerClusterAggregate(peers, store, log);

  let closing = false;
  let closeTransport: () => Promise<void> = async () => {};
  const shutdown = async (why: string, exitCode = 0) => {
    if (closing) return;
    closing = true;
    log.info({ why }, 'shutting down');
    clearInterval(purge);
    const pending = await drainToolCalls(5000);
    if (pending) log.info({ pending }, 'waited for in-flight tool calls');
    // A drained call's answer is handed to the transport a few promise jobs after the call settles
    // (the SDK checks the output first): one turn of the event loop, so closing cannot drop it.
    await new Promise((resolve) => setImmediate(resolve));
    await closeTransport().catch((err) => log.warn({ err }, 'transport close failed'));
    gossip?.close();
    consensus?.close();
    await peers?.close().catch((err) => log.warn({ err }, 'cluster close failed'));
    deps.crdt.peek()?.close();
    store.close();
    await store.embedder.close?.().catch((err) => log.warn({ err }, 'embedder close failed'));
    process.exit(exitCode);
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
    closeTransport = (await http!.startHttp(deps)).close;
  } else {
    // A closed stdin is the normal end; any other close (a message over the read cap) exits 1.
    closeTransport = (await (await stdio!).startStdio(deps, (why) => void shutdown(why, why === 'stdin closed' ? 0 : 1))).close;
  }
  // The model loads in a worker once the server answers, so it never delays the first response.
  store.embedder.warm?.();
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
  if (cli.command === 'doctor') {
    // Not serving: stdout is free for the report.
    // The commands' modules load only for them: serving never pays for them before its first answer.
    const { runDoctor } = await import('./doctor.js');
    process.exitCode = runDoctor(config, cli.flags.config ?? process.env.SIXFOLD_CONFIG, (line) =>
      process.stdout.write(`${line}\n`),
    );
    return;
  }
  if (cli.command !== 'serve') {
    const log = createLogger(config.log_level);
    const { runExport, runImport } = await import('./transfer.js');
    if (cli.command === 'reembed') await runReembed(config, log);
    else if (cli.command === 'export') await runExport(config, log, cli.namespace);
    else if (cli.command === 'node-id') await (await import('./cluster/node-id-command.js')).printNodeId(config, log);
    else await runImport(config, log, cli.file!);
    return;
  }
  const clientLog = new ClientLogHub();
  await serve(config, createLogger(config.log_level, undefined, clientLog.stream), clientLog);
}

main().catch((err) => {
  const text = err instanceof SixfoldError ? err.describe() : describeError(err);
  process.stderr.write(`sixfold: ${text}\n`);
  process.exit(1);
});
