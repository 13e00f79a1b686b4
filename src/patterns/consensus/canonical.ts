import { canonicalJson } from '../../canonical-json.js';
import { sha256Hex } from './crypto.js';

export function sha256hex(data: string | Uint8Array): string {
  return sha256Hex(data);
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
