import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes as nobleRandomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type * as NodeCrypto from './crypto.js';

/**
 * The browser's build of crypto.ts: the same exports over @noble/hashes and @noble/curves
 * (audited, dependency-free), so the consensus core runs unchanged in a page. Signatures are
 * checked as RFC 8032 / FIPS 186-5 (not ZIP-215), as OpenSSL checks them on the server.
 */

const bytes = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? utf8ToBytes(data) : data);

export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(bytes(data)));
}

export function sha256Base64(text: string): string {
  return toBase64(sha256(utf8ToBytes(text)));
}

export function hmacSha256(key: Uint8Array, data: string): Uint8Array {
  return hmac(sha256, key, utf8ToBytes(data));
}

export function macTag(key: Uint8Array, data: string, n: number): string {
  return toBase64(hmacSha256(key, data).subarray(0, n));
}

export function randomBytes(n: number): Uint8Array {
  return nobleRandomBytes(n);
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return btoa(s);
}

/** Standard or URL-safe base64, padded or not; anything else gives an empty array (no key or signature is empty). */
export function fromBase64(text: string): Uint8Array {
  let bin: string;
  try {
    const std = text.replace(/-/g, '+').replace(/_/g, '/');
    bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
  } catch {
    return new Uint8Array(0);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** PKCS#8 for an Ed25519 key is this fixed header (RFC 8410) and the 32-byte seed. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function seedOf(pkcs8: Uint8Array): Uint8Array {
  const ok = pkcs8.length === PKCS8_PREFIX.length + 32 && PKCS8_PREFIX.every((b, i) => pkcs8[i] === b);
  if (!ok) throw new Error('not an Ed25519 PKCS#8 key');
  return pkcs8.subarray(PKCS8_PREFIX.length);
}

export interface Ed25519Pair {
  /** PKCS#8 DER. */
  privateKey: Uint8Array;
  /** The raw public key, base64url (a JWK's "x"). */
  publicKey: string;
}

export function ed25519Generate(): Ed25519Pair {
  const seed = ed25519.utils.randomSecretKey();
  const privateKey = new Uint8Array(PKCS8_PREFIX.length + 32);
  privateKey.set(PKCS8_PREFIX);
  privateKey.set(seed, PKCS8_PREFIX.length);
  const publicKey = toBase64(ed25519.getPublicKey(seed)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return { privateKey, publicKey };
}

export function ed25519Signer(pkcs8: Uint8Array): (data: string) => string {
  const seed = seedOf(pkcs8);
  return (data) => toBase64(ed25519.sign(utf8ToBytes(data), seed));
}

export function ed25519Verifier(publicKey: string): (data: string, signature: Uint8Array) => boolean {
  const key = fromBase64(publicKey);
  if (key.length !== 32) throw new Error('not a raw Ed25519 public key');
  ed25519.Point.fromBytes(key); // throws on bytes that are not a curve point, as Node does when parsing
  return (data, signature) => ed25519.verify(signature, utf8ToBytes(data), key, { zip215: false });
}

// Both builds must offer the same functions with the same types.
({
  sha256Hex,
  sha256Base64,
  hmacSha256,
  macTag,
  randomBytes,
  toBase64,
  fromBase64,
  ed25519Generate,
  ed25519Signer,
  ed25519Verifier,
}) satisfies typeof NodeCrypto;
