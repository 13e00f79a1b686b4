import { valueDigest } from './canonical.js';
import type { PublicKeys } from './keys.js';
import { commitStatement } from './messages.js';
import { bftFaults } from '../vote/quorum.js';

export interface CertificateCheck {
  valid: boolean;
  signers: number[];
  quorum: number;
  digest: string;
  reason?: string;
}

/**
 * Checks a commit certificate with public keys only: at least 2f+1 distinct replicas of the
 * cluster signed (cluster, view, sequence, digest of the value). Signatures that fail are named in
 * the reason and do not count.
 */
export function verifyCertificate(
  pub: PublicKeys,
  cluster: string,
  value: unknown,
  certificate: ReadonlyArray<{ replica: number; signature: string }>,
  sequence: number,
  view: number,
): CertificateCheck {
  const n = pub.n;
  const f = bftFaults(n);
  const quorum = 2 * f + 1;
  const digest = valueDigest(value);
  const stmt = commitStatement(cluster, view, sequence, digest);
  const signers: number[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const { replica, signature } of certificate) {
    if (!Number.isInteger(replica) || replica < 0 || replica >= n) {
      problems.push(`replica ${replica} is not in this ${n}-replica cluster`);
      continue;
    }
    if (seen.has(replica)) {
      problems.push(`replica ${replica} is listed twice`);
      continue;
    }
    seen.add(replica);
    if (pub.verify(replica, stmt, signature)) signers.push(replica);
    else problems.push(`replica ${replica}'s signature does not match this value, sequence and view`);
  }
  signers.sort((a, b) => a - b);
  const valid = signers.length >= quorum;
  const reason = valid
    ? undefined
    : `${signers.length} valid signature(s), ${quorum} needed${problems.length ? `: ${problems.slice(0, 5).join('; ')}` : ''}.`;
  return { valid, signers, quorum, digest, ...(reason ? { reason } : {}) };
}
