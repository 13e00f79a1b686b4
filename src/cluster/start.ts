/**
 * Building this node's place in the cluster from the config: the safety check on the bind
 * address, the identity (from the database), the TLS transport and the peer network (not yet
 * started: the patterns register their channel handlers first).
 */
import { clusterEnabled, isLoopbackHost, type Config } from '../config.js';
import { SixfoldError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DB } from '../memory/db.js';
import { loadOrCreateIdentity } from '../peer/identity.js';
import { PeerNetwork, type PeerConfig } from '../peer/network.js';
import { TlsTransport } from '../peer/tls.js';
import { parseAddress, type PeerAddress } from '../peer/transport.js';

export { clusterEnabled };

export function listenAddress(config: Config): PeerAddress | undefined {
  return config.cluster.listen === undefined ? undefined : parseAddress(config.cluster.listen);
}

export function peerConfigs(config: Config): PeerConfig[] {
  return config.cluster.peers.map((p) => ({ id: p.id, address: p.address === undefined ? undefined : parseAddress(p.address) }));
}

/**
 * Listening beyond loopback with nobody allowed is a mistake (nobody could join) or a leftover of
 * the token-admitted gossip; refused at start either way.
 */
export function assertSafeClusterBind(config: Config): void {
  const at = listenAddress(config);
  if (!at || isLoopbackHost(at.host) || config.cluster.peers.length > 0) return;
  const token = config.http.token ? ' A bearer token (SIXFOLD_HTTP_TOKEN) no longer admits peers; it is for HTTP only.' : '';
  throw new SixfoldError(
    'config',
    `Refusing to listen for cluster peers on ${config.cluster.listen} with an empty allow-list.${token}`,
    'Name each node that may connect: --peer NODE_ID@HOST:PORT (repeatable) or cluster.peers; or listen on 127.0.0.1.',
  );
}

export async function createPeerNetwork(config: Config, db: DB, log: Logger): Promise<PeerNetwork> {
  assertSafeClusterBind(config);
  const identity = await loadOrCreateIdentity(db, config.db, log);
  const c = config.cluster;
  let net: PeerNetwork | undefined;
  const transport = new TlsTransport(identity, (id) => net?.allows(id) === true, log);
  net = new PeerNetwork({
    identity,
    transport,
    listen: listenAddress(config),
    peers: peerConfigs(config),
    heartbeatMs: c.heartbeat_ms,
    backoffBaseMs: c.backoff_base_ms,
    backoffMaxMs: c.backoff_max_ms,
    maxFrameBytes: c.max_frame_bytes,
    queueBytes: c.queue_bytes,
    requestTimeoutMs: c.request_timeout_ms,
    log,
  });
  return net;
}
