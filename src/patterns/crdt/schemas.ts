import { z } from 'zod';
import { unknownKeys } from '../../errors.js';
import { DOC_ID_RE } from './codec.js';
import { OP_KINDS } from './op-kinds.js';

/** Field schemas shared by the crdt tools and resources; error texts say what to send instead. */
export const MAX_OPS = 1000;
export const MAX_UPDATES = 256;
/** Per base64 update; the sum is bounded by MAX_UPDATE_TOTAL_B64. */
export const MAX_UPDATE_B64 = 8_000_000;
export const MAX_UPDATE_TOTAL_B64 = 8_000_000;
export const MAX_VALUE_BYTES = 64 * 1024;

export const docField = z
  .string({ error: 'doc must be a document id string, e.g. "project.plan"' })
  .regex(DOC_ID_RE, 'doc must be 1-128 characters of a-z, A-Z, 0-9, ".", "_", ":" or "-", e.g. "project.plan"');

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} is empty`)
    .max(256, `${what} is over 256 characters`);

export const opSchema = z.strictObject(
  {
    op: z.enum(OP_KINDS, { error: `op must be one of ${OP_KINDS.join(', ')}` }),
    target: name('target').describe("Name of a top-level shared type (created with the op's kind if new)."),
    path: z
      .array(name('path entries'), { error: 'path must be an array of map keys' })
      .max(16, 'path is over 16 keys deep')
      .optional()
      .describe('Keys into nested maps below target; missing maps are created.'),
    key: z
      .string({ error: 'key must be a string' })
      .max(1024, 'key is over 1024 characters')
      .optional()
      .describe('map_set / map_delete: the map key.'),
    index: z
      .number({ error: 'index must be a whole number' })
      .int('index must be a whole number')
      .min(0, 'index must be at least 0')
      .optional()
      .describe('text_insert (default: end), text_delete, array_insert, array_delete: position.'),
    value: z
      .json({ error: 'value must be JSON' })
      .optional()
      .refine(
        (v) => v === undefined || JSON.stringify(v).length <= MAX_VALUE_BYTES,
        `value is over ${MAX_VALUE_BYTES / 1024} KiB as JSON`,
      )
      .describe('map_set: any JSON; text_insert: a string; array_push / array_insert: one JSON element.'),
    length: z
      .number({ error: 'length must be a whole number' })
      .int('length must be a whole number')
      .min(1, 'length must be at least 1')
      .optional()
      .describe('text_delete, array_delete (default 1): how many to delete.'),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `Unknown op field(s) ${unknownKeys(iss.keys)}: an op has op, target, path, key, index, value, length.`
        : undefined,
  },
);

const b64 = (what: string, max: number) =>
  z.string({ error: `${what} must be a base64 string` }).max(max, `${what} is over ${max} base64 characters`);

export const updatesField = z
  .array(b64('each update', MAX_UPDATE_B64), { error: 'updates must be an array of base64 Yjs updates' })
  .max(MAX_UPDATES, `at most ${MAX_UPDATES} updates per call; merge them first (Y.mergeUpdates) or send several calls`)
  .refine(
    (us) => us.reduce((n, u) => n + u.length, 0) <= MAX_UPDATE_TOTAL_B64,
    `updates total over ${MAX_UPDATE_TOTAL_B64} base64 characters; send several calls`,
  );

export const sinceField = b64('since', 1024 * 1024).describe('Base64 Yjs state vector: return only what it lacks in update.');

export const docViewSchema = z.object({
  doc: z.string(),
  snapshot: z.record(z.string(), z.unknown()).describe('doc.toJSON(): every top-level type as plain JSON.'),
  state_vector: z.string().describe('Base64 Yjs state vector after the call.'),
  update: z.string().describe('Base64 Yjs update: the diff since `since`, or the full state.'),
  size_bytes: z.number().int().describe('Encoded size of the full document.'),
  clients: z.number().int().describe('Distinct Yjs clients (writers) that have edited the document.'),
});
