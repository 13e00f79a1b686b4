import { z } from 'zod';
import { SixfoldError } from '../errors.js';
import { contentHash } from './dedup.js';
import { contentField, metadataField, namespaceField, salienceField, tierField } from './schemas.js';
import type { MemoryRow, MemoryStore } from './store.js';
import { MAX_TAGS, normalizeTags } from './tags.js';

/**
 * Moving memories between databases as JSON lines: a header line, then one memory per line with
 * its content, metadata, tags, tier, salience, times and vector. Import checks every line before
 * it writes anything, then writes all of them in one transaction; a vector is reused when the
 * file's embedder is the database's (same id and dimensions) and re-computed otherwise.
 */
export const EXPORT_FORMAT = 'sixfold-memories';
export const EXPORT_VERSION = 1;
/** Longest line import reads: the largest memory (content, metadata, tags) with a vector. */
export const MAX_LINE_CHARS = 1_000_000;
const PAGE = 1000;
const EMBED_BATCH = 256;

const iso = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as "2025-06-01T12:00:00.000Z"' });

const HeaderSchema = z.object({
  format: z.literal(EXPORT_FORMAT, {
    error: `format must be "${EXPORT_FORMAT}": the first line of a sixfold export is its header`,
  }),
  version: z.literal(EXPORT_VERSION, {
    error: `version must be ${EXPORT_VERSION}: this sixfold reads export version ${EXPORT_VERSION} only`,
  }),
  embedder: z.object({ id: z.string().min(1).max(200), dims: z.number().int().min(1).max(65_536) }),
  exported_at: iso,
  namespace: z.string().nullable().optional(),
});

const LineSchema = z.strictObject({
  id: z.string().min(1).max(200),
  namespace: namespaceField,
  content: contentField,
  tier: tierField,
  salience: salienceField,
  metadata: metadataField,
  tags: z.array(z.string().min(1).max(64)).max(MAX_TAGS, `at most ${MAX_TAGS} tags`),
  created_at: iso,
  updated_at: iso,
  expires_at: iso.nullable(),
  vector: z.string().max(400_000).optional(),
});

export type ExportHeader = z.infer<typeof HeaderSchema>;

function vectorText(blob: Buffer): string {
  return blob.toString('base64');
}

function vectorOf(text: string, dims: number): Float32Array | undefined {
  const buf = Buffer.from(text, 'base64');
  if (buf.byteLength !== dims * 4) return undefined;
  const v = new Float32Array(dims);
  Buffer.from(v.buffer).set(buf);
  return v.every(Number.isFinite) ? v : undefined;
}

/** The export: a header, then every live memory (of `namespace`, or all) in the order stored. */
export function* exportLines(store: MemoryStore, namespace?: string): Generator<string> {
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    embedder: { id: store.embedder.id, dims: store.vec.dims },
    exported_at: new Date(store.now()).toISOString(),
    namespace: namespace ?? null,
  };
  yield JSON.stringify(header);
  const page = store.statement(
    `SELECT m.*, v.embedding AS embedding FROM memories m LEFT JOIN ${store.vec.name} v ON v.rowid = m.rowid
     WHERE m.rowid > ? AND (? IS NULL OR m.namespace = ?) AND (m.expires_at IS NULL OR m.expires_at > ?)
     ORDER BY m.rowid LIMIT ?`,
  );
  // Paged, so no cursor stays open while the caller waits on a slow reader.
  for (let after = 0; ;) {
    const rows = page.all(after, namespace ?? null, namespace ?? null, store.now(), PAGE) as Array<
      MemoryRow & { embedding: Buffer | null }
    >;
    for (const r of rows) {
      yield JSON.stringify({
        id: r.id,
        namespace: r.namespace,
        content: r.content,
        tier: r.tier,
        salience: r.salience,
        metadata: JSON.parse(r.metadata),
        tags: JSON.parse(r.tags),
        created_at: new Date(r.created_at).toISOString(),
        updated_at: new Date(r.updated_at ?? r.created_at).toISOString(),
        expires_at: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
        ...(r.embedding ? { vector: vectorText(r.embedding) } : {}),
      });
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].rowid;
  }
}

/** A line that is not what the format says: its number (1-based) and what is wrong. */
export class ImportLineError extends SixfoldError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(
      'invalid_input',
      `line ${line}: ${message.replace(/\.$/, '')}.`,
      'Nothing was imported; fix the line (or remove it) and import again.',
    );
  }
}

function describeIssue(err: z.ZodError): string {
  const i = err.issues[0];
  const field = i.path.join('.');
  // Our field schemas name the field in their messages already; zod's own do not.
  const text = !field || i.message.startsWith(String(i.path[i.path.length - 1])) ? i.message : `${field}: ${i.message}`;
  return `${text.slice(0, 300).replace(/[.;]$/, '')}.`;
}

export interface ImportReport {
  imported: number;
  /** Ids already in the database: left as they are. */
  skipped_existing: number;
  /** Expired by now: not imported. */
  skipped_expired: number;
  /** Vectors computed by this database's embedder (the file's were from another, or absent). */
  embedded: number;
  /** The file's embedder, as its header says. */
  from_embedder: string;
}

/**
 * Reads an export line by line, checking each (a bad one throws ImportLineError with its number),
 * then embeds what needs it and writes everything in one transaction: all of it or none.
 */
export async function importLines(
  store: MemoryStore,
  lines: AsyncIterable<string>,
  onProgress?: (embedded: number, total: number) => void,
): Promise<ImportReport> {
  let n = 0;
  let header: ExportHeader | undefined;
  const rows: Array<Omit<MemoryRow, 'rowid'>> = [];
  const vectors: Array<Float32Array | undefined> = [];
  const seen = new Map<string, number>();
  const exists = store.statement('SELECT 1 FROM memories WHERE id = ?');
  let skippedExisting = 0;
  let skippedExpired = 0;
  const now = store.now();
  for await (const text of lines) {
    n++;
    if (text.length > MAX_LINE_CHARS) throw new ImportLineError(n, `is over ${MAX_LINE_CHARS} characters`);
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ImportLineError(n, `is not JSON (${(err as Error).message.slice(0, 120)})`);
    }
    if (!header) {
      const h = HeaderSchema.safeParse(json);
      if (!h.success) throw new ImportLineError(n, describeIssue(h.error));
      header = h.data;
      continue;
    }
    const p = LineSchema.safeParse(json);
    if (!p.success) throw new ImportLineError(n, describeIssue(p.error));
    const m = p.data;
    const first = seen.get(m.id);
    if (first !== undefined) throw new ImportLineError(n, `id "${m.id.slice(0, 80)}" is already on line ${first}`);
    seen.set(m.id, n);
    if (m.tier === 'flashbulb' && m.expires_at !== null)
      throw new ImportLineError(n, 'a flashbulb memory cannot have expires_at');
    const expires = m.expires_at === null ? null : Date.parse(m.expires_at);
    if (expires !== null && expires <= now) {
      skippedExpired++;
      continue;
    }
    if (exists.get(m.id)) {
      skippedExisting++;
      continue;
    }
    const sameEmbedder = header.embedder.id === store.embedder.id && header.embedder.dims === store.vec.dims;
    let vector: Float32Array | undefined;
    if (sameEmbedder && m.vector !== undefined) {
      vector = vectorOf(m.vector, store.vec.dims);
      if (!vector) throw new ImportLineError(n, `vector is not ${store.vec.dims} finite float32 values in base64`);
    }
    const created = Date.parse(m.created_at);
    rows.push({
      id: m.id,
      namespace: m.namespace,
      content: m.content,
      tier: m.tier,
      salience: m.salience,
      metadata: JSON.stringify(m.metadata),
      tags: JSON.stringify(normalizeTags(m.tags)),
      created_at: created,
      updated_at: Math.max(created, Date.parse(m.updated_at)),
      content_hash: contentHash(m.content),
      expires_at: expires,
    });
    vectors.push(vector);
  }
  if (!header) throw new ImportLineError(Math.max(n, 1), 'the file is empty: an export starts with its header line');

  const missing = vectors.flatMap((v, i) => (v ? [] : [i]));
  for (let i = 0; i < missing.length; i += EMBED_BATCH) {
    const batch = missing.slice(i, i + EMBED_BATCH);
    const made = await store.embedder.embed(batch.map((j) => rows[j].content));
    store.checkVectors(made, batch.length);
    batch.forEach((j, k) => {
      vectors[j] = made[k];
    });
    onProgress?.(Math.min(i + EMBED_BATCH, missing.length), missing.length);
  }
  store.writeRows(rows, vectors as Float32Array[]);
  return {
    imported: rows.length,
    skipped_existing: skippedExisting,
    skipped_expired: skippedExpired,
    embedded: missing.length,
    from_embedder: `${header.embedder.id} (${header.embedder.dims} dims)`,
  };
}
