import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Key material of one cluster. Each replica has an Ed25519 key pair (commit replies, checkpoints,
 * view changes, new views are signed); every pair of parties (replicas 0..n-1 and clients n..)
 * shares an HMAC-SHA256 key derived from the cluster's MAC secret, for PBFT's MAC authenticators.
 * Key objects are built once here and cached; nothing re-parses key bytes per message.
 */
export interface StoredKeys {
  n: number;
  /** 32 random bytes; the pairwise MAC keys are derived from it. Private. */
  macSecret: Buffer;
  /** PKCS#8 DER per replica. Private. */
  privateKeys: Buffer[];
  /** Raw Ed25519 public keys, base64url (the JWK "x"). Public. */
  publicKeys: string[];
}

export function generateKeys(n: number): StoredKeys {
  const privateKeys: Buffer[] = [];
  const publicKeys: string[] = [];
  for (let i = 0; i < n; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    privateKeys.push(privateKey.export({ format: 'der', type: 'pkcs8' }));
    publicKeys.push(publicKeyToText(publicKey));
  }
  return { n, macSecret: randomBytes(32), privateKeys, publicKeys };
}

export function publicKeyToText(key: KeyObject): string {
  return key.export({ format: 'jwk' }).x as string;
}

export function publicKeyFromText(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** Signature checks by replica index (what a replica and the client need of the public keys). */
export interface Verifier {
  readonly n: number;
  verify(replica: number, data: string, signature: string): boolean;
  verifyUncached(replica: number, data: string, signature: string): boolean;
}

/**
 * Everything a party of a PBFT cluster needs of keys: the public keys, its own signing key, MACs
 * with each other party. `generation` changes when MAC keys change (the client then rebuilds a
 * request's authenticator before resending it).
 */
export interface ReplicaKeys {
  readonly n: number;
  readonly pub: Verifier;
  readonly generation?: number;
  sign(replica: number, data: string): string;
  mac(from: number, to: number, data: string): string;
  checkMac(from: number, to: number, data: string, mac: string): boolean;
}

/** Ed25519 verification against a key per replica, with a memo for retransmitted statements. */
export abstract class KeyVerifier implements Verifier {
  abstract readonly n: number;
  protected abstract keyOf(replica: number): KeyObject | undefined;

  verifyUncached(replica: number, data: string, signature: string): boolean {
    const key = this.keyOf(replica);
    if (!key) return false;
    try {
      return verify(null, Buffer.from(data), key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** Retransmitted signed messages are checked once: signature+signer -> the data it verified. */
  private readonly seen = new Map<string, string>();

  verify(replica: number, data: string, signature: string): boolean {
    const key = this.keyOf(replica);
    if (!key || typeof signature !== 'string' || typeof data !== 'string') return false;
    const memo = `${replica}|${signature}`;
    if (this.seen.get(memo) === data) return true;
    const sig = Buffer.from(signature, 'base64');
    if (sig.length !== 64) return false;
    let ok = false;
    try {
      ok = verify(null, Buffer.from(data), key, sig);
    } catch {
      ok = false;
    }
    if (ok) {
      if (this.seen.size >= 4096) this.seen.clear();
      this.seen.set(memo, data);
    }
    return ok;
  }
}

/** Verification with public keys only: what verify_certificate and every replica use. */
export class PublicKeys extends KeyVerifier {
  readonly keys: KeyObject[];
  constructor(readonly text: readonly string[]) {
    super();
    this.keys = text.map(publicKeyFromText);
  }
  get n(): number {
    return this.keys.length;
  }
  protected keyOf(replica: number): KeyObject | undefined {
    return this.keys[replica];
  }
}

const MAC_BYTES = 16;

/** Everything a party of the cluster needs: public keys, its own signing key, its MAC keys. */
export class ClusterKeys implements ReplicaKeys {
  readonly pub: PublicKeys;
  private readonly signing: KeyObject[];
  /** pairwise[a][b] for a, b < n + clients. Derived lazily, cached. */
  private readonly pairwise = new Map<number, Buffer>();

  constructor(private readonly stored: StoredKeys, private readonly clients = 1) {
    this.pub = new PublicKeys(stored.publicKeys);
    this.signing = stored.privateKeys.map((der) => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  }

  get n(): number {
    return this.stored.n;
  }

  sign(replica: number, data: string): string {
    return sign(null, Buffer.from(data), this.signing[replica]).toString('base64');
  }

  private key(a: number, b: number): Buffer {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const id = lo * 4096 + hi;
    let k = this.pairwise.get(id);
    if (!k) {
      k = createHmac('sha256', this.stored.macSecret).update(`pairwise:${lo}:${hi}`).digest();
      this.pairwise.set(id, k);
    }
    return k;
  }

  /** MAC of `data` (already a digest: callers hash long bodies once) from `from` for `to`. */
  mac(from: number, to: number, data: string): string {
    return createHmac('sha256', this.key(from, to)).update(data).digest().subarray(0, MAC_BYTES).toString('base64');
  }

  checkMac(from: number, to: number, data: string, mac: string): boolean {
    if (from < 0 || from >= this.n + this.clients || to < 0 || to >= this.n + this.clients) return false;
    return this.mac(from, to, data) === mac;
  }
}
