import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes as nodeRandomBytes,
  sign,
  verify,
} from 'node:crypto';

/**
 * Every cryptographic primitive consensus uses, in one module, so the pattern core has no other
 * tie to Node: this file is Node's (OpenSSL), `crypto.browser.ts` exports the same functions over
 * @noble/hashes and @noble/curves, and the browser bundle (web/build.mjs, and the web tsconfig's
 * moduleSuffixes) resolves `./crypto.js` to it. Byte strings are Uint8Array (a Buffer is one).
 */

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256Base64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

export function hmacSha256(key: Uint8Array, data: string): Uint8Array {
  return createHmac('sha256', key).update(data).digest();
}

/** The first `bytes` of HMAC-SHA256(key, data), base64: a MAC authenticator entry. */
export function macTag(key: Uint8Array, data: string, bytes: number): string {
  return createHmac('sha256', key).update(data).digest().subarray(0, bytes).toString('base64');
}

export function randomBytes(n: number): Uint8Array {
  return nodeRandomBytes(n);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}

export interface Ed25519Pair {
  /** PKCS#8 DER. */
  privateKey: Uint8Array;
  /** The raw public key, base64url (a JWK's "x"). */
  publicKey: string;
}

export function ed25519Generate(): Ed25519Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKey: publicKey.export({ format: 'jwk' }).x as string,
  };
}

/** Signs UTF-8 text with a PKCS#8 DER key; the signature is base64. The key is parsed once. */
export function ed25519Signer(pkcs8: Uint8Array): (data: string) => string {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return (data) => sign(null, Buffer.from(data), key).toString('base64');
}

/** Checks a signature of UTF-8 text against a base64url raw public key (parsed once; throws if it is not one). */
export function ed25519Verifier(publicKey: string): (data: string, signature: Uint8Array) => boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  return (data, signature) => verify(null, Buffer.from(data), key, signature);
}
