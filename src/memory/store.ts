import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SixfoldError, notFound } from '../errors.js';
import type { Logger } from '../log.js';
import { getMeta, openDatabase, type DB } from './db.js';
import { contentHash } from './dedup.js';
import { tagsJson } from './tags.js';
import type { Embedder } from './embed/embedder.js';
import { QuantizedIndex, createQuantizedTable, hasQuantizedTable, strayQuantizedTables } from './quantized.js';
import {
  NEVER,
  createVecTable,
  currentVecTable,
  l2ToCosine,
  nextVecTableName,
  pinEmbedder,
  strayVecTables,
  toBlob,
  type VecTable,
} from './vectors.js';

export const TIERS = ['working', 'long_term', 'flashbulb'] as const;
export type Tier = (typeof TIERS)[number];

export interface NewMemory {
  content: string;
  namespace?: string;
  tier?: Tier;
  salience?: number;
  metadata?: Record<string, unknown>;
  ttl_seconds?: number;
  tags?: readonly string[];
}

export interface Memory {
  id: string;
  namespace: string;
  content: string;
  tier: Tier;
  salience: number;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

export interface MemoryRow {
  rowid: number;
  id: string;
  namespace: string;
  content: string;
  tier: Tier;
  salience: number;
  metadata: string;
  tags: string;
  created_at: number;
  /** NULL only on rows written by code that predates the column: read as created_at. */
  updated_at: number | null;
  content_hash: string | null;
  expires_at: number | null;
}

/** What changed in the store, after it is committed (resource subscriptions listen). */
export interface MemoryChange {
  op: 'insert' | 'update' | 'delete';
  namespace: string;
  ids: string[];
}

export interface StoreOptions {
  path: string;
  embedder: Embedder;
  log: Logger;
  workingTtlSeconds?: number;
  /** For injecting a clock in tests. */
  now?: () => number;
  /** Told of every committed write, grouped by namespace. */
  onChange?: (changes: MemoryChange[]) => void;
}

export function rowToMemory(r: MemoryRow): Memory {
  return {
    id: r.id,
    namespace: r.namespace,
    content: r.content,
    tier: r.tier,
    salience: r.salience,
    metadata: JSON.parse(r.metadata),
    tags: JSON.parse(r.tags ?? '[]'),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at ?? r.created_at).toISOString(),
    expires_at: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
  };
}

/** Refuses to serve vectors from one embedder with another; `sixfold reembed` is the way across. */
function embedderMismatch(
  path: string,
  pinnedId: string,
  pinnedDims: number,
  id: string,
  dims: number | undefined,
  count: number,
) {
  const want = dims === undefined ? id : `${id} (${dims} dims)`;
  return new SixfoldError(
    'embedder_mismatch',
    `Database ${path} was built with embedder ${pinnedId} (${pinnedDims} dims), but the configured embedder is ${want}.`,
    `Run \`sixfold reembed --db ${path}\` (with the same config) to re-embed all ${count} memories in place, or configure ${pinnedId} again.`,
  );
}

export class MemoryStore {
  readonly db: DB;
  readonly path: string;
  readonly embedder: Embedder;
  readonly vec: VecTable;
  /** Binary-quantised prefilter + exact rerank, for generations built with a quantizable embedder. */
  readonly quantized: QuantizedIndex | undefined;
  private readonly log: Logger;
  readonly workingTtlMs: number;
  readonly now: () => number;
  private readonly onChange: StoreOptions['onChange'];
  private readonly stmts;

  private constructor(db: DB, vec: VecTable, opts: StoreOptions) {
    this.db = db;
    this.vec = vec;
    this.quantized = hasQuantizedTable(db, vec.name) ? new QuantizedIndex(db, vec.name, vec.dims) : undefined;
    this.path = opts.path;
    this.embedder = opts.embedder;
    this.log = opts.log;
    this.workingTtlMs = (opts.workingTtlSeconds ?? 24 * 3600) * 1000;
    this.now = opts.now ?? Date.now;
    this.onChange = opts.onChange;
    const live = '(expires_at IS NULL OR expires_at > @now)';
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO memories (id, namespace, content, tier, salience, metadata, tags, created_at, updated_at, content_hash, expires_at)
         VALUES (@id, @namespace, @content, @tier, @salience, @metadata, @tags, @created_at, @updated_at, @content_hash, @expires_at)`,
      ),
      insertVec: db.prepare(`INSERT INTO ${vec.name} (rowid, namespace, tier, expires_at, embedding) VALUES (?, ?, ?, ?, ?)`),
      deleteVec: db.prepare(`DELETE FROM ${vec.name} WHERE rowid = ?`),
      deleteRow: db.prepare('DELETE FROM memories WHERE rowid = ?'),
      byId: db.prepare(`SELECT * FROM memories WHERE id = @id AND ${live}`),
      rowidById: db.prepare('SELECT rowid, id, namespace FROM memories WHERE id = ?'),
      rowidsByNamespace: db.prepare('SELECT rowid, id, namespace FROM memories WHERE namespace = ?'),
      expired: db.prepare('SELECT rowid, id, namespace FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ?'),
      page: db.prepare(
        `SELECT * FROM memories WHERE namespace = @namespace AND ${live}
           AND (created_at < @c OR (created_at = @c AND rowid < @r))
         ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
      ),
      namespaces: db.prepare(
        `SELECT namespace, count(*) AS count FROM memories WHERE ${live} GROUP BY namespace ORDER BY namespace`,
      ),
      tierCounts: db.prepare(`SELECT tier, count(*) AS count FROM memories WHERE ${live} GROUP BY tier`),
    };
  }

  /** Opens (creating if needed) the DB at `opts.path`, pinning or checking the embedder. */
  static async open(opts: StoreOptions): Promise<MemoryStore> {
    const db = openDatabase(opts.path);
    try {
      let vec = currentVecTable(db);
      const pinnedId = getMeta(db, 'embedder_id');
      if (!vec || !pinnedId) {
        const dims = await opts.embedder.dimensions();
        db.transaction(() => {
          const name = nextVecTableName(db);
          createVecTable(db, name, dims);
          if (opts.embedder.quantizable) createQuantizedTable(db, name);
          vec = { name, dims };
          pinEmbedder(db, opts.embedder.id, vec);
        })();
        opts.log.info({ embedder: opts.embedder.id, dims, db: opts.path }, 'created memory store');
      } else if (pinnedId !== opts.embedder.id) {
        const count = (db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
        throw embedderMismatch(opts.path, pinnedId, vec.dims, opts.embedder.id, undefined, count);
      } else {
        const configured = await opts.embedder.dimensions(vec.dims);
        if (configured !== vec.dims) {
          const count = (db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
          throw embedderMismatch(opts.path, pinnedId, vec.dims, opts.embedder.id, configured, count);
        }
      }
      for (const stray of strayVecTables(db)) db.exec(`DROP TABLE ${stray}`);
      for (const stray of strayQuantizedTables(db, vec!.name)) db.exec(`DROP TABLE ${stray}`);
      return new MemoryStore(db, vec!, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Embeds first (may be remote), then writes every row in one transaction: all or nothing. */
  async insert(items: readonly NewMemory[], signal?: AbortSignal): Promise<Memory[]> {
    const vectors = await this.embedder.embed(
      items.map((i) => i.content),
      signal,
    );
    this.checkVectors(vectors, items.length);
    const now = this.now();
    const rows = items.map((item) => this.toRow(item, now));
    this.writeRows(rows, vectors);
    return rows.map((r) => rowToMemory({ ...r, rowid: 0 }));
  }

  /** Writes whole rows (ids and times as given) with their vectors in one transaction; returns their rowids. */
  writeRows(rows: ReadonlyArray<Omit<MemoryRow, 'rowid'>>, vectors: readonly Float32Array[]): number[] {
    const rowids = this.db.transaction(() =>
      rows.map((row, i) => {
        const { lastInsertRowid } = this.stmts.insert.run(row);
        this.stmts.insertVec.run(
          BigInt(lastInsertRowid),
          row.namespace,
          row.tier,
          row.expires_at === null ? NEVER : BigInt(row.expires_at),
          toBlob(vectors[i]),
        );
        this.quantized?.insert(Number(lastInsertRowid), vectors[i], row);
        return Number(lastInsertRowid);
      }),
    )();
    this.notify('insert', rows);
    return rowids;
  }

  /** Tells the onChange listener about committed rows, one change per namespace. */
  notify(op: MemoryChange['op'], rows: ReadonlyArray<{ id: string; namespace: string }>): void {
    if (!this.onChange || !rows.length) return;
    const byNs = new Map<string, string[]>();
    for (const r of rows) {
      const ids = byNs.get(r.namespace);
      if (ids) ids.push(r.id);
      else byNs.set(r.namespace, [r.id]);
    }
    try {
      this.onChange([...byNs].map(([namespace, ids]) => ({ op, namespace, ids })));
    } catch (err) {
      this.log.warn({ err }, 'memory change listener failed');
    }
  }

  checkVectors(vectors: Float32Array[], expected: number): void {
    if (vectors.length !== expected || vectors.some((v) => v.length !== this.vec.dims)) {
      throw new SixfoldError(
        'unavailable',
        `Embedder ${this.embedder.id} returned ${vectors.length} vectors of ${vectors[0]?.length ?? 0} dims; expected ${expected} of ${this.vec.dims}.`,
        'Check the embedder model and its dimensions setting.',
      );
    }
  }

  /** A new row for `item` at `now`: a fresh id, the tier's expiry, normalised tags, the dedup hash. */
  toRow(item: NewMemory, now: number): Omit<MemoryRow, 'rowid'> {
    const tier = item.tier ?? 'long_term';
    let expires: number | null = null;
    if (item.ttl_seconds !== undefined) expires = now + item.ttl_seconds * 1000;
    else if (tier === 'working') expires = now + this.workingTtlMs;
    return {
      id: randomUUID(),
      namespace: item.namespace ?? 'default',
      content: item.content,
      tier,
      salience: item.salience ?? 0.5,
      metadata: JSON.stringify(item.metadata ?? {}),
      tags: tagsJson(item.tags),
      created_at: now,
      updated_at: now,
      content_hash: contentHash(item.content),
      expires_at: expires,
    };
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per SQL text (queries built per call reuse it). */
  statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  get(id: string): Memory | undefined {
    const row = this.stmts.byId.get({ id, now: this.now() }) as MemoryRow | undefined;
    return row && rowToMemory(row);
  }

  /** Newest first; `cursor` is the opaque value from the previous page's `next_cursor`. */
  list(namespace: string, limit: number, cursor?: string): { items: Memory[]; next_cursor: string | null } {
    let c = Number.MAX_SAFE_INTEGER;
    let r = Number.MAX_SAFE_INTEGER;
    if (cursor) {
      const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
      if (!m)
        throw new SixfoldError(
          'invalid_input',
          `Cursor "${cursor}" is not one this server issued.`,
          'Start again without a cursor, then pass next_cursor unchanged.',
        );
      c = Number(m[1]);
      r = Number(m[2]);
    }
    const rows = this.stmts.page.all({ namespace, now: this.now(), c, r, limit: limit + 1 }) as MemoryRow[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(rowToMemory),
      next_cursor: more && last ? Buffer.from(`${last.created_at}.${last.rowid}`).toString('base64url') : null,
    };
  }

  namespaces(): { namespace: string; count: number }[] {
    return this.stmts.namespaces.all({ now: this.now() }) as { namespace: string; count: number }[];
  }

  tierCounts(): Record<Tier, number> {
    const out: Record<Tier, number> = { working: 0, long_term: 0, flashbulb: 0 };
    for (const r of this.stmts.tierCounts.all({ now: this.now() }) as { tier: Tier; count: number }[]) out[r.tier] = r.count;
    return out;
  }

  private deleteRows(rows: Array<{ rowid: number; id: string; namespace: string }>): number {
    this.db.transaction(() => {
      for (const { rowid } of rows) {
        this.stmts.deleteVec.run(BigInt(rowid));
        this.quantized?.delete(rowid);
        this.stmts.deleteRow.run(rowid);
      }
    })();
    this.notify('delete', rows);
    return rows.length;
  }

  deleteById(id: string): number {
    const row = this.stmts.rowidById.get(id) as { rowid: number; id: string; namespace: string } | undefined;
    if (!row) throw notFound(`No memory with id "${id}".`, 'Find ids with memory_search or by reading memory://{namespace}.');
    return this.deleteRows([row]);
  }

  deleteNamespace(namespace: string): number {
    return this.deleteRows(
      this.stmts.rowidsByNamespace.all(namespace) as Array<{ rowid: number; id: string; namespace: string }>,
    );
  }

  /** Deletes expired memories. Reads already skip them; this reclaims the space. */
  purgeExpired(): number {
    const rows = this.stmts.expired.all(this.now()) as Array<{ rowid: number; id: string; namespace: string }>;
    if (rows.length) this.log.debug({ purged: rows.length }, 'purged expired memories');
    return this.deleteRows(rows);
  }

  /** Whether any row (live or not yet purged) is in the namespace; an index lookup. */
  hasNamespace(namespace: string): boolean {
    return this.statement('SELECT 1 FROM memories WHERE namespace = ? LIMIT 1').get(namespace) !== undefined;
  }

  /** Rewrites a memory's vector row: a new embedding and/or its tier and expiry (vec0 metadata). */
  updateVector(rowid: number, tier: Tier, expiresAt: number | null, vector?: Float32Array): void {
    const expires = expiresAt === null ? NEVER : BigInt(expiresAt);
    if (vector)
      this.statement(`UPDATE ${this.vec.name} SET tier = ?, expires_at = ?, embedding = ? WHERE rowid = ?`).run(
        tier,
        expires,
        toBlob(vector),
        BigInt(rowid),
      );
    else this.statement(`UPDATE ${this.vec.name} SET tier = ?, expires_at = ? WHERE rowid = ?`).run(tier, expires, BigInt(rowid));
    if (this.quantized) {
      // The quantised index keeps its own copy of the vector and of the filter columns.
      const { namespace } = this.statement('SELECT namespace FROM memories WHERE rowid = ?').get(rowid) as { namespace: string };
      const v = vector ?? this.quantized.vectorOf(rowid);
      if (v) this.quantized.insert(rowid, v, { namespace, tier, expires_at: expiresAt });
    }
  }

  /** The nearest live memory of a namespace to `vector`, with its cosine similarity. */
  nearest(namespace: string, vector: Float32Array): { rowid: number; similarity: number } | undefined {
    const r = this.statement(
      `SELECT rowid, distance FROM ${this.vec.name} WHERE embedding MATCH ? AND k = 1 AND namespace = ? AND expires_at > ? ORDER BY distance`,
    ).get(toBlob(vector), namespace, BigInt(this.now())) as { rowid: number; distance: number } | undefined;
    return r && { rowid: Number(r.rowid), similarity: l2ToCosine(r.distance) };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
