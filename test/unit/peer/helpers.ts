import { createLogger } from '../../../src/log.js';
import { openDatabase } from '../../../src/memory/db.js';
import { loadOrCreateIdentity, type NodeIdentity } from '../../../src/peer/identity.js';
import { PeerNetwork, type PeerConfig, type PeerNetworkOptions } from '../../../src/peer/network.js';
import { TlsTransport } from '../../../src/peer/tls.js';
import type { PeerTransport } from '../../../src/peer/transport.js';

export const log = createLogger('silent');

/** A fresh identity in a throwaway in-memory database. */
export async function identity(): Promise<NodeIdentity> {
  const db = openDatabase(':memory:');
  try {
    return await loadOrCreateIdentity(db, ':memory:');
  } finally {
    db.close();
  }
}

export const networks: PeerNetwork[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(networks.splice(0).map((n) => n.close()));
}

/** A started network over real TLS on 127.0.0.1 (port 0 unless given). */
export async function network(
  id: NodeIdentity,
  peers: PeerConfig[],
  opts: Omit<Partial<PeerNetworkOptions>, 'listen'> & {
    listen?: PeerNetworkOptions['listen'] | null;
    wrap?: (t: PeerTransport) => PeerTransport;
  } = {},
): Promise<PeerNetwork> {
  let net: PeerNetwork | undefined;
  const tls = new TlsTransport(id, (x) => net?.allows(x) === true, log);
  const transport = opts.wrap ? opts.wrap(tls) : tls;
  const { wrap: _wrap, ...rest } = opts;
  net = new PeerNetwork({
    identity: id,
    transport,
    peers,
    heartbeatMs: 1000,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    maxFrameBytes: 1 << 20,
    queueBytes: 4 << 20,
    requestTimeoutMs: 2000,
    log,
    ...rest,
    listen: opts.listen === null ? undefined : (opts.listen ?? { host: '127.0.0.1', port: 0 }),
  });
  networks.push(net);
  await net.start();
  return net;
}

/** Resolves when `net` has an open connection to `peer`. */
export function up(net: PeerNetwork, peer: string): Promise<void> {
  if (net.isConnected(peer)) return Promise.resolve();
  return new Promise((resolve) => {
    const off = net.onPeer((e) => {
      if (e.peer === peer && e.state === 'up') {
        off();
        resolve();
      }
    });
  });
}
