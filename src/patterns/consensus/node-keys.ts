import { createHmac, createPublicKey, hkdfSync, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { KeyVerifier, type ReplicaKeys, type VerifyFn } from './keys.js';

/**
 * Keys of one node of a real cluster, where each node is one PBFT replica and holds only its own
 * private key. Parties are numbered as in the simulation: replica i is member i of the sorted
 * member list, and the client role of member i is n + i.
 *
 * - Signing: the node key (Ed25519), for this node's replica only.
 * - Verifying: the members' public keys (learnt from their TLS certificates, whose hash is their
 *   node id), looked up by index.
 * - MACs: per pair of nodes, from the TLS 1.3 exporter of the pair's current connection (both ends
 *   hold the same bytes), expanded with HKDF into one key per pair of parties. Nothing of it is
 *   stored: a new connection brings new material (`rekey`), and the last few connections' keys
 *   stay in memory so that an authenticator made just before a reconnect still checks. Each MAC
 *   carries a short key id (`kid.mac`) that says which connection's key made it.
 *   The two roles of this very node (its client and its replica) share a random in-memory key.
 */
const MAC_BYTES = 16;
/** Connections whose keys are kept per peer (newest first). */
const KEEP = 4;

interface PairKey {
  kid: string;
  base: Buffer;
  roles: Map<number, Buffer>;
}

/** A node's public key as text: the raw Ed25519 key, base64url (a JWK's "x"), as consensus://{cluster}/keys lists it. */
export function publicKeyToText(key: KeyObject): string {
  return key.export({ format: 'jwk' }).x as string;
}

export function publicKeyFromText(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** The members' keys, looked up by index (they arrive with the members' TLS certificates). */
class MemberVerifier extends KeyVerifier {
  private readonly checks = new WeakMap<KeyObject, VerifyFn>();
  constructor(
    readonly n: number,
    private readonly lookup: (member: number) => KeyObject | undefined,
  ) {
    super();
  }
  keyOf(replica: number): KeyObject | undefined {
    return Number.isInteger(replica) && replica >= 0 && replica < this.n ? this.lookup(replica) : undefined;
  }
  protected verifierOf(replica: number): VerifyFn | undefined {
    const key = this.keyOf(replica);
    if (!key) return undefined;
    let check = this.checks.get(key);
    if (!check) this.checks.set(key, (check = (data, signature) => verify(null, Buffer.from(data), key, signature)));
    return check;
  }
}

function derive(base: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), info, length));
}

export class NodeKeys implements ReplicaKeys {
  readonly pub: MemberVerifier;
  /** Bumped whenever a pair's MAC keys change. */
  generation = 0;
  private readonly pairs = new Map<number, PairKey[]>();
  private readonly local: PairKey;

  constructor(
    readonly n: number,
    /** This node's member index. */
    readonly self: number,
    private readonly signer: (data: Buffer) => Buffer,
    publicKeyOf: (member: number) => KeyObject | undefined,
  ) {
    this.pub = new MemberVerifier(n, publicKeyOf);
    this.local = { kid: 'local', base: randomBytes(32), roles: new Map() };
  }

  /** A new connection with member `peer`: its TLS exporter bytes become the pair's MAC keys. */
  rekey(peer: number, material: Buffer): void {
    if (peer === this.self || peer < 0 || peer >= this.n) return;
    const kid = derive(material, 'sixfold pbft kid', 6).toString('base64url');
    const list = this.pairs.get(peer) ?? [];
    if (list[0]?.kid === kid) return;
    list.unshift({ kid, base: derive(material, 'sixfold pbft mac', 32), roles: new Map() });
    if (list.length > KEEP) list.length = KEEP;
    this.pairs.set(peer, list);
    this.generation++;
  }

  sign(replica: number, data: string): string {
    if (replica !== this.self) throw new Error(`this node signs only as replica ${this.self}, not ${replica}`);
    return this.signer(Buffer.from(data)).toString('base64');
  }

  private member(party: number): number {
    return party < this.n ? party : party - this.n;
  }

  /** The other node of a pair of parties, or undefined when neither party is this node's. */
  private keysFor(a: number, b: number): PairKey[] | undefined {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= 2 * this.n || b >= 2 * this.n) return undefined;
    const ma = this.member(a);
    const mb = this.member(b);
    if (ma === this.self && mb === this.self) return [this.local];
    if (ma === this.self) return this.pairs.get(mb);
    if (mb === this.self) return this.pairs.get(ma);
    return undefined;
  }

  private roleKey(k: PairKey, a: number, b: number): Buffer {
    const id = Math.min(a, b) * 4096 + Math.max(a, b);
    let key = k.roles.get(id);
    if (!key) {
      key = derive(k.base, `sixfold pbft pair ${Math.min(a, b)} ${Math.max(a, b)}`, 32);
      k.roles.set(id, key);
    }
    return key;
  }

  private compute(k: PairKey, from: number, to: number, data: string): Buffer {
    return createHmac('sha256', this.roleKey(k, from, to))
      .update(data)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  /** `kid.mac`, or '' when there is no key with that party yet (never connected: it cannot check anything of ours). */
  mac(from: number, to: number, data: string): string {
    const k = this.keysFor(from, to)?.[0];
    return k ? `${k.kid}.${this.compute(k, from, to, data).toString('base64')}` : '';
  }

  checkMac(from: number, to: number, data: string, mac: string): boolean {
    if (typeof mac !== 'string') return false;
    const dot = mac.indexOf('.');
    if (dot < 0) return false;
    const kid = mac.slice(0, dot);
    const k = this.keysFor(from, to)?.find((x) => x.kid === kid);
    if (!k) return false;
    const got = Buffer.from(mac.slice(dot + 1), 'base64');
    const want = this.compute(k, from, to, data);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
