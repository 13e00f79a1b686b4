/**
 * This node's identity: an Ed25519 key pair and a self-signed X.509 certificate, made on first
 * start and kept in the database it identifies (migration 8, table node_identity). The database
 * file is then made owner-only (0600), and SQLite gives its -wal and -shm files the same mode.
 *
 * The private key lives in a KeyObject behind a private field: it is exported only as a PEM handed
 * straight to a TLS context, never returned, logged or serialised (toJSON and inspect show the id).
 */
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { SixfoldError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DB } from '../memory/db.js';
import { base32nopad } from '@scure/base';
import { ID_BYTES, nodeIdFromBase32, type NodeId } from './node-id.js';

/** The node id of a public key (any key type node:crypto can export as SPKI); the format is in node-id.ts. */
export function nodeIdOf(publicKey: KeyObject): NodeId {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return nodeIdFromBase32(base32nopad.encode(createHash('sha256').update(spki).digest().subarray(0, ID_BYTES)));
}

const CERT_YEARS = 100;

export class NodeIdentity {
  readonly #privateKey: KeyObject;

  constructor(
    readonly nodeId: NodeId,
    readonly certificatePem: string,
    readonly publicKey: KeyObject,
    privateKey: KeyObject,
  ) {
    this.#privateKey = privateKey;
  }

  /** The private key as PEM, for a TLS secure context only: do not keep, log or return it. */
  tlsKeyPem(): string {
    return this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** An Ed25519 signature over `data` with the node key. */
  sign(data: Uint8Array): Buffer {
    return sign(null, data, this.#privateKey);
  }

  /** The public key as SPKI DER (what the node id hashes). */
  publicKeyDer(): Buffer {
    return this.publicKey.export({ type: 'spki', format: 'der' });
  }

  toJSON(): { node_id: NodeId } {
    return { node_id: this.nodeId };
  }

  [inspect.custom](): string {
    return `NodeIdentity(${this.nodeId})`;
  }
}

/** Verifies an Ed25519 signature made by `NodeIdentity.sign`. */
export function verifyNodeSignature(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * A new key pair and a self-signed certificate for it, made with @peculiar/x509 over Node's
 * WebCrypto (no hand-made ASN.1). The library needs a Reflect metadata polyfill, loaded first;
 * both are imported only here, on a node's first start.
 */
export async function createIdentityMaterial(): Promise<{ pkcs8: Buffer; certificatePem: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'Ed25519' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  const id = nodeIdOf(createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })));
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=sixfold node ${id}`,
    notBefore: new Date(now - 24 * 3600_000),
    notAfter: new Date(now + CERT_YEARS * 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return { pkcs8, certificatePem: cert.toString('pem') };
}

function fromMaterial(pkcs8: Buffer, certificatePem: string): NodeIdentity {
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const cert = new X509Certificate(certificatePem);
  const publicKey = cert.publicKey;
  // The stored certificate must be for the stored key (a damaged or edited row is refused).
  const probe = Buffer.from('sixfold identity check');
  if (publicKey.asymmetricKeyType !== 'ed25519' || !verify(null, probe, publicKey, sign(null, probe, privateKey))) {
    throw new SixfoldError(
      'config',
      'The node identity stored in this database is damaged: its certificate does not match its key.',
      'Restore the database from a backup, or move it aside to make a new node (with a new node id).',
    );
  }
  return new NodeIdentity(nodeIdOf(publicKey), certificatePem, publicKey, privateKey);
}

/** Makes a database file (and its WAL companions) owner-only; logs when it had to tighten one. */
export function restrictToOwner(dbPath: string, log?: Logger): void {
  if (dbPath === ':memory:') return;
  for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    if (!existsSync(p)) continue;
    const mode = statSync(p).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      chmodSync(p, 0o600);
      log?.warn({ file: p, was: mode.toString(8) }, "made owner-only: the database holds this node's private key");
    }
  }
}

/**
 * This database's node identity, created on first use. Two processes racing on one new database
 * both generate; the first insert wins and both read it back.
 */
export async function loadOrCreateIdentity(db: DB, dbPath: string, log?: Logger): Promise<NodeIdentity> {
  const read = () =>
    db.prepare('SELECT node_id, private_key, certificate FROM node_identity WHERE id = 1').get() as
      { node_id: string; private_key: Buffer; certificate: string } | undefined;
  let row = read();
  if (!row) {
    // Tighten first: the key must never sit in a world-readable file, even for a moment.
    restrictToOwner(dbPath);
    const m = await createIdentityMaterial();
    const id = fromMaterial(m.pkcs8, m.certificatePem).nodeId;
    db.prepare(
      'INSERT OR IGNORE INTO node_identity (id, node_id, private_key, certificate, created_at) VALUES (1, ?, ?, ?, ?)',
    ).run(id, m.pkcs8, m.certificatePem, Date.now());
    row = read()!;
    log?.info({ node_id: row.node_id }, "created this node's identity");
    if (dbPath === ':memory:') log?.warn('the database is in memory: this node id lasts only until the process exits');
  }
  restrictToOwner(dbPath, log);
  const identity = fromMaterial(row.private_key, row.certificate);
  if (identity.nodeId !== row.node_id) {
    throw new SixfoldError(
      'config',
      'The node identity stored in this database is damaged: its id does not match its key.',
      'Restore the database from a backup, or move it aside to make a new node.',
    );
  }
  return identity;
}
