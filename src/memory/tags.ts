import { z } from 'zod';

/** At most this many tags per memory, each 1..64 characters once normalised. */
export const MAX_TAGS = 32;
export const MAX_TAG_CHARS = 64;
const TAG_RE = /^[\p{L}\p{N}][\p{L}\p{N}._:/-]*$/u;

/**
 * One tag as stored and compared: NFKC, trimmed, lower case, inner whitespace as "-". So "Project
 * X" and "project-x" are one tag. Returns an error text when the result is not a tag.
 */
export function normalizeTag(raw: string): string | { error: string } {
  const t = raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/gu, '-');
  if (!t) return { error: 'a tag is empty' };
  if ([...t].length > MAX_TAG_CHARS) return { error: `tag "${t.slice(0, 40)}" is over ${MAX_TAG_CHARS} characters` };
  if (!TAG_RE.test(t))
    return { error: `tag "${t.slice(0, 40)}" may hold only letters, digits and . _ : / - (starting with a letter or digit)` };
  return t;
}

/** Normalised, deduplicated and sorted; throws nothing (the zod field reports bad tags). */
export function normalizeTags(raw: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of raw) {
    const t = normalizeTag(r);
    if (typeof t === 'string') out.add(t);
  }
  return [...out].sort();
}

/** A list of tags as a tool takes it: each normalised, at most `max` distinct. */
export function tagsField(name: string, max = MAX_TAGS) {
  return z
    .array(z.string({ error: `${name} must be an array of strings, e.g. ["project-x", "decision"]` }), {
      error: `${name} must be an array of strings, e.g. ["project-x", "decision"]`,
    })
    .max(max, `${name} has more than ${max} entries; at most ${max} tags`)
    .transform((tags, ctx) => {
      for (const raw of tags) {
        const t = normalizeTag(raw);
        if (typeof t !== 'string') {
          ctx.addIssue({ code: 'custom', message: `${name}: ${t.error}; send short labels such as "project-x"` });
          return z.NEVER;
        }
      }
      const out = normalizeTags(tags);
      if (out.length > max) {
        ctx.addIssue({ code: 'custom', message: `${name} has ${out.length} distinct tags; at most ${max}` });
        return z.NEVER;
      }
      return out;
    });
}

/** Stored form: a JSON array, sorted. */
export function tagsJson(tags: readonly string[] | undefined): string {
  return JSON.stringify(tags ? normalizeTags(tags) : []);
}
