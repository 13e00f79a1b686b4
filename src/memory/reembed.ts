import type { Logger } from '../log.js';
import type { DB } from './db.js';
import type { Embedder } from './embed/embedder.js';
import { QuantizedIndex, createQuantizedTable, quantizedTableFor, strayQuantizedTables } from './quantized.js';
import { NEVER, createVecTable, currentVecTable, nextVecTableName, pinEmbedder, strayVecTables, toBlob } from './vectors.js';

const BATCH = 256;

/**
 * Re-embeds every memory with `embedder` into a fresh vec0 table, then swaps it in and pins the
 * new embedder in one transaction. Until that swap the old table stays current, so a crash part
 * way leaves a working DB (the half-built table is dropped on the next open or re-embed).
 */
export async function reembed(
  db: DB,
  embedder: Embedder,
  log: Logger,
  onProgress?: (done: number, total: number) => void,
): Promise<{ count: number; from: string | undefined; to: string; dims: number }> {
  for (const stray of strayVecTables(db)) db.exec(`DROP TABLE ${stray}`);
  for (const stray of strayQuantizedTables(db, currentVecTable(db)?.name)) db.exec(`DROP TABLE ${stray}`);
  const from = (db.prepare("SELECT value FROM meta WHERE key = 'embedder_id'").get() as { value: string } | undefined)?.value;
  const dims = await embedder.dimensions();
  const name = db.transaction(() => {
    const n = nextVecTableName(db);
    createVecTable(db, n, dims);
    if (embedder.quantizable) createQuantizedTable(db, n);
    return n;
  })();
  const quantized = embedder.quantizable ? new QuantizedIndex(db, name, dims) : undefined;
  const total = (db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
  const page = db.prepare(
    'SELECT rowid, namespace, tier, content, expires_at FROM memories WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const insert = db.prepare(`INSERT INTO ${name} (rowid, namespace, tier, expires_at, embedding) VALUES (?, ?, ?, ?, ?)`);
  type Row = { rowid: number; namespace: string; tier: string; content: string; expires_at: number | null };
  let after = 0;
  let done = 0;
  for (;;) {
    const rows = page.all(after, BATCH) as Row[];
    if (!rows.length) break;
    const vectors = await embedder.embed(rows.map((r) => r.content));
    if (vectors.length !== rows.length || vectors.some((v) => v.length !== dims)) {
      throw new Error(`embedder ${embedder.id} returned vectors of the wrong shape; nothing was changed`);
    }
    db.transaction(() => {
      rows.forEach((r, i) => {
        insert.run(
          BigInt(r.rowid),
          r.namespace,
          r.tier,
          r.expires_at === null ? NEVER : BigInt(r.expires_at),
          toBlob(vectors[i]),
        );
        quantized?.insert(r.rowid, vectors[i], r);
      });
    })();
    after = rows[rows.length - 1].rowid;
    done += rows.length;
    onProgress?.(done, total);
  }
  const old = currentVecTable(db);
  db.transaction(() => {
    pinEmbedder(db, embedder.id, { name, dims });
    if (old && old.name !== name) {
      db.exec(`DROP TABLE ${old.name}`);
      db.exec(`DROP TABLE IF EXISTS ${quantizedTableFor(old.name)}`);
    }
  })();
  log.info({ count: done, from, to: embedder.id, dims }, 're-embedded memories');
  return { count: done, from, to: embedder.id, dims };
}
