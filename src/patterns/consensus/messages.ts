import { sha256Base64 } from './crypto.js';
import type { ReplicaKeys } from './keys.js';

/**
 * PBFT messages. Normal-case messages (request, pre-prepare, prepare, commit, fetch, state,
 * status, reject) travel with a MAC authenticator: one HMAC per recipient over the body's SHA-256.
 * Replies, checkpoints, view changes and new views carry an Ed25519 signature of their own so they
 * can be shown to third parties (certificates, checkpoint proofs, new-view evidence).
 *
 * Field names are short because every message crosses the wire many times. Legend, against
 * Castro and Liskov, "Practical Byzantine Fault Tolerance" (OSDI 1999) and Castro's thesis:
 *
 * | `t`     | paper's message                     | fields here -> paper                                                        |
 * |---------|-------------------------------------|-----------------------------------------------------------------------------|
 * | `req`   | REQUEST <o, t, c>                   | q.c client c, q.r request id (timestamp t), q.v value (operation o),        |
 * |         |                                     | q.s JSON Schema the value must match (ours), q.a authenticator (MACs)       |
 * | `pp`    | PRE-PREPARE <v, n, d>, m            | v view, s sequence n, d digest of the batch, b the batch (m), i primary     |
 * | `p`     | PREPARE <v, n, d, i>                | v, s = n, d, i sender                                                       |
 * | `c`     | COMMIT <v, n, D(m), i>              | v, s = n, d = D(m), i sender                                                |
 * | `rep`   | REPLY <v, t, c, i, r>               | v view, s sequence, d digest (result r), c client, rs request ids (t),      |
 * |         |                                     | i replica, g its signature (a certificate share), vd batch value digests   |
 * | `ck`    | CHECKPOINT <n, d, i>                | x signed body: s = n, d state digest, i                                     |
 * | `vc`    | VIEW-CHANGE <v+1, n, C, P, i>       | x signed body: v = v+1, h = n (last stable checkpoint), hd its state digest,|
 * |         |                                     | ck = C (its proof), P prepared set, Q pre-prepared set (thesis),           |
 * |         |                                     | B request batches for the digests in P and Q                               |
 * | `nv`    | NEW-VIEW <v+1, V, O>                | x signed body: v = v+1, vcs = V; O is not sent: each replica computes it   |
 * |         |                                     | from V itself (selectNewView in new-view.ts)                               |
 * | `st`    | STATUS (thesis)                     | v the sender's view, i; trimmed to what repair needs                        |
 * | `fetch` | FETCH (thesis, state transfer)      | from..to sequences wanted, i                                               |
 * | `state` | state-transfer reply (thesis)       | e: [sequence, digest, batch] per executed sequence, i                      |
 * | `rej`   | (ours) refusal of a request         | c, r the request, why, i                                                    |
 *
 * `Signed` wraps a statement: i signer, m the JSON text signed, g the Ed25519 signature.
 */

/** A client request: MACs in `a` (one per replica) cover the cluster, client, id, value and schema digests. */
export interface Request {
  c: number;
  r: number;
  v: unknown;
  /** JSON Schema the value must match, if the proposer gave one. */
  s?: unknown;
  a: string[];
}

/** A signed statement: `m` is the JSON text that was signed, `g` the signature of replica `i`. */
export interface Signed {
  i: number;
  m: string;
  g: string;
}

export interface CheckpointBody {
  t: 'ck';
  s: number;
  d: string;
  i: number;
}
export interface ViewChangeBody {
  t: 'vc';
  /** The view being moved to. */
  v: number;
  /** Stable checkpoint: sequence, state digest, proof (2f+1 signed checkpoints; empty at the cluster's base). */
  h: number;
  hd: string;
  ck: Signed[];
  /** Prepared: [seq, view, digest], highest view per seq. */
  P: Array<[number, number, string]>;
  /** Pre-prepared: [seq, digest, view]. */
  Q: Array<[number, string, number]>;
  /** Request batches for the digests above. */
  B: Record<string, Request[]>;
  i: number;
}
export interface NewViewBody {
  t: 'nv';
  v: number;
  vcs: Signed[];
  i: number;
}
export interface ReplyBody {
  t: 'rep';
  v: number;
  s: number;
  d: string;
  c: number;
  rs: number[];
  i: number;
  g: string;
  /** For a batch of several requests: their value digests in order (d is their batchValueDigest). */
  vd?: string[];
}

export type Msg =
  | { t: 'req'; q: Request }
  | { t: 'pp'; v: number; s: number; d: string; b: Request[]; i: number }
  | { t: 'p'; v: number; s: number; d: string; i: number }
  | { t: 'c'; v: number; s: number; d: string; i: number }
  | { t: 'ck'; x: Signed }
  | { t: 'vc'; x: Signed }
  | { t: 'nv'; x: Signed }
  | ReplyBody
  | { t: 'rej'; c: number; r: number; why: string; i: number }
  | { t: 'fetch'; from: number; to: number; i: number }
  /** PBFT's status message, trimmed to what repair needs: the sender's current view. */
  | { t: 'st'; v: number; i: number }
  | { t: 'state'; e: Array<[number, string, Request[]]>; i: number };

export function digestOf(text: string): string {
  return sha256Base64(text);
}

/**
 * Wire form: `<from> <to>:<mac>,<to>:<mac>...\n<body JSON>`. One body and one hash for a broadcast;
 * each recipient checks only its own MAC.
 */
export function encode(keys: ReplicaKeys, from: number, to: readonly number[], msg: Msg): string {
  const body = JSON.stringify(msg);
  const h = digestOf(body);
  const macs = to.map((j) => `${j}:${keys.mac(from, j, h)}`).join(',');
  return `${from} ${macs}\n${body}`;
}

/**
 * The signatures-everywhere variant (for the benchmark's comparison): replicas sign every message
 * with Ed25519 instead of MACing it; `<from> sig:<signature>\n<body>`. Clients still MAC.
 */
export function encodeSigned(keys: ReplicaKeys, from: number, msg: Msg): string {
  const body = JSON.stringify(msg);
  return `${from} sig:${keys.sign(from, body)}\n${body}`;
}

/**
 * Over a channel that itself authenticates the sender and protects integrity (mutual TLS between
 * nodes), a MAC per message adds nothing but cost: `<from> tls\n<body>`. Only a receiver that
 * checked the channel's peer is `from` may accept it (decode's `channel`). Requests keep their
 * MAC authenticators either way: a primary relays them to third parties.
 */
export function encodeChannel(from: number, msg: Msg): string {
  return `${from} tls\n${JSON.stringify(msg)}`;
}

export type Decoded = { ok: true; from: number; msg: Msg } | { ok: false; why: string };

export function decode(keys: ReplicaKeys, me: number, wire: string, channel = false): Decoded {
  const nl = wire.indexOf('\n');
  if (nl < 0) return { ok: false, why: 'malformed' };
  const head = wire.slice(0, nl);
  const sp = head.indexOf(' ');
  const from = Number(head.slice(0, sp));
  if (!Number.isInteger(from)) return { ok: false, why: 'malformed' };
  const body0 = wire.slice(nl + 1);
  if (head.length === sp + 4 && head.endsWith(' tls')) {
    return channel ? parseBody(from, body0) : { ok: false, why: 'no MAC, and the channel does not authenticate the sender' };
  }
  if (head.startsWith('sig:', sp + 1)) {
    // Checked every time, without the verifier's cache: this variant pays per message by design.
    if (!keys.pub.verifyUncached(from, body0, head.slice(sp + 5))) return { ok: false, why: 'bad signature' };
    return parseBody(from, body0);
  }
  const prefix = `${me}:`;
  const entry = head
    .slice(sp + 1)
    .split(',')
    .find((e) => e.startsWith(prefix));
  if (!entry) return { ok: false, why: 'no MAC for me' };
  if (!keys.checkMac(from, me, digestOf(body0), entry.slice(prefix.length))) return { ok: false, why: 'bad MAC' };
  return parseBody(from, body0);
}

function parseBody(from: number, body: string): Decoded {
  let msg: Msg;
  try {
    msg = JSON.parse(body) as Msg;
  } catch {
    return { ok: false, why: 'malformed' };
  }
  if (!msg || typeof msg !== 'object' || typeof msg.t !== 'string') return { ok: false, why: 'malformed' };
  // The MAC proves who sent it; a body that names someone else is a forgery attempt.
  if ('i' in msg && msg.i !== from) return { ok: false, why: 'sender mismatch' };
  return { ok: true, from, msg };
}

export function signBody(keys: ReplicaKeys, i: number, body: object): Signed {
  const m = JSON.stringify(body);
  return { i, m, g: keys.sign(i, m) };
}

/** Parses a signed statement after checking its signature; null if anything is off. */
export function openSigned<T extends { t: string; i: number }>(keys: ReplicaKeys, x: Signed | undefined, t: T['t']): T | null {
  if (!x || typeof x.m !== 'string' || typeof x.g !== 'string' || !Number.isInteger(x.i)) return null;
  if (!keys.pub.verify(x.i, x.m, x.g)) return null;
  try {
    const body = JSON.parse(x.m) as T;
    return body && body.t === t && body.i === x.i ? body : null;
  } catch {
    return null;
  }
}

/** What a replica signs when it commits: the certificate statement. */
export function commitStatement(cluster: string, view: number, seq: number, digest: string): string {
  return `sixfold-pbft-commit\n${cluster}\n${view}\n${seq}\n${digest}`;
}

/** What the client's MAC authenticator covers for a request. */
export function requestStatement(cluster: string, c: number, r: number, valueDigest: string, schemaDigest: string): string {
  return `sixfold-pbft-request\n${cluster}\n${c}\n${r}\n${valueDigest}\n${schemaDigest}`;
}
