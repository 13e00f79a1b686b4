import type { ChangeFeed } from './change-feed.js';
import type { Config } from './config.js';
import type { ClientLogHub } from './mcp/client-log.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { MemoryStore } from './memory/store.js';
import type { Router } from './router/router.js';
import type { DocStore } from './patterns/crdt/docs.js';
import type { GossipNode } from './cluster/gossip-node.js';
import type { PeerNetwork } from './peer/network.js';
import type { NodeConsensus } from './patterns/consensus/node-consensus.js';

/** Everything a tool, resource or prompt may use; built once in main.ts, passed in, never imported. */
export interface Deps {
  config: Config;
  log: Logger;
  store: MemoryStore;
  router: Router;
  /** Yjs documents (crdt_merge / crdt_read). */
  crdt: DocStore;
  /** This node's peer network, when it is in a cluster (cluster.listen or cluster.peers set). */
  peers: PeerNetwork | undefined;
  /** CRDT gossip over `peers`, when in a cluster. */
  gossip: GossipNode | undefined;
  /** What changed (memories, documents, agents), for resource subscriptions of every session. */
  changes: ChangeFeed;
  /** Warnings and errors forwarded to connected clients (notifications/message). */
  clientLog: ClientLogHub;
  /** PBFT across the cluster's nodes (this node one replica), when in a cluster of at least 4 nodes. */
  consensus: NodeConsensus | undefined;
  version: string;
  startedAt: number;
  /** Prometheus metrics for GET /metrics (HTTP transport only; nothing counts them over stdio). */
  metrics?: Metrics;
}
