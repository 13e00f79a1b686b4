import type { DB } from '../../memory/db.js';
import { requestInfo } from './batch.js';
import type { Request, Signed } from './messages.js';
import type { Executed, ResumeState, StableCheckpoint } from './pbft.js';

/**
 * One node's own PBFT state in its own SQLite file (migration 10): the batches its replica
 * executed (append-only), its latest stable checkpoint with the 2f+1 signed proof, certificates it
 * collected as a proposer, and its peers' public keys. `group` below is the statement name
 * "nodes/<members hash>/<name>" of one log.
 *
 * Written synchronously as the replica executes, before it replies, so a node killed at any
 * moment has on disk everything it ever signed a reply for.
 */
export interface NodeLogEntry {
  sequence: number;
  view: number;
  /** What replies sign for this batch: the value's digest for a batch of one. */
  digest: string;
  state_digest: string;
  values: Array<{ value: unknown; digest: string; proposer: number }>;
  committed_at: string;
  certificate: { view: number; signatures: Array<{ replica: number; signature: string }>; batch?: string[] } | null;
}

export interface StoredCertificate {
  seq: number;
  view: number;
  digest: string;
  signatures: Array<{ replica: number; signature: string }>;
  batch?: string[];
}

interface LogRow {
  seq: number;
  view: number;
  digest: string;
  reply_digest: string;
  state_digest: string;
  requests: string;
  committed_at: number;
}

/** Requests as stored: without their MAC authenticators (those were for the live protocol only). */
type StoredRequest = Pick<Request, 'c' | 'r' | 'v' | 's'>;

function toRequests(text: string): Request[] {
  return (JSON.parse(text) as StoredRequest[]).map((q) => ({ ...q, a: [] }));
}

function executedOf(row: LogRow): Executed {
  const b = toRequests(row.requests);
  return { d: row.digest, rd: row.reply_digest, b, state: row.state_digest, vd: b.map((q) => requestInfo(q).valueDigest) };
}

export class NodeLogStore {
  private readonly stmts;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      append: db.prepare(
        'INSERT OR IGNORE INTO consensus_node_log (cluster, seq, view, digest, reply_digest, state_digest, requests, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      entry: db.prepare(
        'SELECT seq, view, digest, reply_digest, state_digest, requests, committed_at FROM consensus_node_log WHERE cluster = ? AND seq = ?',
      ),
      after: db.prepare(
        'SELECT seq, view, digest, reply_digest, state_digest, requests, committed_at FROM consensus_node_log WHERE cluster = ? AND seq > ? ORDER BY seq',
      ),
      page: db.prepare(`SELECT l.seq, l.view, l.reply_digest AS digest, l.state_digest, l.requests, l.committed_at, c.view AS cview, c.signatures, c.batch
        FROM consensus_node_log l LEFT JOIN consensus_node_certificates c ON c.cluster = l.cluster AND c.seq = l.seq
        WHERE l.cluster = ? AND l.seq > ? ORDER BY l.seq LIMIT ?`),
      count: db.prepare('SELECT count(*) AS n, max(seq) AS last FROM consensus_node_log WHERE cluster = ?'),
      groups: db.prepare("SELECT DISTINCT cluster FROM consensus_node_log WHERE cluster LIKE ? ESCAPE '\\'"),
      checkpoint: db.prepare('SELECT seq, digest, proof, view FROM consensus_node_checkpoints WHERE cluster = ?'),
      saveCheckpoint:
        db.prepare(`INSERT INTO consensus_node_checkpoints (cluster, seq, digest, proof, view) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (cluster) DO UPDATE SET seq = excluded.seq, digest = excluded.digest, proof = excluded.proof, view = excluded.view WHERE excluded.seq > consensus_node_checkpoints.seq`),
      saveCertificate: db.prepare(
        'INSERT OR IGNORE INTO consensus_node_certificates (cluster, seq, view, digest, signatures, batch) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      key: db.prepare('SELECT public_key FROM consensus_node_keys WHERE node_id = ?'),
      saveKey: db.prepare('INSERT OR IGNORE INTO consensus_node_keys (node_id, public_key) VALUES (?, ?)'),
    };
  }

  append(group: string, s: number, e: Executed, view: number): void {
    const requests: StoredRequest[] = e.b.map((q) =>
      q.s === undefined ? { c: q.c, r: q.r, v: q.v } : { c: q.c, r: q.r, v: q.v, s: q.s },
    );
    this.stmts.append.run(group, s, view, e.d, e.rd, e.state, JSON.stringify(requests), this.now());
  }

  saveCheckpoint(group: string, c: StableCheckpoint, view: number): void {
    this.stmts.saveCheckpoint.run(group, c.s, c.d, JSON.stringify(c.proof), view);
  }

  saveCertificate(group: string, c: StoredCertificate): void {
    this.stmts.saveCertificate.run(
      group,
      c.seq,
      c.view,
      c.digest,
      JSON.stringify(c.signatures),
      c.batch ? JSON.stringify(c.batch) : null,
    );
  }

  /** An executed batch, for state transfer to a peer. */
  executed(group: string, s: number): Executed | undefined {
    const row = this.stmts.entry.get(group, s) as LogRow | undefined;
    return row ? executedOf(row) : undefined;
  }

  /** Where this node's replica left off, or undefined for a log it never executed anything in. */
  resume(group: string, genesisDigest: string): ResumeState | undefined {
    const cp = this.stmts.checkpoint.get(group) as { seq: number; digest: string; proof: string; view: number } | undefined;
    const rows = this.stmts.after.all(group, cp?.seq ?? 0) as LogRow[];
    if (!cp && !rows.length) return undefined;
    const stable: StableCheckpoint = cp
      ? { s: cp.seq, d: cp.digest, proof: JSON.parse(cp.proof) as Signed[] }
      : { s: 0, d: genesisDigest, proof: [] };
    return {
      view: Math.max(cp?.view ?? 0, ...rows.map((r) => r.view)),
      stable,
      entries: rows.map((r) => ({ s: r.seq, ...executedOf(r) })),
    };
  }

  /** Group names with a persisted log whose statement name starts with `prefix`. */
  groups(prefix: string): string[] {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (this.stmts.groups.all(like) as Array<{ cluster: string }>).map((r) => r.cluster);
  }

  count(group: string): { total: number; last: number } {
    const row = this.stmts.count.get(group) as { n: number; last: number | null };
    return { total: row.n, last: row.last ?? 0 };
  }

  /** Committed entries with sequence > after, oldest first. `clients` maps a client party to its member index. */
  log(group: string, after: number, limit: number, n: number): NodeLogEntry[] {
    const rows = this.stmts.page.all(group, after, limit) as Array<{
      seq: number;
      view: number;
      digest: string;
      state_digest: string;
      requests: string;
      committed_at: number;
      cview: number | null;
      signatures: string | null;
      batch: string | null;
    }>;
    return rows.map((r) => ({
      sequence: r.seq,
      view: r.view,
      digest: r.digest,
      state_digest: r.state_digest,
      values: toRequests(r.requests).map((q) => ({ value: q.v, digest: requestInfo(q).valueDigest, proposer: q.c - n })),
      committed_at: new Date(r.committed_at).toISOString(),
      certificate:
        r.signatures === null
          ? null
          : {
              view: r.cview!,
              signatures: JSON.parse(r.signatures) as Array<{ replica: number; signature: string }>,
              ...(r.batch ? { batch: JSON.parse(r.batch) as string[] } : {}),
            },
    }));
  }

  publicKey(nodeId: string): string | undefined {
    return (this.stmts.key.get(nodeId) as { public_key: string } | undefined)?.public_key;
  }

  savePublicKey(nodeId: string, publicKey: string): void {
    this.stmts.saveKey.run(nodeId, publicKey);
  }
}
