import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { MemoryStore } from './memory/store.js';
import type { Router } from './router/router.js';
import type { DocStore } from './patterns/crdt/docs.js';
import type { GossipNode } from './transport/gossip-node.js';

/** Everything a tool, resource or prompt may use; built once in main.ts, passed in, never imported. */
export interface Deps {
  config: Config;
  log: Logger;
  store: MemoryStore;
  router: Router;
  /** Yjs documents (crdt_merge / crdt_read). */
  crdt: DocStore;
  /** Gossip with peers, when a gossip port or peer is configured. */
  gossip: GossipNode | undefined;
  version: string;
  startedAt: number;
  /** Prometheus metrics for GET /metrics (HTTP transport only; nothing counts them over stdio). */
  metrics?: Metrics;
}
