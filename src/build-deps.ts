import type { ChangeFeed } from './change-feed.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { lazy } from './lazy.js';
import type { Logger } from './log.js';
import type { ClientLogHub } from './mcp/client-log.js';
import type { MemoryStore } from './memory/store.js';
import type { Metrics } from './metrics.js';
import { AgentLedger } from './patterns/ephemeral/ledger.js';
import { resolveProviders } from './router/registry.js';
import { Router } from './router/router.js';

export interface DepsParts {
  config: Config;
  log: Logger;
  /** The open memory store; every pattern store below shares its database. */
  store: MemoryStore;
  changes: ChangeFeed;
  clientLog: ClientLogHub;
  version: string;
  metrics?: Metrics;
}

/**
 * Every pattern store and service a tool may use, built once over one memory store: the one place
 * they are made (src/main.ts calls it; tests may too). Stores whose code is heavy to load (Yjs for
 * CRDT documents, the ReasoningBank's vector table) are made on first use. The cluster's peer
 * layer is added by main.ts when a cluster is configured.
 */
export function buildDeps(parts: DepsParts): Deps {
  const { config, log, store, changes, metrics } = parts;
  const ledger = new AgentLedger(store.db); // also marks agents a crashed server left running
  ledger.onWrite = (runIds) => changes.emit({ kind: 'agents', runIds });
  const { providers, ollamaProbe } = resolveProviders(config);
  const router = new Router(
    providers,
    config.router,
    { db: store.db, log, onCall: metrics && ((c) => metrics.providerCall(c)) },
    ollamaProbe,
  );
  log.info({ providers: providers.map((p) => `${p.name}:${p.model}`) }, 'LLM providers');
  const crdt = lazy(async () => {
    const { DocStore } = await import('./patterns/crdt/docs.js');
    return new DocStore(store.db, {
      compactEvery: config.crdt.compact_every,
      cacheSize: config.crdt.cache_docs,
      maxDocBytes: config.crdt.max_doc_bytes,
      // Local merges and those gossip brings in alike.
      onCommitted: (doc, { created, origin }) => {
        changes.emit({ kind: 'crdt', doc, created, origin });
        if (created) changes.emit({ kind: 'list', of: 'crdt' });
      },
    });
  });
  const bank = lazy(async () => (await import('./patterns/codegen/bank.js')).ReasoningBank.open(store));
  // The simulation's modules (PBFT replicas, keys) load with the first simulated proposal or read.
  const simulatedConsensus = lazy(
    async () => new (await import('./patterns/consensus/store.js')).ConsensusStore(store.db, store.now),
  );
  return {
    config,
    log,
    store,
    router,
    ledger,
    bank,
    crdt,
    simulatedConsensus,
    peers: undefined,
    gossip: undefined,
    consensus: undefined,
    changes,
    clientLog: parts.clientLog,
    version: parts.version,
    startedAt: Date.now(),
    metrics,
  };
}
