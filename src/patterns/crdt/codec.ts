import { createHash } from 'node:crypto';
import { invalidInput } from '../../errors.js';

/** Doc ids: what crdt_merge accepts, and what a peer may create by gossip. */
export const DOC_ID_RE = /^[a-zA-Z0-9._:-]{1,128}$/;

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (Buffer.from silently skips bad characters, which would turn garbage into "valid" bytes). */
export function fromBase64(text: string, what: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!B64_RE.test(clean) || clean.length % 4 === 1) {
    throw invalidInput(`${what} is not base64.`, 'Send Yjs bytes as standard base64 (A-Z a-z 0-9 + / with = padding).');
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/**
 * The Yjs clientID an actor writes ops under on this replica. Yjs requires that one clientID is
 * never used by two writers at once, so the replica's own random id is part of the hash: the same
 * actor on two servers gets two clientIDs, and on one server its clock simply continues.
 */
export function actorClientId(replicaId: string, actor: string): number {
  const h = createHash('sha256').update(`${replicaId}\0${actor}`).digest();
  return h.readUInt32BE(0) >>> 1 || 1; // 31 bits, like Yjs' own random ids, never 0
}
