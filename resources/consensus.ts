import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { NAMESPACE_RE } from '../src/memory/schemas.js';
import type { NodeConsensus } from '../src/patterns/consensus/node-consensus.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

const PAGE_MAX = 100;

function clusterOf(uri: URL): string {
  const name = decodeURIComponent(uri.host);
  if (!NAMESPACE_RE.test(name))
    throw new ResourceError(
      ErrorCode.InvalidParams,
      `"${name}" is not a cluster name: use 1-64 characters of a-z, 0-9, ".", "_" or "-".`,
    );
  return name;
}

function page(uri: URL): { after: number; limit: number } {
  const rawLimit = uri.searchParams.get('limit');
  const limit = rawLimit === null ? PAGE_MAX : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX)
    throw new ResourceError(
      ErrorCode.InvalidParams,
      `limit must be a whole number from 1 to ${PAGE_MAX}, got "${rawLimit?.slice(0, 20)}".`,
    );
  const rawAfter = uri.searchParams.get('after');
  const after = rawAfter === null ? 0 : Number(rawAfter);
  if (!Number.isInteger(after) || after < 0)
    throw new ResourceError(
      ErrorCode.InvalidParams,
      `after must be a sequence number (a whole number >= 0), got "${rawAfter?.slice(0, 20)}".`,
    );
  return { after, limit };
}

const json = (uri: URL, body: unknown) => ({
  contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }],
});

const STATEMENT =
  'UTF-8 of "sixfold-pbft-commit\\n<cluster>\\n<view>\\n<sequence>\\n<digest>", digest = hex SHA-256 of the value as canonical JSON (keys sorted, no spaces)';

/**
 * Consensus resources. On a node of a cluster of 4 or more (byzantine_propose's mode "nodes"):
 * - `consensus://{cluster}/keys`: the members (node ids, in replica order) and their public keys,
 *   the statement they sign: all anyone needs to check a certificate offline;
 * - `consensus://{cluster}/log`: this node's own committed log (`?after=<sequence>&limit=N`);
 * - `consensus://{cluster}/status`: where this node's replica stands (view, primary, executed).
 * The in-process simulation's clusters are then at `consensus://{cluster}/simulated/keys` and
 * `.../simulated/log`; without a cluster they are at `consensus://{cluster}/keys` and `/log`.
 * Private keys are never part of any of them.
 */
export function registerConsensusResources(server: McpServer, deps: Deps): void {
  const nodes = deps.consensus;
  if (nodes) registerNodeResources(server, nodes);
  registerSimulatedResources(server, deps, nodes ? 'simulated/' : '');
}

function registerSimulatedResources(server: McpServer, deps: Deps, sub: string): void {
  const store = deps.simulatedConsensus;
  const complete = {
    cluster: async (value: string) =>
      (await store())
        .clusters()
        .map((c) => c.name)
        .filter((n) => n.startsWith(value))
        .slice(0, 100),
  };
  const label = sub ? 'simulated consensus cluster' : 'consensus cluster (in-process simulation)';

  server.registerResource(
    sub ? 'consensus-simulated-keys' : 'consensus-keys',
    new ResourceTemplate(`consensus://{cluster}/${sub}keys`, {
      list: async () => ({
        resources: (await store()).clusters().map((c) => ({
          uri: `consensus://${c.name}/${sub}keys`,
          name: `public keys of ${label} ${c.name}`,
          description: `${c.n} replicas, quorum ${2 * c.f + 1}`,
          mimeType: 'application/json',
        })),
      }),
      complete,
    }),
    {
      title: `Public keys of a ${label}`,
      description:
        'Ed25519 public keys (raw, base64url) per replica and the statement a certificate signs; enough to verify certificates offline. A simulation: this one process holds every private key.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const name = clusterOf(uri);
      const simulated = await store();
      const info = simulated.cluster(name);
      const pub = info && simulated.publicKeys(name);
      if (!info || !pub)
        throw new ResourceError(RESOURCE_NOT_FOUND, `No ${sub ? 'simulated ' : ''}consensus cluster "${name}".`, {
          uri: uri.href,
        });
      return json(uri, {
        cluster: name,
        mode: 'simulate',
        n: info.n,
        f: info.f,
        quorum: 2 * info.f + 1,
        algorithm: 'Ed25519',
        statement: STATEMENT,
        public_keys: pub.text.map((key, replica) => ({ replica, key })),
      });
    },
  );

  const readLog = async (uri: URL) => {
    const name = clusterOf(uri);
    const simulated = await store();
    if (!simulated.cluster(name))
      throw new ResourceError(RESOURCE_NOT_FOUND, `No ${sub ? 'simulated ' : ''}consensus cluster "${name}".`, { uri: uri.href });
    const { after, limit } = page(uri);
    // One row past the page says whether there is a next one (sequences may have gaps).
    const { entries: rows, total } = simulated.log(name, after, limit + 1);
    const entries = rows.slice(0, limit);
    const next = rows.length > limit ? `consensus://${name}/${sub}log?after=${entries[limit - 1].sequence}&limit=${limit}` : null;
    return json(uri, { cluster: name, mode: 'simulate', total, entries, next });
  };

  server.registerResource(
    sub ? 'consensus-simulated-log' : 'consensus-log',
    new ResourceTemplate(`consensus://{cluster}/${sub}log`, {
      list: async () => ({
        resources: (await store()).clusters().map((c) => ({
          uri: `consensus://${c.name}/${sub}log`,
          name: `committed log of ${label} ${c.name}`,
          description: `${c.base.seq} entries`,
          mimeType: 'application/json',
        })),
      }),
      complete,
    }),
    {
      title: `Committed log of a ${label}`,
      description: `Committed entries oldest first with their certificates; the first 100. Follow \`next\` (consensus://{cluster}/${sub}log?after=<sequence>&limit=N) for more.`,
      mimeType: 'application/json',
    },
    readLog,
  );

  // The SDK matches query templates exactly, so pages are their own template with both parameters.
  server.registerResource(
    sub ? 'consensus-simulated-log-page' : 'consensus-log-page',
    new ResourceTemplate(`consensus://{cluster}/${sub}log{?after,limit}`, { list: undefined, complete }),
    {
      title: `A page of a ${label}'s log`,
      description: 'Committed entries with sequence > after, at most limit (1..100), oldest first.',
      mimeType: 'application/json',
    },
    readLog,
  );
}

function registerNodeResources(server: McpServer, c: NodeConsensus): void {
  const complete = {
    cluster: (value: string) =>
      c
        .names()
        .filter((n) => n.startsWith(value))
        .slice(0, 100),
  };
  const members = () => c.members.map((node, replica) => ({ replica, node, key: c.publicKeyText(replica) ?? null }));

  server.registerResource(
    'consensus-keys',
    new ResourceTemplate('consensus://{cluster}/keys', {
      list: async () => ({
        resources: c.names().map((name) => ({
          uri: `consensus://${name}/keys`,
          name: `members and public keys of consensus log ${name}`,
          description: `${c.n} nodes, quorum ${2 * c.f + 1}`,
          mimeType: 'application/json',
        })),
      }),
      complete,
    }),
    {
      title: "Members and public keys of the cluster's consensus",
      description:
        'The nodes (replica order), their Ed25519 public keys (a node id is a hash of its key), n, f, quorum and the statement a certificate signs: enough to verify certificates offline.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const name = clusterOf(uri);
      return json(uri, {
        cluster: name,
        mode: 'nodes',
        statement_cluster: c.statementOf(name),
        members_digest: c.digest,
        n: c.n,
        f: c.f,
        quorum: 2 * c.f + 1,
        algorithm: 'Ed25519',
        statement: `${STATEMENT.replace('<cluster>', '<statement_cluster>')}; for a value committed in a batch of several, digest = hex SHA-256 of "sixfold-batch\\n" followed by the batch's value digests joined by "\\n"`,
        node_id:
          "SHA-256 of the key's SPKI DER, first 160 bits in base32, grouped with a Luhn mod-32 check character per group (src/peer/node-id.ts)",
        members: members(),
      });
    },
  );

  const readLog = async (uri: URL) => {
    const name = clusterOf(uri);
    const { after, limit } = page(uri);
    const { entries: rows, total, last } = c.log(name, after, limit + 1);
    const entries = rows.slice(0, limit).map((e) => ({
      ...e,
      values: e.values.map((v) => ({ value: v.value, digest: v.digest, proposer: c.members[v.proposer] ?? null })),
      certificate: e.certificate && {
        ...e.certificate,
        signatures: e.certificate.signatures.map((s) => ({
          replica: s.replica,
          node: c.members[s.replica] ?? null,
          signature: s.signature,
        })),
      },
    }));
    const next = rows.length > limit ? `consensus://${name}/log?after=${entries[limit - 1].sequence}&limit=${limit}` : null;
    return json(uri, { cluster: name, mode: 'nodes', node: c.members[c.self], total, last_sequence: last, entries, next });
  };

  server.registerResource(
    'consensus-log',
    new ResourceTemplate('consensus://{cluster}/log', {
      list: async () => ({
        resources: c.names().map((name) => ({
          uri: `consensus://${name}/log`,
          name: `this node's committed log ${name}`,
          description: `${c.log(name, 0, 0).total} entries`,
          mimeType: 'application/json',
        })),
      }),
      complete,
    }),
    {
      title: "This node's committed consensus log",
      description:
        "What this node's replica executed, oldest first: per sequence the values, their proposers and, where this node proposed, the certificate. Follow `next` (consensus://{cluster}/log?after=<sequence>&limit=N) for more.",
      mimeType: 'application/json',
    },
    readLog,
  );
  server.registerResource(
    'consensus-log-page',
    new ResourceTemplate('consensus://{cluster}/log{?after,limit}', { list: undefined, complete }),
    {
      title: "A page of this node's consensus log",
      description: 'Committed entries with sequence > after, at most limit (1..100), oldest first.',
      mimeType: 'application/json',
    },
    readLog,
  );

  server.registerResource(
    'consensus-status',
    new ResourceTemplate('consensus://{cluster}/status', { list: undefined, complete }),
    {
      title: "This node's replica of a consensus log",
      description: 'View, primary, last executed sequence, stable checkpoint, connected peers and message counters.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const name = clusterOf(uri);
      const st = c.status(name);
      return json(uri, {
        mode: 'nodes',
        node: c.members[c.self],
        members: c.members,
        ...(st
          ? { open: true, ...st, primary: c.members[st.primary], replica: st.self }
          : { open: false, cluster: name, n: c.n, f: c.f, quorum: 2 * c.f + 1, last_executed: c.log(name, 0, 0).last }),
        peers_connected: c.connectedPeers(),
        mismatched_peers: [...c.mismatched].map((m) => c.members[m]),
        counters: c.counters,
      });
    },
  );
}
