import type { Deps } from '../deps.js';
import { SixfoldError, echo, invalidInput, notFound } from '../errors.js';
import { NAMESPACE_RE } from '../memory/schemas.js';
import { UUID_RE } from '../mcp/fields.js';
import { SEARCH_MODES, searchMemories, type SearchMode } from '../memory/search.js';
import { TIERS, type Memory, type Tier } from '../memory/store.js';
import { DOC_ID_RE } from '../patterns/crdt/codec.js';
import { AgentLedger } from '../patterns/ephemeral/ledger.js';
import { DashboardQueries } from './queries.js';

/**
 * The dashboard's read-only JSON API: one function per view, each over Deps and the request's
 * query parameters. A new data source is one more entry in the table `createDashboardApi`
 * returns. Bad parameters throw SixfoldError (answered 400, or 404 for not_found) saying what to
 * send instead; nothing here writes.
 */

export type ApiHandler = (q: Params, signal: AbortSignal) => unknown;

/** Memory contents in listings are cut to this many characters (the item view has all of it). */
export const PREVIEW_CHARS = 280;
const PAGE_MAX = 100;

/** Query parameters with bounds and messages that say what to send. */
export class Params {
  constructor(private readonly q: URLSearchParams) {}

  str(name: string, opts: { max: number; re?: RegExp; what?: string; required?: boolean }): string | undefined {
    const v = this.q.get(name);
    if (v === null || v === '') {
      if (opts.required) throw invalidInput(`Missing "${name}".`, `Send ?${name}=<${opts.what ?? name}>.`);
      return undefined;
    }
    if (v.length > opts.max)
      throw invalidInput(`"${name}" is over ${opts.max} characters.`, `Send a shorter ${opts.what ?? name}.`);
    if (opts.re && !opts.re.test(v))
      throw invalidInput(
        `"${name}" ${echo(v)} is not a valid ${opts.what ?? name}.`,
        `Send a ${opts.what ?? name} as the dashboard lists them.`,
      );
    return v;
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.q.get(name);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw invalidInput(`"${name}" must be a whole number from ${min} to ${max}, got ${echo(v, 20)}.`);
    return n;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.q.get(name);
    if (v === null || v === '') return undefined;
    if (!(values as readonly string[]).includes(v))
      throw invalidInput(`"${name}" must be one of ${values.join(', ')}, got ${echo(v, 30)}.`);
    return v as T;
  }
}

const namespaceParam = (q: Params, required = false) =>
  q.str('namespace', { max: 64, re: NAMESPACE_RE, what: 'namespace', required });
const clusterParam = (q: Params) => q.str('cluster', { max: 64, re: NAMESPACE_RE, what: 'cluster name', required: true })!;

function preview(m: Memory): Memory & { truncated: boolean } {
  const truncated = m.content.length > PREVIEW_CHARS;
  return { ...m, content: truncated ? `${m.content.slice(0, PREVIEW_CHARS)}…` : m.content, truncated };
}

/** A structural view of a cluster peer layer, so this compiles with or without one in Deps. */
interface PeerLayer {
  id?: unknown;
  status(): unknown;
  address?(): unknown;
  counters?: unknown;
}

function peerLayer(deps: Deps): PeerLayer | undefined {
  const p = (deps as { peers?: PeerLayer }).peers;
  return p && typeof p.status === 'function' ? p : undefined;
}

export function createDashboardApi(deps: Deps): Map<string, ApiHandler> {
  const sql = new DashboardQueries(deps.store.db);
  const consensus = deps.simulatedConsensus;
  const now = () => deps.store.now();

  const routes = new Map<string, ApiHandler>();

  routes.set('overview', () => {
    const namespaces = deps.store.namespaces();
    const c = sql.counts();
    deps.ledger.flush();
    return {
      name: 'sixfold',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      db: deps.store.path,
      embedder: { id: deps.store.embedder.id, dims: deps.store.vec.dims },
      memory: {
        total: namespaces.reduce((a, n) => a + n.count, 0),
        namespaces: namespaces.length,
        by_tier: deps.store.tierCounts(),
      },
      consensus: { clusters: c.clusters, commits: c.commits },
      crdt: { docs: c.docs },
      agents: sql.agentStatuses(),
      router: { policy: deps.config.router.policy, calls: c.llm_calls, failures: c.llm_failures, cost_usd: c.llm_cost_usd },
      cluster: { configured: peerLayer(deps) !== undefined || deps.gossip !== undefined },
    };
  });

  routes.set('memory/facets', () => ({
    namespaces: deps.store.namespaces(),
    tiers: deps.store.tierCounts(),
    tags: sql.tags(now(), 100),
  }));

  routes.set('memory/list', (q) => {
    const limit = q.int('limit', 1, PAGE_MAX, 50);
    const page = sql.memories(
      {
        namespace: namespaceParam(q),
        tier: q.oneOf<Tier>('tier', TIERS),
        tag: q.str('tag', { max: 64, what: 'tag' }),
        cursor: q.str('cursor', { max: 64, re: /^\d+\.\d+$/, what: 'cursor (the next value of the previous page)' }),
        limit,
      },
      now(),
    );
    return { items: page.items.map(preview), next: page.next };
  });

  routes.set('memory/search', async (q, signal) => {
    const query = q.str('q', { max: 10_000, what: 'search text', required: true })!;
    const mode = q.oneOf<SearchMode>('mode', SEARCH_MODES) ?? 'hybrid';
    const hits = await searchMemories(
      deps.store,
      {
        query,
        mode,
        k: q.int('k', 1, PAGE_MAX, 20),
        namespace: namespaceParam(q),
        tier: q.oneOf<Tier>('tier', TIERS),
      },
      signal,
    );
    return {
      mode,
      results: hits.map((h) => ({
        ...h,
        content: h.content.length > PREVIEW_CHARS ? `${h.content.slice(0, PREVIEW_CHARS)}…` : h.content,
      })),
    };
  });

  routes.set('memory/item', (q) => {
    const id = q.str('id', { max: 200, what: 'memory id', required: true })!;
    const m = deps.store.get(id);
    if (!m) throw notFound(`No memory ${echo(id)} (deleted, expired or never stored).`, 'Pick one from the list or a search.');
    return m;
  });

  routes.set('consensus/clusters', async () =>
    (await consensus()).clusters().map((c) => ({
      name: c.name,
      n: c.n,
      f: c.f,
      quorum: 2 * c.f + 1,
      view: c.base.view,
      last_sequence: c.base.seq,
      created_at: c.created_at,
    })),
  );

  routes.set('consensus/log', async (q) => {
    const name = clusterParam(q);
    const store = await consensus();
    if (!store.cluster(name)) throw notFound(`No consensus cluster ${echo(name)}.`);
    const limit = q.int('limit', 1, PAGE_MAX, 50);
    const after = q.int('after', 0, Number.MAX_SAFE_INTEGER, 0);
    const { entries, total } = store.log(name, after, limit + 1);
    const page = entries.slice(0, limit);
    return { cluster: name, total, entries: page, next_after: entries.length > limit ? page[limit - 1].sequence : null };
  });

  routes.set('consensus/keys', async (q) => {
    const name = clusterParam(q);
    const store = await consensus();
    const info = store.cluster(name);
    const pub = info && store.publicKeys(name);
    if (!info || !pub) throw notFound(`No consensus cluster ${echo(name)}.`);
    return { cluster: name, n: info.n, f: info.f, quorum: 2 * info.f + 1, algorithm: 'Ed25519', public_keys: [...pub.text] };
  });

  routes.set('crdt/docs', async () =>
    (await deps.crdt())
      .list(1000)
      .map((d) => ({ id: d.id, updated_at: d.updated_at, state_bytes: d.state_bytes, log_updates: d.pending })),
  );

  routes.set('crdt/doc', async (q) => {
    const id = q.str('id', { max: 128, re: DOC_ID_RE, what: 'document id', required: true })!;
    const crdt = await deps.crdt();
    const history = crdt.history(id, q.int('limit', 1, PAGE_MAX, 50));
    if (!history) throw notFound(`No CRDT document ${echo(id)}.`);
    const v = crdt.view(id);
    return {
      id,
      snapshot: v.snapshot,
      size_bytes: v.size_bytes,
      clients: v.clients,
      created_at: history.created_at,
      updated_at: history.updated_at,
      compact_every: deps.config.crdt.compact_every,
      history: history.entries,
    };
  });

  routes.set('agents/runs', (q) => {
    deps.ledger.flush();
    return sql.runs(q.int('limit', 1, PAGE_MAX, 50));
  });

  routes.set('agents/run', (q) => {
    const id = q.str('id', { max: 36, re: UUID_RE, what: 'run id', required: true })!;
    const rows = deps.ledger.run(id);
    if (!rows.length) throw notFound(`No run ${id} (runs are kept 7 days).`);
    return {
      run_id: id,
      agents: rows.map((r) => ({
        id: r.id,
        role: r.role,
        input_index: r.input_index,
        status: r.status,
        phase: r.phase,
        created_at: r.created_at,
        started_at: r.started_at,
        ended_at: r.ended_at,
        cost_usd: r.cost_usd,
        memories_loaded: r.memories_loaded,
        memories_written: r.memories_written,
        error: r.error,
        result: r.result && r.result.length > 2000 ? `${r.result.slice(0, 2000)}…` : r.result,
        transitions: AgentLedger.transitions(r),
      })),
    };
  });

  routes.set('router/stats', async () => {
    await deps.router.list(); // the one-time Ollama probe, so the list is complete
    return { policy: deps.config.router.policy, providers: deps.router.stats() };
  });

  routes.set('router/series', (q) => {
    const minutes = q.int('minutes', 1, 7 * 24 * 60, 60);
    const buckets = q.int('buckets', 1, 500, 60);
    const bucketMs = Math.max(1000, Math.ceil((minutes * 60_000) / buckets / 1000) * 1000);
    const since = Math.floor((Date.now() - minutes * 60_000) / bucketMs) * bucketMs;
    return { since, bucket_ms: bucketMs, points: sql.routerSeries(since, bucketMs) };
  });

  routes.set('router/failures', (q) =>
    sql
      .routerFailures(q.int('limit', 1, PAGE_MAX, 20))
      .map((f) => ({ ...f, error: f.error && f.error.length > 500 ? `${f.error.slice(0, 500)}…` : f.error })),
  );

  routes.set('peers', () => {
    const peers = peerLayer(deps);
    const gossip = deps.gossip?.status();
    if (!peers && !gossip) return { configured: false };
    return {
      configured: true,
      node_id: peers?.id ?? null,
      address: peers?.address?.() ?? null,
      peers: peers?.status() ?? null,
      counters: peers?.counters ?? null,
      gossip: gossip ?? null,
    };
  });

  return routes;
}

/** HTTP status for an error an API handler threw. */
export function statusOf(err: unknown): number {
  if (err instanceof SixfoldError)
    return err.code === 'not_found' ? 404 : err.code === 'invalid_input' ? 400 : err.code === 'unavailable' ? 503 : 500;
  return 500;
}
