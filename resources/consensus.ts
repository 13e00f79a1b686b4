import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { consensusStoreFor } from '../src/memory/consensus-store.js';
import { NAMESPACE_RE } from '../src/memory/schemas.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

const PAGE_MAX = 100;

function clusterOf(uri: URL): string {
  const name = decodeURIComponent(uri.host);
  if (!NAMESPACE_RE.test(name)) throw new ResourceError(ErrorCode.InvalidParams, `"${name}" is not a cluster name: use 1-64 characters of a-z, 0-9, ".", "_" or "-".`);
  return name;
}

/**
 * `consensus://{cluster}/keys`: the cluster's Ed25519 public keys and what a certificate signs.
 * `consensus://{cluster}/log`: committed entries, oldest first (`?after=<sequence>&limit=N`, 1..100).
 * Private keys are never part of either.
 */
export function registerConsensusResources(server: McpServer, deps: Deps): void {
  const store = () => consensusStoreFor(deps.store);
  const complete = { cluster: (value: string) => store().clusters().map((c) => c.name).filter((n) => n.startsWith(value)).slice(0, 100) };

  server.registerResource(
    'consensus-keys',
    new ResourceTemplate('consensus://{cluster}/keys', {
      list: async () => ({
        resources: store().clusters().map((c) => ({ uri: `consensus://${c.name}/keys`, name: `public keys of consensus cluster ${c.name}`, description: `${c.n} replicas, quorum ${2 * c.f + 1}`, mimeType: 'application/json' })),
      }),
      complete,
    }),
    { title: 'Public keys of a consensus cluster', description: 'Ed25519 public keys (raw, base64url) per replica and the statement a certificate signs; enough to verify certificates offline.', mimeType: 'application/json' },
    async (uri) => {
      const name = clusterOf(uri);
      const info = store().cluster(name);
      const pub = info && store().publicKeys(name);
      if (!info || !pub) throw new ResourceError(RESOURCE_NOT_FOUND, `No consensus cluster "${name}".`, { uri: uri.href });
      const body = {
        cluster: name, n: info.n, f: info.f, quorum: 2 * info.f + 1, algorithm: 'Ed25519',
        statement: 'UTF-8 of "sixfold-pbft-commit\\n<cluster>\\n<view>\\n<sequence>\\n<digest>", digest = hex SHA-256 of the value as canonical JSON (keys sorted, no spaces)',
        public_keys: pub.text.map((key, replica) => ({ replica, key })),
      };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );

  const readLog = async (uri: URL) => {
    const name = clusterOf(uri);
    if (!store().cluster(name)) throw new ResourceError(RESOURCE_NOT_FOUND, `No consensus cluster "${name}".`, { uri: uri.href });
    const rawLimit = uri.searchParams.get('limit');
    const limit = rawLimit === null ? PAGE_MAX : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) throw new ResourceError(ErrorCode.InvalidParams, `limit must be a whole number from 1 to ${PAGE_MAX}, got "${rawLimit}".`);
    const rawAfter = uri.searchParams.get('after');
    const after = rawAfter === null ? 0 : Number(rawAfter);
    if (!Number.isInteger(after) || after < 0) throw new ResourceError(ErrorCode.InvalidParams, `after must be a sequence number (a whole number >= 0), got "${rawAfter}".`);
    // One row past the page says whether there is a next one (sequences may have gaps).
    const { entries: rows, total } = store().log(name, after, limit + 1);
    const entries = rows.slice(0, limit);
    const next = rows.length > limit ? `consensus://${name}/log?after=${entries[limit - 1].sequence}&limit=${limit}` : null;
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ cluster: name, total, entries, next }, null, 2) }] };
  };

  server.registerResource(
    'consensus-log',
    new ResourceTemplate('consensus://{cluster}/log', {
      list: async () => ({
        resources: store().clusters().map((c) => ({ uri: `consensus://${c.name}/log`, name: `committed log of consensus cluster ${c.name}`, description: `${c.base.seq} entries`, mimeType: 'application/json' })),
      }),
      complete,
    }),
    { title: 'Committed log of a consensus cluster', description: 'Committed entries oldest first with their certificates; the first 100. Follow `next` (consensus://{cluster}/log?after=<sequence>&limit=N) for more.', mimeType: 'application/json' },
    readLog,
  );

  // The SDK matches query templates exactly, so pages are their own template with both parameters.
  server.registerResource(
    'consensus-log-page',
    new ResourceTemplate('consensus://{cluster}/log{?after,limit}', { list: undefined, complete }),
    { title: 'A page of a consensus log', description: 'Committed entries with sequence > after, at most limit (1..100), oldest first.', mimeType: 'application/json' },
    readLog,
  );
}
