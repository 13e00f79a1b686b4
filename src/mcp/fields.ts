import { z } from 'zod';
import type { AgentRow } from '../patterns/ephemeral/ledger.js';
import { tagsField } from '../memory/tags.js';
import { timeField } from '../memory/time.js';
import { NAMESPACE_RE } from '../memory/schemas.js';

/**
 * Input fields and result views that more than one tool, resource or prompt uses, written once.
 * A memory's own fields (namespace, tier, content, ...) are in src/memory/schemas.ts, beside the
 * record they describe (import checks them too); they are re-exported here so tools take every
 * shared field from one module. Error texts say what to send instead.
 */
export {
  NAMESPACE_RE,
  MAX_CONTENT,
  namespaceField,
  tierField,
  contentField,
  metadataField,
  salienceField,
  idField,
  modeField,
  memoryShape,
} from '../memory/schemas.js';

/** A consensus cluster's name (byzantine_propose, verify_certificate, consensus://). */
export const clusterField = z
  .string({ error: 'cluster must be a string like "default" or "deploys"' })
  .regex(NAMESPACE_RE, 'cluster must be 1-64 characters of a-z, 0-9, ".", "_" or "-" (lowercase), e.g. "deploys"');

/** Ids sixfold makes with randomUUID(): runs and agents of spawn_ephemeral. */
export const UUID_RE = /^[0-9a-f-]{36}$/;

export const runIdField = z
  .string({ error: 'run_id must be the run_id spawn_ephemeral returned' })
  .regex(UUID_RE, 'run_id must be the run_id spawn_ephemeral returned (a UUID)');
export const agentIdField = z
  .string({ error: 'id must be an agent id from spawn_ephemeral or list_agents' })
  .regex(UUID_RE, 'id must be an agent id from spawn_ephemeral or list_agents (a UUID)');

export const MAX_TTL = 10 * 365 * 24 * 3600;

/** memory_store's and memory_update's ttl_seconds. */
export const ttlField = z
  .number({ error: 'ttl_seconds must be a whole number of seconds' })
  .int('ttl_seconds must be a whole number of seconds')
  .min(1, 'ttl_seconds must be at least 1')
  .max(MAX_TTL, `ttl_seconds must be at most ${MAX_TTL} (10 years); omit it to keep the memory`);

/** Tag and time filters of memory_search and memory_list. */
export const tagTimeInput = {
  tags_any: tagsField('tags_any').optional(),
  tags_all: tagsField('tags_all').optional(),
  after: timeField('after').optional().describe('created since: ISO time or age (7d, 24h)'),
  before: timeField('before').optional().describe('created before: ISO time or age'),
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An agent as list_agents and agents://{run_id} show it. */
export function agentView(r: AgentRow) {
  return {
    id: r.id,
    run_id: r.run_id,
    role: r.role,
    status: r.status,
    phase: r.phase,
    input_index: r.input_index,
    started_at: iso(r.started_at),
    ended_at: iso(r.ended_at),
    ...(r.error !== null ? { error: r.error } : {}),
  };
}
