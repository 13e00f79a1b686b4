/**
 * `sixfold node-id --db PATH`: the node id on stdout line 1 (the identity is made if the database
 * has none), then one line per address peers can dial (from cluster.listen; a wildcard bind lists
 * this machine's interface addresses). Nothing else goes to stdout, so scripts can read it.
 */
import { networkInterfaces } from 'node:os';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openDatabase } from '../memory/db.js';
import { loadOrCreateIdentity } from '../peer/identity.js';
import { formatAddress } from '../peer/transport.js';
import { listenAddress } from './start.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

export function dialableAddresses(config: Config): string[] {
  const at = listenAddress(config);
  if (!at) return [];
  if (!WILDCARD.has(at.host)) return [formatAddress(at)];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (at.host === '0.0.0.0' && a.family !== 'IPv4') continue;
      if (a.family === 'IPv6' && a.scopeid) continue; // link-local needs a zone: not copyable
      out.push(formatAddress({ host: a.address, port: at.port }));
    }
  }
  return out;
}

export async function printNodeId(config: Config, log: Logger): Promise<void> {
  const db = openDatabase(config.db);
  try {
    const identity = await loadOrCreateIdentity(db, config.db, log);
    const addrs = dialableAddresses(config);
    process.stdout.write(`${[identity.nodeId, ...addrs].join('\n')}\n`);
    if (!addrs.length)
      process.stderr.write('sixfold: not listening for peers (set --cluster-port N or cluster.listen to print addresses)\n');
    else if (listenAddress(config)?.port === 0)
      process.stderr.write(
        'sixfold: port 0 means a free port is chosen at each start; set a fixed --cluster-port for peers to dial\n',
      );
  } finally {
    db.close();
  }
}
