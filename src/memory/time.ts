import { z } from 'zod';

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
  ['w', 7 * 86_400_000],
]);
const RELATIVE = /^(\d{1,6})([smhdw])$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Relative ages go back at most this far (a century). */
const MAX_AGE_MS = 100 * 365 * 86_400_000;

/**
 * A time bound as callers write it: ISO 8601 ("2025-06-01", "2025-06-01T12:00:00Z") or an age
 * before now ("30m", "24h", "7d", "2w"). Returns epoch ms, or an error text.
 */
export function parseTimeBound(value: string, now: number): number | { error: string } {
  const v = value.trim();
  const rel = RELATIVE.exec(v);
  if (rel) {
    const ms = Number(rel[1]) * UNIT_MS.get(rel[2])!;
    if (ms > MAX_AGE_MS) return { error: `"${v}" reaches back more than 100 years` };
    return now - ms;
  }
  if (ISO.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return { error: `"${v.slice(0, 40)}" is not a time` };
}

/** A tool field taking a time bound; parsed when the call runs (relative ages count from then). */
export function timeField(name: string) {
  return z
    .string({ error: `${name} must be a string: an ISO time such as "2025-06-01T12:00:00Z" or an age such as "7d"` })
    .refine((v) => v.length <= 40 && typeof parseTimeBound(v, 0) === 'number', {
      message: `${name} must be an ISO 8601 time (e.g. "2025-06-01" or "2025-06-01T12:00:00Z") or an age such as "30m", "24h", "7d", "2w"`,
    });
}
