/**
 * The `memory` source: one numeric metadata field over the live memories of a namespace, read in
 * keyset pages (newest first, on the namespace index) with a yield between pages, so a large
 * namespace never holds the connection or the event loop for long. A memory whose field is
 * missing or not a number is skipped and counted.
 */
import { invalidInput } from '../../errors.js';
import type { MemoryStore } from '../../memory/store.js';
import { checkAborted, yieldToLoop } from './tree.js';

export const MAX_MEMORY_VALUES = 1_000_000;
const PAGE = 10_000;
/** Dot-separated keys of letters, digits, '_' and '-': each is quoted in the JSON path. */
export const FIELD_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export interface MemoryValues {
  values: Float64Array;
  /** Live memories in the namespace whose field is missing or not a number. */
  skipped: number;
}

export function fieldPath(field: string): string {
  if (!FIELD_RE.test(field)) {
    throw invalidInput(
      `memory.field "${field.slice(0, 60)}" is not a metadata key path.`,
      'Send keys of letters, digits, _ or -, separated by dots, e.g. "latency_ms" or "stats.score".',
    );
  }
  return `$${field
    .split('.')
    .map((k) => `."${k}"`)
    .join('')}`;
}

export async function readMemoryField(
  store: MemoryStore,
  namespace: string,
  field: string,
  opts: { signal?: AbortSignal; onPage?: (read: number) => void } = {},
): Promise<MemoryValues> {
  const path = fieldPath(field);
  const page = store.statement(
    `SELECT rowid, created_at, json_type(metadata, @path) AS t, json_extract(metadata, @path) AS v
       FROM memories WHERE namespace = @namespace AND (expires_at IS NULL OR expires_at > @now)
        AND (created_at < @c OR (created_at = @c AND rowid < @r))
      ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
  );
  const now = store.now();
  let values = new Float64Array(1024);
  let len = 0;
  let skipped = 0;
  let c = Number.MAX_SAFE_INTEGER;
  let r = Number.MAX_SAFE_INTEGER;
  for (;;) {
    checkAborted(opts.signal);
    const rows = page.all({ path, namespace, now, c, r, limit: PAGE }) as Array<{
      rowid: number;
      created_at: number;
      t: string | null;
      v: unknown;
    }>;
    for (const row of rows) {
      if ((row.t === 'integer' || row.t === 'real') && typeof row.v === 'number' && Number.isFinite(row.v)) {
        if (len === MAX_MEMORY_VALUES) {
          throw invalidInput(
            `Namespace "${namespace}" has more than ${MAX_MEMORY_VALUES} memories with a numeric "${field}".`,
            'Aggregate a smaller namespace, or use the simulate source for scale tests.',
          );
        }
        if (len === values.length) {
          const grown = new Float64Array(Math.min(MAX_MEMORY_VALUES, values.length * 2));
          grown.set(values);
          values = grown;
        }
        values[len++] = row.v;
      } else {
        skipped++;
      }
    }
    opts.onPage?.(len + skipped);
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1];
    c = last.created_at;
    r = last.rowid;
    await yieldToLoop();
  }
  return { values: values.slice(0, len), skipped };
}
