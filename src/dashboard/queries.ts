import type Database from 'better-sqlite3';
import type { DB } from '../memory/db.js';
import { rowToMemory, type Memory, type MemoryRow } from '../memory/store.js';

/**
 * The read-only SQL the dashboard needs beyond what the stores offer: listings across namespaces,
 * facets, runs and time series. Nothing here writes. Statements are prepared once per instance.
 */

export interface MemoryFilter {
  namespace?: string;
  tier?: string;
  tag?: string;
  /** The `next` value of the previous page. */
  cursor?: string;
  limit: number;
}

export interface RunSummary {
  run_id: string;
  created_at: number;
  ended_at: number | null;
  agents: number;
  cost_usd: number;
  statuses: Record<string, number>;
}

export interface SeriesPoint {
  t: number;
  provider: string;
  calls: number;
  failures: number;
  latency_ms: number;
  cost_usd: number;
}

/** Charts read at most this many of the newest calls (the call log has no index on time alone). */
export const SERIES_MAX_CALLS = 100_000;

const live = '(expires_at IS NULL OR expires_at > @now)';

export class DashboardQueries {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: DB) {}

  private st(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * Memories newest first. Within a namespace the (namespace, created_at) index orders them; across
   * namespaces the rowid does (insertion order), so neither sorts the table.
   */
  memories(f: MemoryFilter, now: number): { items: Memory[]; next: string | null } {
    const where = [live];
    const params: Record<string, unknown> = { now, limit: f.limit + 1 };
    if (f.namespace) (where.push('namespace = @namespace'), (params.namespace = f.namespace));
    if (f.tier) (where.push('tier = @tier'), (params.tier = f.tier));
    if (f.tag) (where.push('rowid IN (SELECT memory_rowid FROM memory_tags WHERE tag = @tag)'), (params.tag = f.tag));
    const [c, r] = (f.cursor ?? '').split('.').map(Number);
    const paged = f.cursor !== undefined && Number.isSafeInteger(c) && Number.isSafeInteger(r);
    let order: string;
    if (f.namespace) {
      if (paged) (where.push('(created_at < @c OR (created_at = @c AND rowid < @r))'), (params.c = c), (params.r = r));
      order = 'created_at DESC, rowid DESC';
    } else {
      if (paged) (where.push('rowid < @r'), (params.r = r));
      order = 'rowid DESC';
    }
    const rows = this.st(`SELECT * FROM memories WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit`).all(
      params,
    ) as MemoryRow[];
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map(rowToMemory), next: more && last ? `${last.created_at}.${last.rowid}` : null };
  }

  /** Tags by how many live memories carry them (memory_tags holds one row per tag of a memory). */
  tags(now: number, limit: number): Array<{ tag: string; count: number }> {
    return this.st(
      `SELECT t.tag AS tag, count(*) AS count FROM memory_tags t JOIN memories ON memories.rowid = t.memory_rowid WHERE ${live}
       GROUP BY t.tag ORDER BY count DESC, tag LIMIT @limit`,
    ).all({ now, limit }) as Array<{ tag: string; count: number }>;
  }

  /** Runs newest first, with their agents counted by status. */
  runs(limit: number): RunSummary[] {
    const rows = this.st(
      `SELECT run_id, min(created_at) AS created_at, max(ended_at) AS ended_at, count(*) AS agents, sum(cost_usd) AS cost_usd,
              json_group_object(status, n) AS statuses
       FROM (SELECT run_id, status, min(created_at) AS created_at, max(ended_at) AS ended_at, count(*) AS n, sum(cost_usd) AS cost_usd
             FROM agents GROUP BY run_id, status)
       GROUP BY run_id ORDER BY created_at DESC LIMIT ?`,
    ).all(limit) as Array<Omit<RunSummary, 'statuses' | 'agents'> & { agents: number; statuses: string }>;
    // json_group_object over (status, n) pairs: agents is the sum of n, not the count of rows.
    return rows.map((r) => {
      const statuses = JSON.parse(r.statuses) as Record<string, number>;
      return { ...r, agents: Object.values(statuses).reduce((a, b) => a + b, 0), statuses };
    });
  }

  agentStatuses(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.st('SELECT status, count(*) AS n FROM agents GROUP BY status').all() as Array<{
      status: string;
      n: number;
    }>)
      out[r.status] = r.n;
    return out;
  }

  /** LLM calls per provider in buckets of `bucketMs` since `since`, oldest first. */
  routerSeries(since: number, bucketMs: number): SeriesPoint[] {
    return this.st(
      `SELECT CAST(at / @b AS INTEGER) * @b AS t, provider, count(*) AS calls, sum(outcome NOT IN ('ok', 'cancelled')) AS failures,
              avg(latency_ms) AS latency_ms, sum(cost_usd) AS cost_usd
       FROM llm_calls WHERE id > (SELECT coalesce(max(id), 0) - @cap FROM llm_calls) AND at >= @since
       GROUP BY t, provider ORDER BY t, provider`,
    ).all({ b: bucketMs, since, cap: SERIES_MAX_CALLS }) as SeriesPoint[];
  }

  /** The newest failed LLM calls (cancelled ones are not failures). */
  routerFailures(limit: number): Array<{
    at: number;
    provider: string;
    model: string;
    purpose: string;
    outcome: string;
    latency_ms: number;
    error: string | null;
  }> {
    return this.st(
      `SELECT at, provider, model, purpose, outcome, latency_ms, error FROM llm_calls
       WHERE outcome NOT IN ('ok', 'cancelled') ORDER BY id DESC LIMIT ?`,
    ).all(limit) as Array<{
      at: number;
      provider: string;
      model: string;
      purpose: string;
      outcome: string;
      latency_ms: number;
      error: string | null;
    }>;
  }

  /** Totals for the overview. */
  counts(): { clusters: number; commits: number; docs: number; llm_calls: number; llm_failures: number; llm_cost_usd: number } {
    return this.st(
      `SELECT (SELECT count(*) FROM consensus_clusters) AS clusters, (SELECT count(*) FROM consensus_log) AS commits,
              (SELECT count(*) FROM crdt_docs) AS docs, (SELECT count(*) FROM llm_calls) AS llm_calls,
              (SELECT count(*) FROM llm_calls WHERE outcome NOT IN ('ok', 'cancelled')) AS llm_failures,
              (SELECT coalesce(sum(cost_usd), 0) FROM llm_calls) AS llm_cost_usd`,
    ).get() as { clusters: number; commits: number; docs: number; llm_calls: number; llm_failures: number; llm_cost_usd: number };
  }

  /**
   * A cheap fingerprint per area, for live updates: it changes when that area's rows change. Only
   * computed after SQLite says something was written (see ChangeFeed).
   */
  fingerprints(): Record<'memory' | 'consensus' | 'crdt' | 'agents' | 'router', string> {
    const one = (sql: string) => JSON.stringify(this.st(sql).raw().get());
    return {
      memory: one('SELECT count(*), coalesce(max(rowid), 0) FROM memories'),
      consensus: one('SELECT count(*), coalesce(sum(last_seq), 0), coalesce(sum(view), 0) FROM consensus_clusters'),
      crdt: one('SELECT count(*), coalesce(max(updated_at), 0), coalesce(sum(pending), 0) FROM crdt_docs'),
      agents: one('SELECT count(*), coalesce(max(created_at), 0), coalesce(sum(length(transitions)), 0) FROM agents'),
      router: one('SELECT coalesce(max(id), 0) FROM llm_calls'),
    };
  }

  /** Changes when this connection or another one wrote to the database. */
  writeMark(): string {
    const total = this.st('SELECT total_changes()').pluck().get();
    const version = this.db.pragma('data_version', { simple: true });
    return `${total}.${version}`;
  }
}
