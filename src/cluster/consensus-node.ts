/**
 * byzantine_propose across the cluster's nodes: this node's PBFT replica and client on the peer
 * network's "consensus" channel. Members are this node and its configured peers, sorted by node
 * id (the same list on every node, so the same replica numbers). The replica signs with the node
 * key; MAC keys come from each connection's TLS exporter and are re-derived on every reconnect;
 * peers' public keys come from their TLS certificates (whose hash is their node id) and are
 * remembered in this node's database so certificates verify offline.
 */
import type { KeyObject } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { publicKeyFromText, publicKeyToText } from '../patterns/consensus/node-keys.js';
import { NodeConsensus, type NodeLink } from '../patterns/consensus/node-consensus.js';
import { NodeKeys } from '../patterns/consensus/node-keys.js';
import type { NodeLogStore } from '../patterns/consensus/node-store.js';
import { SchemaValidator } from '../patterns/consensus/schema.js';
import type { PeerNetwork } from '../peer/network.js';
import { nodeIdOf } from '../peer/identity.js';

/** TLS exporter label of the pairwise PBFT MAC keys. */
export const CONSENSUS_MAC_LABEL = 'sixfold consensus mac v1';

/** Members of the consensus group: this node and its peers, sorted. */
export function consensusMembers(peers: PeerNetwork): string[] {
  return [peers.id, ...peers.peerIds()].sort();
}

/**
 * A member's public key: this node's own, a connected peer's (from its certificate), or one
 * remembered from an earlier connection. Only a key whose hash is the member's id is used.
 */
export function memberKeys(peers: PeerNetwork, store: NodeLogStore): (id: string) => KeyObject | undefined {
  const cache = new Map<string, KeyObject>([[peers.id, peers.identity.publicKey]]);
  return (id) => {
    let key = cache.get(id);
    if (key) return key;
    key = peers.publicKeyOf(id);
    if (!key) {
      const text = store.publicKey(id);
      if (text) {
        try {
          key = publicKeyFromText(text);
        } catch {
          key = undefined;
        }
      }
    }
    if (!key || nodeIdOf(key) !== id) return undefined;
    cache.set(id, key);
    return key;
  };
}

/** Undefined when the cluster is too small for PBFT (n < 4): byzantine_propose then only simulates. */
export function startNodeConsensus(
  peers: PeerNetwork,
  store: NodeLogStore,
  config: Config,
  log: Logger,
): NodeConsensus | undefined {
  const members = consensusMembers(peers);
  if (members.length < 4) {
    log.info(
      { nodes: members.length },
      'consensus across nodes needs at least 4 nodes (3f+1); byzantine_propose runs its in-process simulation only',
    );
    if (config.test_fault)
      log.warn('SIXFOLD_TEST_FAULT is set but this node takes no part in consensus across nodes (fewer than 4 nodes)');
    return undefined;
  }
  const self = members.indexOf(peers.id);
  const index = new Map(members.map((id, i) => [id, i]));
  const keyOf = memberKeys(peers, store);
  const keys = new NodeKeys(
    members.length,
    self,
    (data) => peers.identity.sign(data),
    (m) => keyOf(members[m]),
  );
  const link: NodeLink = {
    send: (m, body) => peers.send(members[m], 'consensus', body),
    isConnected: (m) => peers.isConnected(members[m]),
  };
  const c = config.consensus;
  // A view change carries the batches of every slot above the stable checkpoint (up to a checkpoint
  // interval plus those in flight): sized so that even then it stays within half a frame. At least
  // one value of the largest size byzantine_propose takes always fits.
  const batchBytes = Math.max(
    64 * 1024 + 1024,
    Math.floor(config.cluster.max_frame_bytes / (2 * (c.checkpoint_interval + c.max_inflight))),
  );
  const consensus = new NodeConsensus({
    members,
    self,
    keys,
    link,
    store,
    log,
    maxLogs: c.max_logs,
    timing: {
      viewChangeTimeoutMs: c.view_change_timeout_ms,
      retransmitMs: c.retransmit_ms,
      tickMs: c.tick_ms,
      checkpointInterval: c.checkpoint_interval,
      window: c.window,
      maxInflight: c.max_inflight,
      batchMax: c.batch_max,
      batchBytes,
    },
    fault: config.test_fault ? { behavior: config.test_fault.behavior, delayMs: config.test_fault.delay_ms } : undefined,
    validate: new SchemaValidator().validate,
  });
  peers.onMessage('consensus', (from, body) => {
    const m = index.get(from);
    if (m !== undefined) consensus.receive(m, body);
  });
  peers.onPeer((e) => {
    const m = index.get(e.peer);
    if (e.state !== 'up' || m === undefined) return;
    const km = peers.keyingMaterial(e.peer, CONSENSUS_MAC_LABEL);
    if (km) keys.rekey(m, km.material);
    const key = peers.publicKeyOf(e.peer);
    if (key) store.savePublicKey(e.peer, publicKeyToText(key));
    consensus.peerUp(m);
  });
  return consensus;
}
