import { invalidInput } from '../errors.js';
import { parseTimeBound } from './time.js';

/** The tag and time filters memory_search and memory_list share. */
export interface TagTimeFilter {
  /** Memories with at least one of these tags (normalised). */
  tags_any?: readonly string[];
  /** Memories with every one of these tags (normalised). */
  tags_all?: readonly string[];
  /** created_at at or after this (ISO time or an age such as "7d"). */
  after?: string;
  /** created_at before this. */
  before?: string;
}

export function hasTagTimeFilter(f: TagTimeFilter): boolean {
  return !!(f.tags_any?.length || f.tags_all?.length || f.after !== undefined || f.before !== undefined);
}

/**
 * SQL conditions on the memories table (aliased `m`) for the filter, with their parameters.
 * Times resolve against `now`; an empty window is an error, not an empty result.
 */
export function tagTimeSql(f: TagTimeFilter, now: number): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const bound = (name: 'after' | 'before'): number | undefined => {
    const raw = f[name];
    if (raw === undefined) return undefined;
    const t = parseTimeBound(raw, now);
    if (typeof t !== 'number')
      throw invalidInput(`${name}: ${t.error}.`, 'Send an ISO 8601 time such as "2025-06-01T12:00:00Z" or an age such as "7d".');
    return t;
  };
  const after = bound('after');
  const before = bound('before');
  if (after !== undefined && before !== undefined && after >= before) {
    throw invalidInput(
      `after (${new Date(after).toISOString()}) is not earlier than before (${new Date(before).toISOString()}), so nothing can match.`,
      'Swap them, or drop one.',
    );
  }
  if (after !== undefined) (where.push('m.created_at >= ?'), params.push(after));
  if (before !== undefined) (where.push('m.created_at < ?'), params.push(before));
  if (f.tags_any?.length) {
    where.push(`m.rowid IN (SELECT memory_rowid FROM memory_tags WHERE tag IN (SELECT value FROM json_each(?)))`);
    params.push(JSON.stringify(f.tags_any));
  }
  if (f.tags_all?.length) {
    where.push(
      `m.rowid IN (SELECT memory_rowid FROM memory_tags WHERE tag IN (SELECT value FROM json_each(?)) GROUP BY memory_rowid HAVING count(*) = ?)`,
    );
    params.push(JSON.stringify(f.tags_all), f.tags_all.length);
  }
  return { where, params };
}
