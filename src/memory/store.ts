import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SixfoldError, notFound } from '../errors.js';
import type { Logger } from '../log.js';
import { getMeta, openDatabase, type DB } from './db.js';
import type { Embedder } from './embed/embedder.js';
import { QuantizedIndex, createQuantizedTable, hasQuantizedTable, strayQuantizedTables } from './quantized.js';
import {
  NEVER, createVecTable, currentVecTable, nextVecTableName, pinEmbedder, strayVecTables, toBlob, type VecTable,
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
}

export interface Memory {
  id: string;
  namespace: string;
  content: string;
  tier: Tier;
  salience: number;
  metadata: Record<string, unknown>;
  created_at: string;
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
  created_at: number;
  expires_at: number | null;
}

export interface StoreOptions {
  path: string;
  embedder: Embedder;
  log: Logger;
  workingTtlSeconds?: number;
  /** For injecting a clock in tests. */
  now?: () => number;
}

export function rowToMemory(r: MemoryRow): Memory {
  return {
    id: r.id,
    namespace: r.namespace,
    content: r.content,
    tier: r.tier,
    salience: r.salience,
    metadata: JSON.parse(r.metadata),
    created_at: new Date(r.created_at).toISOString(),
    expires_at: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
  };
}

/** Refuses to serve vectors from one embedder with another; `sixfold reembed` is the way across. */
function embedderMismatch(path: string, pinnedId: string, pinnedDims: number, id: string, dims: number | undefined, count: number) {
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
  private readonly workingTtlMs: number;
  readonly now: () => number;
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
    const live = '(expires_at IS NULL OR expires_at > @now)';
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO memories (id, namespace, content, tier, salience, metadata, created_at, expires_at)
         VALUES (@id, @namespace, @content, @tier, @salience, @metadata, @created_at, @expires_at)`,
      ),
      insertVec: db.prepare(`INSERT INTO ${vec.name} (rowid, namespace, tier, expires_at, embedding) VALUES (?, ?, ?, ?, ?)`),
      deleteVec: db.prepare(`DELETE FROM ${vec.name} WHERE rowid = ?`),
      deleteRow: db.prepare('DELETE FROM memories WHERE rowid = ?'),
      byId: db.prepare(`SELECT * FROM memories WHERE id = @id AND ${live}`),
      rowidById: db.prepare('SELECT rowid FROM memories WHERE id = ?'),
      rowidsByNamespace: db.prepare('SELECT rowid FROM memories WHERE namespace = ?'),
      expired: db.prepare('SELECT rowid FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ?'),
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
    const vectors = await this.embedder.embed(items.map((i) => i.content), signal);
    this.checkVectors(vectors, items.length);
    const now = this.now();
    const rows = items.map((item) => this.toRow(item, now));
    this.db.transaction(() => {
      rows.forEach((row, i) => {
        const { lastInsertRowid } = this.stmts.insert.run(row);
        this.stmts.insertVec.run(
          BigInt(lastInsertRowid), row.namespace, row.tier,
          row.expires_at === null ? NEVER : BigInt(row.expires_at), toBlob(vectors[i]),
        );
        this.quantized?.insert(Number(lastInsertRowid), vectors[i], row);
      });
    })();
    return rows.map((r) => rowToMemory({ ...r, rowid: 0 }));
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

  private toRow(item: NewMemory, now: number): Omit<MemoryRow, 'rowid'> {
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
      created_at: now,
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
      if (!m) throw new SixfoldError('invalid_input', `Cursor "${cursor}" is not one this server issued.`, 'Start again without a cursor, then pass next_cursor unchanged.');
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

  private deleteRowids(rowids: number[]): number {
    this.db.transaction(() => {
      for (const rowid of rowids) {
        this.stmts.deleteVec.run(BigInt(rowid));
        this.quantized?.delete(rowid);
        this.stmts.deleteRow.run(rowid);
      }
    })();
    return rowids.length;
  }

  deleteById(id: string): number {
    const row = this.stmts.rowidById.get(id) as { rowid: number } | undefined;
    if (!row) throw notFound(`No memory with id "${id}".`, 'Find ids with memory_search or by reading memory://{namespace}.');
    return this.deleteRowids([row.rowid]);
  }

  deleteNamespace(namespace: string): number {
    const rows = this.stmts.rowidsByNamespace.all(namespace) as { rowid: number }[];
    return this.deleteRowids(rows.map((r) => r.rowid));
  }

  /** Deletes expired memories. Reads already skip them; this reclaims the space. */
  purgeExpired(): number {
    const rows = this.stmts.expired.all(this.now()) as { rowid: number }[];
    if (rows.length) this.log.debug({ purged: rows.length }, 'purged expired memories');
    return this.deleteRowids(rows.map((r) => r.rowid));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
