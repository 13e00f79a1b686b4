/**
 * Node ids, Syncthing-style: a hash of the node's public key in base32, cut into groups that each
 * end in a Luhn mod-32 check character, joined with dashes:
 *
 *   SHA-256(SubjectPublicKeyInfo DER) -> first 160 bits -> 32 base32 characters
 *   -> 4 groups of 8, each + 1 check character -> "XXXXXXXXC-XXXXXXXXC-XXXXXXXXC-XXXXXXXXC"
 *
 * The id names the key, not the certificate, so a re-issued certificate keeps the id. 160 bits
 * keep forging a key for a given id (a second preimage) at 2^160 work while the id stays short
 * enough to read out or paste. The check characters catch a mistyped character in each group.
 *
 * This module is the text form only (config.ts checks peer ids with it at start-up); the hashing
 * and base32 encoding of a key is nodeIdOf in identity.ts, loaded with the cluster.
 */
import { invalidInput } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Bytes of the key's SHA-256 an id keeps. */
export const ID_BYTES = 20;
const GROUPS = 4;
const GROUP_CHARS = 8;

/** Canonical form: four groups of 9 (8 + check), upper case, dash-separated. */
export const NODE_ID_RE = /^[A-Z2-7]{9}(-[A-Z2-7]{9}){3}$/;

export type NodeId = string;

/** The Luhn mod N check character over `chars` (N = 32). */
export function luhn32(chars: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cp = ALPHABET.indexOf(chars[i]);
    if (cp < 0) throw new Error(`not a base32 character: ${chars[i]}`);
    let addend = factor * cp;
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32];
}

/** The id for the 32 base32 characters of a key's hash: four groups, each with its check character. */
export function nodeIdFromBase32(text: string): NodeId {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const part = text.slice(g * GROUP_CHARS, (g + 1) * GROUP_CHARS);
    groups.push(part + luhn32(part));
  }
  return groups.join('-');
}

/**
 * A node id as a person may type it (any case, dashes or spaces anywhere or none), checked and
 * returned in canonical form; throws an invalid_input error that says which part is wrong.
 */
export function parseNodeId(text: string, what = 'node id'): NodeId {
  const shown = text.length > 60 ? `${text.slice(0, 59)}…` : text;
  const bare = text.toUpperCase().replace(/[\s-]/g, '');
  const hint =
    'A node id is 36 characters A-Z and 2-7, usually shown as four dash-separated groups of 9; run `sixfold node-id --db PATH` on that node to print it.';
  if (bare.length !== GROUPS * (GROUP_CHARS + 1) || !/^[A-Z2-7]+$/.test(bare)) {
    throw invalidInput(`${what} "${shown}" is not a node id.`, hint);
  }
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const chunk = bare.slice(g * (GROUP_CHARS + 1), (g + 1) * (GROUP_CHARS + 1));
    if (luhn32(chunk.slice(0, GROUP_CHARS)) !== chunk[GROUP_CHARS]) {
      throw invalidInput(`${what} "${shown}" has a wrong check character in group ${g + 1} (a typo?).`, hint);
    }
    groups.push(chunk);
  }
  return groups.join('-');
}

export function isNodeId(text: string): boolean {
  try {
    parseNodeId(text);
    return true;
  } catch {
    return false;
  }
}

/** The first group: enough to tell nodes apart in a log line or a table. */
export function shortId(id: NodeId): string {
  return id.slice(0, 9);
}
