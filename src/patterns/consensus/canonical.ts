import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, so every replica (and a verifier years later)
 * computes the same digest for the same value whatever order its keys arrived in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; the tool only accepts JSON anyway.
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The digest a certificate signs for one proposed value. */
export function valueDigest(value: unknown): string {
  return sha256hex(canonicalJson(value));
}

/**
 * What a reply signature covers for a batch: the value digest itself for a batch of one (so a
 * certificate verifies from the value alone), a digest of the value digests otherwise, and a
 * fixed digest for the empty (null) batch.
 */
export function batchValueDigest(valueDigests: readonly string[]): string {
  if (valueDigests.length === 1) return valueDigests[0];
  return sha256hex(`sixfold-batch\n${valueDigests.join('\n')}`);
}
