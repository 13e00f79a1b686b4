import { createHash } from 'node:crypto';
import { SixfoldError, invalidInput, notFound } from '../errors.js';
import { contentHash } from './dedup.js';
import { tagTimeSql, type TagTimeFilter } from './filters.js';
import { MAX_TAGS, normalizeTags } from './tags.js';
import { rowToMemory, type Memory, type MemoryRow, type MemoryStore, type NewMemory, type Tier } from './store.js';

/**
 * Keeping memories: store with dedup, update in place, list with filters. Built on the store's
 * primitives (rows, vectors, change notices); every write is one transaction.
 */

const TIER_RANK: Record<Tier, number> = { working: 0, long_term: 1, flashbulb: 2 };
const live = '(m.expires_at IS NULL OR m.expires_at > ?)';

export interface DedupOptions {
  /** Cosine from which a memory of the namespace counts as the same; null: exact (normalised) matches only. */
  nearThreshold: number | null;
  /** Store a new row whatever is already there. */
  allowDuplicate?: boolean;
}

export interface StoreOutcome {
  memory: Memory;
  deduplicated: boolean;
  /** 1 for the same normalised content; the cosine for a near-duplicate. */
  similarity?: number;
}

function byRowid(store: MemoryStore, rowid: number): MemoryRow | undefined {
  return store.statement('SELECT * FROM memories WHERE rowid = ?').get(rowid) as MemoryRow | undefined;
}

function exactMatch(store: MemoryStore, namespace: string, hash: string): MemoryRow | undefined {
  return store
    .statement(
      `SELECT m.* FROM memories m WHERE m.namespace = ? AND m.content_hash = ? AND ${live} ORDER BY m.created_at LIMIT 1`,
    )
    .get(namespace, hash, store.now()) as MemoryRow | undefined;
}

/**
 * Folds a repeated store into the memory already there: it keeps the longer lifetime (tier and
 * expiry), the higher salience when one is sent, the union of tags; updated_at is now.
 */
function refresh(store: MemoryStore, row: MemoryRow, incoming: Omit<MemoryRow, 'rowid'>, salienceSent: boolean): MemoryRow {
  const tags = normalizeTags([...(JSON.parse(row.tags) as string[]), ...(JSON.parse(incoming.tags) as string[])]);
  if (tags.length > MAX_TAGS) {
    throw invalidInput(
      `The memory this duplicates (${row.id}) would end up with ${tags.length} tags; at most ${MAX_TAGS}.`,
      'Send fewer tags, or allow_duplicate: true.',
    );
  }
  const tier = TIER_RANK[incoming.tier] > TIER_RANK[row.tier] ? incoming.tier : row.tier;
  const expires = row.expires_at === null || incoming.expires_at === null ? null : Math.max(row.expires_at, incoming.expires_at);
  const salience = salienceSent ? Math.max(row.salience, incoming.salience) : row.salience;
  const now = store.now();
  store
    .statement('UPDATE memories SET salience = ?, tags = ?, tier = ?, expires_at = ?, updated_at = ? WHERE rowid = ?')
    .run(salience, JSON.stringify(tags), tier, expires, now, row.rowid);
  if (tier !== row.tier || expires !== row.expires_at) store.updateVector(row.rowid, tier, expires);
  return { ...row, salience, tags: JSON.stringify(tags), tier, expires_at: expires, updated_at: now };
}

/**
 * memory_store: the same normalised content in the namespace (or, with a threshold, a memory at
 * least that similar) returns the memory already there, refreshed, instead of a second row. An
 * exact repeat is found before embedding, so it costs no embedder call.
 */
export async function storeMemory(
  store: MemoryStore,
  item: NewMemory,
  opts: DedupOptions,
  signal?: AbortSignal,
): Promise<StoreOutcome> {
  const namespace = item.namespace ?? 'default';
  const salienceSent = item.salience !== undefined;
  if (!opts.allowDuplicate) {
    const hash = contentHash(item.content);
    const early = store.db.transaction(() => {
      const row = exactMatch(store, namespace, hash);
      return row && refresh(store, row, store.toRow(item, store.now()), salienceSent);
    })();
    if (early) {
      store.notify('update', [early]);
      return { memory: rowToMemory(early), deduplicated: true, similarity: 1 };
    }
  }
  const [vector] = await store.embedder.embed([item.content], signal);
  store.checkVectors([vector], 1);
  const row = store.toRow(item, store.now());
  const found = store.db.transaction((): { row: MemoryRow; similarity: number } | undefined => {
    if (opts.allowDuplicate) return undefined;
    // Again inside the transaction: a concurrent call may have stored it while we embedded.
    const exact = exactMatch(store, namespace, row.content_hash!);
    if (exact) return { row: refresh(store, exact, row, salienceSent), similarity: 1 };
    if (opts.nearThreshold === null) return undefined;
    const near = store.nearest(namespace, vector);
    if (!near || near.similarity < opts.nearThreshold) return undefined;
    const existing = byRowid(store, near.rowid);
    return existing && { row: refresh(store, existing, row, salienceSent), similarity: Math.round(near.similarity * 1e4) / 1e4 };
  })();
  if (found) {
    store.notify('update', [found.row]);
    return { memory: rowToMemory(found.row), deduplicated: true, similarity: found.similarity };
  }
  store.writeRows([row], [vector]);
  return { memory: rowToMemory({ ...row, rowid: 0 }), deduplicated: false };
}

export interface MemoryPatch {
  content?: string;
  metadata?: Record<string, unknown>;
  tags?: readonly string[];
  salience?: number;
  tier?: Tier;
  /** Seconds from now until it expires; null: never. */
  ttl_seconds?: number | null;
}

/**
 * memory_update: one transaction; the content is re-embedded only when it changes. Expiry:
 * ttl_seconds sets it from now; otherwise a tier change resets it to the new tier's default
 * (working: the working TTL from now; long_term and flashbulb: none); otherwise it stays.
 */
export async function updateMemory(store: MemoryStore, id: string, patch: MemoryPatch, signal?: AbortSignal): Promise<Memory> {
  const keys = (Object.keys(patch) as Array<keyof MemoryPatch>).filter((k) => patch[k] !== undefined);
  if (!keys.length) {
    throw invalidInput(
      'Nothing to update: send at least one of content, metadata, tags, salience, tier, ttl_seconds.',
      'E.g. {"id": "...", "tags": ["done"]}.',
    );
  }
  const read = () => {
    const row = store.statement(`SELECT m.* FROM memories m WHERE m.id = ? AND ${live}`).get(id, store.now()) as
      MemoryRow | undefined;
    if (!row)
      throw notFound(
        `No memory with id "${id}" (never stored, deleted, or expired).`,
        'Find ids with memory_search or memory_list.',
      );
    return row;
  };
  const before = read();
  const tier = patch.tier ?? before.tier;
  if (tier === 'flashbulb' && patch.ttl_seconds !== undefined && patch.ttl_seconds !== null) {
    throw invalidInput(
      'flashbulb memories never expire, so ttl_seconds cannot be set on one.',
      'Drop ttl_seconds, or change tier to "long_term" or "working".',
    );
  }
  if (tier === 'working' && patch.ttl_seconds === null) {
    throw invalidInput(
      'working memories always expire, so ttl_seconds cannot be null on one.',
      'Send a number of seconds, or change tier to "long_term" to keep it.',
    );
  }
  const contentChanged = patch.content !== undefined && patch.content !== before.content;
  let vector: Float32Array | undefined;
  if (contentChanged) {
    [vector] = await store.embedder.embed([patch.content!], signal);
    store.checkVectors([vector], 1);
  }
  const after = store.db.transaction(() => {
    const row = read(); // deleted or expired while we embedded: not found, nothing written
    const now = store.now();
    let expires = row.expires_at;
    if (patch.ttl_seconds !== undefined) expires = patch.ttl_seconds === null ? null : now + patch.ttl_seconds * 1000;
    else if (patch.tier !== undefined && patch.tier !== row.tier)
      expires = patch.tier === 'working' ? now + store.workingTtlMs : null;
    const next: MemoryRow = {
      ...row,
      content: patch.content ?? row.content,
      content_hash: patch.content !== undefined ? contentHash(patch.content) : row.content_hash,
      metadata: patch.metadata !== undefined ? JSON.stringify(patch.metadata) : row.metadata,
      tags: patch.tags !== undefined ? JSON.stringify(normalizeTags(patch.tags)) : row.tags,
      salience: patch.salience ?? row.salience,
      tier,
      expires_at: expires,
      updated_at: now,
    };
    const sets = [
      'metadata = @metadata',
      'tags = @tags',
      'salience = @salience',
      'tier = @tier',
      'expires_at = @expires_at',
      'updated_at = @updated_at',
    ];
    // Content only when it changed: its FTS trigger re-indexes on any write to the column.
    if (next.content !== row.content) sets.push('content = @content', 'content_hash = @content_hash');
    store.statement(`UPDATE memories SET ${sets.join(', ')} WHERE rowid = @rowid`).run({
      rowid: row.rowid,
      metadata: next.metadata,
      tags: next.tags,
      salience: next.salience,
      tier: next.tier,
      expires_at: next.expires_at,
      updated_at: next.updated_at,
      content: next.content,
      content_hash: next.content_hash,
    });
    if (vector || next.tier !== row.tier || next.expires_at !== row.expires_at) {
      store.updateVector(row.rowid, next.tier, next.expires_at, vector);
    }
    return next;
  })();
  store.notify('update', [after]);
  return rowToMemory(after);
}

export interface ListFilter extends TagTimeFilter {
  namespace?: string;
  tier?: Tier;
}

/** A page cursor: the last row's (created_at, rowid), tied to the filter that made it. */
function fingerprint(f: ListFilter): string {
  const key = JSON.stringify([
    f.namespace ?? null,
    f.tier ?? null,
    f.tags_any ?? null,
    f.tags_all ?? null,
    f.after ?? null,
    f.before ?? null,
  ]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 10);
}

function badCursor(): SixfoldError {
  return invalidInput(
    'cursor is not one this server issued for these filters.',
    'Start again without a cursor, then pass next_cursor back unchanged with the same filters.',
  );
}

/** memory_list: newest first (created_at, then insertion order), `limit` per page. */
export function listMemories(
  store: MemoryStore,
  f: ListFilter,
  limit: number,
  cursor?: string,
): { memories: Memory[]; next_cursor: string | null } {
  const fp = fingerprint(f);
  let after: { c: number; r: number } | undefined;
  if (cursor !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw badCursor();
    }
    const p = parsed as { c?: unknown; r?: unknown; f?: unknown };
    if (!p || typeof p !== 'object' || !Number.isSafeInteger(p.c) || !Number.isSafeInteger(p.r) || p.f !== fp) throw badCursor();
    after = { c: p.c as number, r: p.r as number };
  }
  const now = store.now();
  const { where, params } = tagTimeSql(f, now);
  where.unshift(live);
  params.unshift(now);
  if (f.namespace) (where.push('m.namespace = ?'), params.push(f.namespace));
  if (f.tier) (where.push('m.tier = ?'), params.push(f.tier));
  if (after) (where.push('(m.created_at < ? OR (m.created_at = ? AND m.rowid < ?))'), params.push(after.c, after.c, after.r));
  const rows = store
    .statement(`SELECT m.* FROM memories m WHERE ${where.join(' AND ')} ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?`)
    .all(...params, limit + 1) as MemoryRow[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    memories: page.map(rowToMemory),
    next_cursor:
      more && last ? Buffer.from(JSON.stringify({ c: last.created_at, r: last.rowid, f: fp })).toString('base64url') : null,
  };
}
