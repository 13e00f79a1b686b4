import { SixfoldError } from '../../errors.js';
import { canonicalJson } from '../../canonical-json.js';
import type { DB } from '../../memory/db.js';
import { genesis, type ClusterBase } from './cluster.js';
import { ClusterKeys, generateKeys, PublicKeys } from './keys.js';
import { ProposalQueue } from './queue.js';
import { bftFaults } from '../vote/quorum.js';

/**
 * Storage of the simulated clusters of byzantine_propose (mode "simulate", migration 5): cluster
 * keys and the committed log. Private keys and the MAC secret are read only to build the
 * in-process replicas; nothing here returns them to a caller. Key objects are built once per
 * cluster and cached. One per server (src/build-deps.ts), reached as deps.simulatedConsensus.
 */
export interface ClusterInfo {
  name: string;
  n: number;
  f: number;
  base: ClusterBase;
  created_at: number;
}

export interface LogEntry {
  sequence: number;
  view: number;
  digest: string;
  value: unknown;
  certificate: Array<{ replica: number; signature: string }>;
  committed_at: string;
}

interface ClusterRow {
  name: string;
  n: number;
  view: number;
  last_seq: number;
  state_digest: string;
  created_at: number;
}

export class ConsensusStore {
  private readonly keys = new Map<string, ClusterKeys>();
  private readonly pubs = new Map<string, PublicKeys>();
  private readonly stmts;
  /** Proposals to one cluster, one at a time (each takes the next sequence number). */
  readonly proposals = new ProposalQueue();

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      cluster: db.prepare('SELECT name, n, view, last_seq, state_digest, created_at FROM consensus_clusters WHERE name = ?'),
      clusters: db.prepare('SELECT name, n, view, last_seq, state_digest, created_at FROM consensus_clusters ORDER BY name'),
      insertCluster: db.prepare(
        'INSERT INTO consensus_clusters (name, n, mac_secret, view, last_seq, state_digest, created_at) VALUES (?, ?, ?, 0, 0, ?, ?)',
      ),
      insertKey: db.prepare('INSERT INTO consensus_keys (cluster, replica, public_key, private_key) VALUES (?, ?, ?, ?)'),
      secret: db.prepare('SELECT mac_secret FROM consensus_clusters WHERE name = ?'),
      keyRows: db.prepare('SELECT replica, public_key, private_key FROM consensus_keys WHERE cluster = ? ORDER BY replica'),
      publicKeys: db.prepare('SELECT public_key FROM consensus_keys WHERE cluster = ? ORDER BY replica'),
      append: db.prepare(
        'INSERT INTO consensus_log (cluster, seq, view, digest, value, certificate, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      advance: db.prepare(
        'UPDATE consensus_clusters SET view = ?, last_seq = ?, state_digest = ? WHERE name = ? AND last_seq = ?',
      ),
      page: db.prepare(
        'SELECT seq, view, digest, value, certificate, committed_at FROM consensus_log WHERE cluster = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      count: db.prepare('SELECT count(*) AS n FROM consensus_log WHERE cluster = ?'),
    };
  }

  private info(row: ClusterRow): ClusterInfo {
    return {
      name: row.name,
      n: row.n,
      f: bftFaults(row.n),
      base: { seq: row.last_seq, view: row.view, stateDigest: row.state_digest },
      created_at: row.created_at,
    };
  }

  cluster(name: string): ClusterInfo | null {
    const row = this.stmts.cluster.get(name) as ClusterRow | undefined;
    return row ? this.info(row) : null;
  }

  clusters(): ClusterInfo[] {
    return (this.stmts.clusters.all() as ClusterRow[]).map((r) => this.info(r));
  }

  /** Creates a cluster of n replicas with fresh keys, in one transaction. */
  create(name: string, n: number): ClusterInfo {
    const stored = generateKeys(n);
    this.db.transaction(() => {
      this.stmts.insertCluster.run(name, n, stored.macSecret, genesis(name).stateDigest, this.now());
      for (let i = 0; i < n; i++) this.stmts.insertKey.run(name, i, stored.publicKeys[i], stored.privateKeys[i]);
    })();
    this.keys.set(name, new ClusterKeys(stored));
    return this.cluster(name)!;
  }

  /** The cluster's full key set (private parts included) for the in-process replicas. */
  clusterKeys(name: string): ClusterKeys {
    let k = this.keys.get(name);
    if (!k) {
      const secret = this.stmts.secret.get(name) as { mac_secret: Buffer } | undefined;
      if (!secret) throw new SixfoldError('not_found', `No consensus cluster "${name}".`);
      const rows = this.stmts.keyRows.all(name) as Array<{ replica: number; public_key: string; private_key: Buffer }>;
      k = new ClusterKeys({
        n: rows.length,
        macSecret: secret.mac_secret,
        privateKeys: rows.map((r) => r.private_key),
        publicKeys: rows.map((r) => r.public_key),
      });
      this.keys.set(name, k);
    }
    return k;
  }

  /** Public keys only: what verify_certificate and consensus://{cluster}/keys use. */
  publicKeys(name: string): PublicKeys | null {
    let p = this.pubs.get(name);
    if (!p) {
      const rows = this.stmts.publicKeys.all(name) as Array<{ public_key: string }>;
      if (!rows.length) return null;
      p = new PublicKeys(rows.map((r) => r.public_key));
      this.pubs.set(name, p);
    }
    return p;
  }

  /** Appends one committed entry and moves the cluster's base past it, atomically. */
  append(
    name: string,
    prev: ClusterBase,
    entry: {
      seq: number;
      view: number;
      digest: string;
      value: unknown;
      certificate: LogEntry['certificate'];
      stateDigest: string;
    },
  ): void {
    this.db.transaction(() => {
      const moved = this.stmts.advance.run(entry.view, entry.seq, entry.stateDigest, name, prev.seq);
      if (moved.changes !== 1)
        throw new SixfoldError('conflict', `Cluster "${name}" moved on while this proposal ran.`, 'Propose again.');
      this.stmts.append.run(
        name,
        entry.seq,
        entry.view,
        entry.digest,
        canonicalJson(entry.value),
        JSON.stringify(entry.certificate),
        this.now(),
      );
    })();
  }

  log(name: string, after: number, limit: number): { entries: LogEntry[]; total: number } {
    const rows = this.stmts.page.all(name, after, limit) as Array<{
      seq: number;
      view: number;
      digest: string;
      value: string;
      certificate: string;
      committed_at: number;
    }>;
    const total = (this.stmts.count.get(name) as { n: number }).n;
    return {
      total,
      entries: rows.map((r) => ({
        sequence: r.seq,
        view: r.view,
        digest: r.digest,
        value: JSON.parse(r.value) as unknown,
        certificate: JSON.parse(r.certificate) as LogEntry['certificate'],
        committed_at: new Date(r.committed_at).toISOString(),
      })),
    };
  }
}
