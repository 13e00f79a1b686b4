import type { DB } from './db.js';
import { getMeta, setMeta } from './db.js';

/**
 * The sqlite-vec side of memory: one vec0 table per embedder generation, named in `meta`
 * (`vec_table`), so re-embedding builds a new table and swaps it in one transaction.
 *
 * Vectors are unit length, so L2 ranks exactly as cosine does (and sqlite-vec's L2 is the faster
 * kernel): cosine = 1 - d²/2. namespace, tier and expiry are vec0 metadata columns so filters
 * apply during the KNN scan, not after it (which could return fewer than k).
 */
export const NEVER = 253402300799999n; // 9999-12-31: vec0 metadata columns cannot hold NULL

export interface VecTable {
  name: string;
  dims: number;
}

export function createVecTable(db: DB, name: string, dims: number): void {
  db.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(namespace text, tier text, expires_at integer, embedding float[${dims}])`);
}

export function currentVecTable(db: DB): VecTable | undefined {
  const name = getMeta(db, 'vec_table');
  const dims = getMeta(db, 'embedder_dims');
  return name && dims ? { name, dims: Number(dims) } : undefined;
}

export function pinEmbedder(db: DB, embedderId: string, table: VecTable): void {
  setMeta(db, 'embedder_id', embedderId);
  setMeta(db, 'embedder_dims', String(table.dims));
  setMeta(db, 'vec_table', table.name);
}

/** vec0 tables of earlier generations or an interrupted re-embed. */
export function strayVecTables(db: DB): string[] {
  const current = getMeta(db, 'vec_table');
  const rows = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'memory_vectors_g*' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    )
    .all() as { name: string }[];
  return rows.map((r) => r.name).filter((n) => n !== current);
}

export function nextVecTableName(db: DB): string {
  const gen = Number(getMeta(db, 'vec_generation') ?? '0') + 1;
  setMeta(db, 'vec_generation', String(gen));
  return `memory_vectors_g${gen}`;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function l2ToCosine(distance: number): number {
  return 1 - (distance * distance) / 2;
}
