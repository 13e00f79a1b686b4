/**
 * aggregate's cluster source on the peer network: this node answers "aggregate" requests from its
 * peers (its own memories' field folded, plus its subtree's), and runs the root of one when the
 * tool is called here.
 */
import type { Logger } from '../log.js';
import type { MemoryStore } from '../memory/store.js';
import { aggregateCluster, collect, parseRequest, type ClusterNet, type LocalFold } from '../patterns/aggregate/cluster.js';
import { readMemoryField } from '../patterns/aggregate/memory-source.js';
import { Partial } from '../patterns/aggregate/partial.js';
import type { PeerNetwork } from '../peer/network.js';

function netOf(peers: PeerNetwork): ClusterNet {
  return {
    self: peers.id,
    isConnected: (p) => peers.isConnected(p),
    request: (p, body, timeoutMs, signal) => peers.request(p, 'aggregate', body, { timeoutMs, signal }),
  };
}

function foldOf(store: MemoryStore): LocalFold {
  return async (namespace, field, plan, signal) => {
    const read = await readMemoryField(store, namespace, field, { signal });
    const partial = new Partial(plan);
    for (const v of read.values) partial.addNumber(v);
    return { partial, values: read.values.length, skipped: read.skipped };
  };
}

export function registerClusterAggregate(peers: PeerNetwork, store: MemoryStore, log: Logger): void {
  const net = netOf(peers);
  const fold = foldOf(store);
  peers.onRequest('aggregate', async (from, body, signal) => {
    const req = parseRequest(body, peers.id);
    log.debug({ from, nodes: req.members.length, namespace: req.namespace }, 'aggregate request from a peer');
    return collect(req, net, fold, signal);
  });
}

export function runClusterAggregate(
  peers: PeerNetwork,
  store: MemoryStore,
  opts: { namespace: string; field: string; ops: readonly string[]; fanout: number; timeoutMs: number },
  signal?: AbortSignal,
) {
  return aggregateCluster({ ...opts, peers: peers.peerIds() }, netOf(peers), foldOf(store), signal);
}
