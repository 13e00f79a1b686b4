import type { ChangeFeed } from './change-feed.js';
import type { Config } from './config.js';
import type { ClientLogHub } from './mcp/client-log.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { MemoryStore } from './memory/store.js';
import type { Router } from './router/router.js';
import type { Lazy } from './lazy.js';
import type { ReasoningBank } from './patterns/codegen/bank.js';
import type { DocStore } from './patterns/crdt/docs.js';
import type { AgentLedger } from './patterns/ephemeral/ledger.js';
import type { GossipNode } from './cluster/gossip-node.js';
import type { PeerNetwork } from './peer/network.js';
import type { NodeConsensus } from './patterns/consensus/node-consensus.js';
import type { ConsensusStore } from './patterns/consensus/store.js';

/**
 * Everything a tool, resource or prompt may use: built once (src/build-deps.ts, called by main.ts),
 * passed in, never imported. Each pattern's store is here, made over the one memory store.
 */
export interface Deps {
  config: Config;
  log: Logger;
  store: MemoryStore;
  router: Router;
  /** Ephemeral agents' states and transitions (spawn_ephemeral, list_agents, agents://). */
  ledger: AgentLedger;
  /** What generate_code learned (record_outcome, reasoningbank://); opened on first use. */
  bank: Lazy<ReasoningBank>;
  /** Yjs documents (crdt_merge / crdt_read, crdt://); opened on first use (Yjs loads then). */
  crdt: Lazy<DocStore>;
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
  /** byzantine_propose's simulated clusters (mode "simulate"): keys, committed logs, proposal queues; opened on first use. */
  simulatedConsensus: Lazy<ConsensusStore>;
  version: string;
  startedAt: number;
  /** Prometheus metrics for GET /metrics (HTTP transport only; nothing counts them over stdio). */
  metrics?: Metrics;
}
