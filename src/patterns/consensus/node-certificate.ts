import { verify, type KeyObject } from 'node:crypto';
import { batchValueDigest, valueDigest } from './canonical.js';
import type { CertificateCheck } from './certificate.js';
import { commitStatement } from './messages.js';
import { bftFaults } from '../vote/quorum.js';

/**
 * Certificates of consensus across nodes (mode "nodes"), checked with node:crypto key objects:
 * on the server only. certificate.ts holds the browser-safe part (simulated clusters).
 */
export interface NodeSignature {
  replica?: number;
  node?: string;
  /** The signer's Ed25519 public key (raw, base64url); checked against its node id. */
  key?: string;
  signature: string;
}

export interface NodeCertificateCheck extends CertificateCheck {
  /** Node ids of the valid signers. */
  signer_nodes: string[];
  /** What the signatures cover: the value's digest, or the digest of its batch. */
  signed_digest: string;
}

/**
 * Checks a certificate of consensus across nodes with public keys only: at least 2f+1 distinct
 * members of the cluster (n = members.length) signed (statement cluster, view, sequence, digest).
 * A signer's key is taken from the certificate (and must hash to its node id) or from `keyOf`.
 * For a value committed in a batch of several, `batch` lists the batch's value digests in order:
 * the value's digest must be among them, and the signatures cover their batch digest.
 */
export function verifyNodeCertificate(o: {
  members: readonly string[];
  statementCluster: string;
  value: unknown;
  batch?: readonly string[];
  certificate: readonly NodeSignature[];
  sequence: number;
  view: number;
  keyOf: (member: number) => KeyObject | undefined;
  keyFromText: (text: string) => KeyObject | undefined;
  idOf: (key: KeyObject) => string;
}): NodeCertificateCheck {
  const n = o.members.length;
  const f = bftFaults(n);
  const quorum = 2 * f + 1;
  const digest = valueDigest(o.value);
  const fail = (reason: string, signed = digest): NodeCertificateCheck => ({
    valid: false,
    signers: [],
    signer_nodes: [],
    quorum,
    digest,
    signed_digest: signed,
    reason,
  });
  let signed = digest;
  if (o.batch) {
    if (!o.batch.includes(digest)) return fail(`The value's digest ${digest.slice(0, 12)}… is not in batch.`);
    signed = batchValueDigest(o.batch);
  }
  const stmt = Buffer.from(commitStatement(o.statementCluster, o.view, o.sequence, signed));
  const index = new Map(o.members.map((id, i) => [id, i]));
  const signers = new Set<number>();
  const problems: string[] = [];
  for (const e of o.certificate) {
    const m = e.node !== undefined ? index.get(e.node) : e.replica;
    const who = e.node !== undefined ? `node ${e.node.slice(0, 9)}…` : `replica ${e.replica}`;
    if (m === undefined || !Number.isInteger(m) || m < 0 || m >= n) {
      problems.push(`${who} is not a member of this ${n}-node cluster`);
      continue;
    }
    if (e.node !== undefined && e.replica !== undefined && e.replica !== m) {
      problems.push(`${who} is replica ${m}, not ${e.replica}`);
      continue;
    }
    if (signers.has(m)) {
      problems.push(`${who} is listed twice`);
      continue;
    }
    let key: KeyObject | undefined;
    if (e.key !== undefined) {
      key = o.keyFromText(e.key);
      if (!key || o.idOf(key) !== o.members[m]) {
        problems.push(
          `the key given for ${who} is not the key of node ${o.members[m].slice(0, 9)}… (a node id is the hash of its key)`,
        );
        continue;
      }
    } else {
      key = o.keyOf(m);
      if (!key) {
        problems.push(
          `the public key of node ${o.members[m].slice(0, 9)}… is not known here (it never connected to this node); send it as "key"`,
        );
        continue;
      }
    }
    let ok = false;
    try {
      ok = verify(null, stmt, key, Buffer.from(e.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (ok) signers.add(m);
    else problems.push(`${who}'s signature does not match this value, sequence and view`);
  }
  const list = [...signers].sort((a, b) => a - b);
  const valid = list.length >= quorum;
  const reason = valid
    ? undefined
    : `${list.length} valid signature(s) from distinct members, ${quorum} needed${problems.length ? `: ${problems.slice(0, 5).join('; ')}` : ''}.`;
  return {
    valid,
    signers: list,
    signer_nodes: list.map((m) => o.members[m]),
    quorum,
    digest,
    signed_digest: signed,
    ...(reason ? { reason } : {}),
  };
}
