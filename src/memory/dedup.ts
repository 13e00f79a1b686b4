import { createHash } from 'node:crypto';

/**
 * What "the same content" means for dedup on store: equal after Unicode NFC normalisation, with
 * leading and trailing whitespace dropped and every run of whitespace made one space. Case and
 * punctuation count (code, names and acronyms differ by case); near-duplicates are the optional
 * cosine threshold's job (config `memory.dedup_threshold`).
 */
export function normalizeContent(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** The key dedup looks up within a namespace (indexed with it): sha-256 of the normalised text. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeContent(text)).digest('base64url');
}
