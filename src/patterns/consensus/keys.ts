import { ed25519Generate, ed25519Signer, ed25519Verifier, fromBase64, hmacSha256, macTag, randomBytes } from './crypto.js';

/**
 * Key material of one cluster. Each replica has an Ed25519 key pair (commit replies, checkpoints,
 * view changes, new views are signed); every pair of parties (replicas 0..n-1 and clients n..)
 * shares an HMAC-SHA256 key derived from the cluster's MAC secret, for PBFT's MAC authenticators.
 * Keys are parsed once here and cached; nothing re-parses key bytes per message. The primitives
 * come from crypto.ts (node:crypto), or crypto.browser.ts in the browser bundle.
 */
export interface StoredKeys {
  n: number;
  /** 32 random bytes; the pairwise MAC keys are derived from it. Private. */
  macSecret: Uint8Array;
  /** PKCS#8 DER per replica. Private. */
  privateKeys: Uint8Array[];
  /** Raw Ed25519 public keys, base64url (the JWK "x"). Public. */
  publicKeys: string[];
}

export function generateKeys(n: number): StoredKeys {
  const privateKeys: Uint8Array[] = [];
  const publicKeys: string[] = [];
  for (let i = 0; i < n; i++) {
    const { privateKey, publicKey } = ed25519Generate();
    privateKeys.push(privateKey);
    publicKeys.push(publicKey);
  }
  return { n, macSecret: randomBytes(32), privateKeys, publicKeys };
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

/** Checks an Ed25519 signature of UTF-8 text with one public key. */
export type VerifyFn = (data: string, signature: Uint8Array) => boolean;

/** Ed25519 verification against a key per replica, with a memo for retransmitted statements. */
export abstract class KeyVerifier implements Verifier {
  abstract readonly n: number;
  protected abstract verifierOf(replica: number): VerifyFn | undefined;

  verifyUncached(replica: number, data: string, signature: string): boolean {
    const check = this.verifierOf(replica);
    if (!check) return false;
    try {
      return check(data, fromBase64(signature));
    } catch {
      return false;
    }
  }

  /** Retransmitted signed messages are checked once: signature+signer -> the data it verified. */
  private readonly seen = new Map<string, string>();

  verify(replica: number, data: string, signature: string): boolean {
    const check = this.verifierOf(replica);
    if (!check || typeof signature !== 'string' || typeof data !== 'string') return false;
    const memo = `${replica}|${signature}`;
    if (this.seen.get(memo) === data) return true;
    const sig = fromBase64(signature);
    if (sig.length !== 64) return false;
    let ok = false;
    try {
      ok = check(data, sig);
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
  private readonly keys: VerifyFn[];
  constructor(readonly text: readonly string[]) {
    super();
    this.keys = text.map(ed25519Verifier);
  }
  get n(): number {
    return this.keys.length;
  }
  protected verifierOf(replica: number): VerifyFn | undefined {
    return this.keys[replica];
  }
}

const MAC_BYTES = 16;

/** Everything a party of the cluster needs: public keys, its own signing key, its MAC keys. */
export class ClusterKeys implements ReplicaKeys {
  readonly pub: PublicKeys;
  private readonly signing: Array<(data: string) => string>;
  /** pairwise[a][b] for a, b < n + clients. Derived lazily, cached. */
  private readonly pairwise = new Map<number, Uint8Array>();

  constructor(
    private readonly stored: StoredKeys,
    private readonly clients = 1,
  ) {
    this.pub = new PublicKeys(stored.publicKeys);
    this.signing = stored.privateKeys.map(ed25519Signer);
  }

  get n(): number {
    return this.stored.n;
  }

  sign(replica: number, data: string): string {
    return this.signing[replica](data);
  }

  private key(a: number, b: number): Uint8Array {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const id = lo * 4096 + hi;
    let k = this.pairwise.get(id);
    if (!k) {
      k = hmacSha256(this.stored.macSecret, `pairwise:${lo}:${hi}`);
      this.pairwise.set(id, k);
    }
    return k;
  }

  /** MAC of `data` (already a digest: callers hash long bodies once) from `from` for `to`. */
  mac(from: number, to: number, data: string): string {
    return macTag(this.key(from, to), data, MAC_BYTES);
  }

  checkMac(from: number, to: number, data: string, mac: string): boolean {
    if (from < 0 || from >= this.n + this.clients || to < 0 || to >= this.n + this.clients) return false;
    return this.mac(from, to, data) === mac;
  }
}
