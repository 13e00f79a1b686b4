import { z } from 'zod';
import { TIERS } from './store.js';
import { SEARCH_MODES } from './search.js';

/** Field schemas shared by the memory tools and resources; error texts say what to send instead. */
export const NAMESPACE_RE = /^[a-z0-9._-]{1,64}$/;
export const MAX_CONTENT = 100_000;
export const MAX_METADATA_BYTES = 16 * 1024;

export const namespaceField = z
  .string({ error: 'namespace must be a string like "default" or "project.notes"' })
  .regex(NAMESPACE_RE, 'namespace must be 1-64 characters of a-z, 0-9, ".", "_" or "-" (lowercase), e.g. "project.notes"');

export const tierField = z.enum(TIERS, { error: `tier must be one of ${TIERS.join(', ')}` });

export const contentField = z
  .string({ error: 'content must be a string (1..100000 characters)' })
  .min(1, 'content is empty; send the text to remember (1..100000 characters)')
  .max(MAX_CONTENT, `content is over ${MAX_CONTENT} characters; split it into several memories`);

export const metadataField = z
  .record(z.string(), z.unknown(), { error: 'metadata must be a JSON object, e.g. {"source": "chat"}' })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, {
    message: `metadata is over ${MAX_METADATA_BYTES / 1024} KiB as JSON; keep large data in content or elsewhere`,
  });

export const salienceField = z
  .number({ error: 'salience must be a number from 0 to 1' })
  .min(0, 'salience must be at least 0')
  .max(1, 'salience must be at most 1');

export const idField = z
  .string({ error: 'id must be the string id returned by memory_store' })
  .min(1, 'id is empty; send an id returned by memory_store')
  .max(200, 'id is too long to be a memory id');

export const modeField = z.enum(SEARCH_MODES, { error: `mode must be one of ${SEARCH_MODES.join(', ')}` });

export const isoTime = z.string().describe('ISO 8601 time');

/** A memory as the tools return it. */
export const memoryShape = {
  id: z.string(),
  namespace: z.string(),
  content: z.string(),
  tier: tierField,
  salience: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
};

export const memoryOut = {
  id: z.string(),
  namespace: z.string(),
  tier: tierField,
};
