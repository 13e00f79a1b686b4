import type { Statement } from 'better-sqlite3';
import type { DB } from './db.js';
import { BitIndex, signBits } from './bit-index.js';

/**
 * Binary-quantised vector search with exact rerank, for embedders whose sign bits keep their
 * neighbourhoods (use-lite; not hash-384). Per vec0 generation `memory_vectors_gN` there is a
 * plain table `memory_qvec_gN (rowid, bits, vec)`: the sign bits and the float vector, written in
 * the same transaction as the memory row and its vec0 row, so the file stays consistent through a
 * crash. Search scans the bits in memory (BitIndex, built from this table on first use), takes
 * the `k × OVERSAMPLE` nearest by Hamming distance and reranks them by exact cosine with their
 * float vectors, read by rowid (a B-tree lookup; a vec0 point read costs about 0.5 ms).
 *
 * The float vector is stored twice (vec0 keeps its copy for exact search and for the code that
 * reads it): about 2 KiB more per memory at 512 dims.
 */
/**
 * Candidates reranked: max(k × OVERSAMPLE, MIN_CANDIDATES). Chosen from the bench's sweep
 * (bench/memory-semantic.ts, 100k × 512): a pool of 640 was the smallest holding recall@10
 * >= 0.95 against the exact scan (0.975; 320 gave 0.93). Hybrid search asks for 40, so it reranks
 * 640 too; k = 100 reranks 1,600.
 */
export const OVERSAMPLE = 16;
export const MIN_CANDIDATES = 640;
const LOAD_PAGE = 5000;
const TIER_CODES = new Map([
  ['working', 1],
  ['long_term', 2],
  ['flashbulb', 3],
]);

export interface KnnFilter {
  namespace?: string;
  tier?: string;
  now: number;
}

export function quantizedTableFor(vecTable: string): string {
  return vecTable.replace(/^memory_vectors_g/, 'memory_qvec_g');
}

export function createQuantizedTable(db: DB, vecTable: string): void {
  db.exec(`CREATE TABLE ${quantizedTableFor(vecTable)} (rowid INTEGER PRIMARY KEY, bits BLOB NOT NULL, vec BLOB NOT NULL)`);
}

export function hasQuantizedTable(db: DB, vecTable: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(quantizedTableFor(vecTable)) !== undefined
  );
}

/** Companion tables whose vec0 generation is gone (an interrupted re-embed, an old generation). */
export function strayQuantizedTables(db: DB, currentVecTable: string | undefined): string[] {
  const keep = currentVecTable ? quantizedTableFor(currentVecTable) : '';
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'memory_qvec_g*'").all() as {
    name: string;
  }[];
  return rows.map((r) => r.name).filter((n) => n !== keep);
}

const blob = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function toFloats(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function toWords(b: Buffer): Uint32Array {
  const out = new Uint32Array(Math.ceil(b.byteLength / 4));
  new Uint8Array(out.buffer).set(b);
  return out;
}

export class QuantizedIndex {
  readonly table: string;
  private index: BitIndex | undefined;
  private loading: Promise<BitIndex> | undefined;
  private readonly stmts;
  private readonly rerankStmts = new Map<string, Statement>();

  readonly oversample: number;
  readonly minCandidates: number;

  constructor(
    private readonly db: DB,
    vecTable: string,
    readonly dims: number,
    opts: { oversample?: number; minCandidates?: number } = {},
  ) {
    this.oversample = opts.oversample ?? OVERSAMPLE;
    this.minCandidates = opts.minCandidates ?? MIN_CANDIDATES;
    this.table = quantizedTableFor(vecTable);
    this.stmts = {
      insert: db.prepare(`INSERT OR REPLACE INTO ${this.table} (rowid, bits, vec) VALUES (?, ?, ?)`),
      delete: db.prepare(`DELETE FROM ${this.table} WHERE rowid = ?`),
      vector: db.prepare(`SELECT vec FROM ${this.table} WHERE rowid = ?`),
      page: db.prepare(
        `SELECT q.rowid AS rowid, q.bits AS bits, m.namespace AS namespace, m.tier AS tier, m.expires_at AS expires_at
         FROM ${this.table} q JOIN memories m ON m.rowid = q.rowid WHERE q.rowid > ? ORDER BY q.rowid LIMIT ?`,
      ),
    };
  }

  /** Writes a memory's bits and vector (call inside the transaction that writes the memory). */
  insert(rowid: number, vector: Float32Array, meta: { namespace: string; tier: string; expires_at: number | null }): void {
    const bits = signBits(vector);
    this.stmts.insert.run(rowid, blob(bits), blob(vector));
    this.index?.add(rowid, bits, meta.namespace, TIER_CODES.get(meta.tier) ?? 0, meta.expires_at);
  }

  /** The float vector stored for a memory, if any. */
  vectorOf(rowid: number): Float32Array | undefined {
    const r = this.stmts.vector.get(rowid) as { vec: Buffer } | undefined;
    return r && new Float32Array(r.vec.buffer.slice(r.vec.byteOffset, r.vec.byteOffset + r.vec.byteLength));
  }

  delete(rowid: number): void {
    this.stmts.delete.run(rowid);
    this.index?.remove(rowid);
  }

  /** Builds the in-memory bit index (once), a page at a time so other work runs in between. */
  ready(): Promise<BitIndex> {
    return (this.loading ??= (async () => {
      const index = new BitIndex(this.dims);
      // Writes made while this loads go straight to `index` too (add replaces, remove forgets).
      this.index = index;
      try {
        let after = 0;
        for (;;) {
          type Row = { rowid: number; bits: Buffer; namespace: string; tier: string; expires_at: number | null };
          const rows = this.stmts.page.all(after, LOAD_PAGE) as Row[];
          for (const r of rows) {
            if (!index.has(r.rowid)) index.add(r.rowid, toWords(r.bits), r.namespace, TIER_CODES.get(r.tier) ?? 0, r.expires_at);
          }
          if (rows.length < LOAD_PAGE) break;
          after = rows[rows.length - 1].rowid;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return index;
      } catch (err) {
        this.index = undefined;
        this.loading = undefined;
        throw err;
      }
    })());
  }

  /**
   * The `k` nearest memories passing `filter`, as vec0 reports them (L2 distance between unit
   * vectors), best first. Filters are checked again against `memories` at rerank, so the
   * in-memory copy of namespace, tier and expiry can only cost a miss, never a wrong hit.
   */
  async knn(q: Float32Array, k: number, filter: KnnFilter): Promise<Array<{ rowid: number; distance: number }>> {
    const index = await this.ready();
    const count = Math.max(k * this.oversample, this.minCandidates);
    const tier = filter.tier === undefined ? undefined : TIER_CODES.get(filter.tier);
    const candidates = index.nearest(signBits(q), count, { namespace: filter.namespace, tier, now: filter.now });
    if (!candidates.length) return [];
    return this.rerank(q, candidates, k, filter);
  }

  private rerank(q: Float32Array, rowids: number[], k: number, filter: KnnFilter): Array<{ rowid: number; distance: number }> {
    const where = ['q.rowid IN (SELECT value FROM json_each(?))', '(m.expires_at IS NULL OR m.expires_at > ?)'];
    const params: unknown[] = [JSON.stringify(rowids), filter.now];
    if (filter.namespace !== undefined) (where.push('m.namespace = ?'), params.push(filter.namespace));
    if (filter.tier !== undefined) (where.push('m.tier = ?'), params.push(filter.tier));
    const sql = `SELECT q.rowid AS rowid, q.vec AS vec FROM ${this.table} q JOIN memories m ON m.rowid = q.rowid WHERE ${where.join(' AND ')}`;
    let st = this.rerankStmts.get(sql);
    if (!st) this.rerankStmts.set(sql, (st = this.db.prepare(sql)));
    const rows = st.all(...params) as Array<{ rowid: number; vec: Buffer }>;
    const scored = rows.map((r) => {
      const v = toFloats(r.vec);
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
      return { rowid: r.rowid, distance: Math.sqrt(Math.max(0, 2 - 2 * dot)) };
    });
    scored.sort((a, b) => a.distance - b.distance || a.rowid - b.rowid);
    return scored.slice(0, k);
  }
}
