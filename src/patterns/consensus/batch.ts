import { canonicalJson } from '../../canonical-json.js';
import { batchValueDigest, sha256hex } from './canonical.js';
import type { ReplicaKeys } from './keys.js';
import { requestStatement, type Request } from './messages.js';

/** A request's identity and digests, computed once per received copy. */
export interface RequestInfo {
  key: string;
  valueDigest: string;
  schemaDigest: string;
  digest: string;
  /** Length of the value as canonical JSON (what batches and state transfers are sized by). */
  bytes: number;
}

export function requestInfo(q: Request): RequestInfo {
  const text = canonicalJson(q.v);
  const vd = sha256hex(text);
  const sd = q.s === undefined ? '' : sha256hex(canonicalJson(q.s));
  return {
    key: `${q.c}:${q.r}`,
    valueDigest: vd,
    schemaDigest: sd,
    digest: sha256hex(`${q.c}:${q.r}:${vd}:${sd}`),
    bytes: text.length,
  };
}

/** The pre-prepare digest of a batch (the empty batch is PBFT's null request). */
export function batchDigest(infos: readonly RequestInfo[]): string {
  return sha256hex(`sixfold-pp\n${infos.map((x) => x.digest).join('\n')}`);
}

/** What replies for this batch sign (see batchValueDigest). */
export function replyDigest(infos: readonly RequestInfo[]): string {
  return batchValueDigest(infos.map((x) => x.valueDigest));
}

export function isRequest(q: unknown): q is Request {
  const o = q as Request;
  return !!o && typeof o === 'object' && Number.isInteger(o.c) && Number.isInteger(o.r) && Array.isArray(o.a) && 'v' in o;
}

/** Builds a client request with its MAC authenticator (one MAC per replica). */
export function makeRequest(
  keys: ReplicaKeys,
  cluster: string,
  client: number,
  r: number,
  value: unknown,
  schema?: unknown,
): Request {
  const q: Request = { c: client, r, v: value, a: [] };
  if (schema !== undefined) q.s = schema;
  const info = requestInfo(q);
  const stmt = requestStatement(cluster, client, r, info.valueDigest, info.schemaDigest);
  for (let i = 0; i < keys.n; i++) q.a.push(keys.mac(client, i, stmt));
  return q;
}

/** Whether replica `me` can trust that `q` came from its client unaltered. */
export function checkRequestMac(keys: ReplicaKeys, cluster: string, me: number, q: Request, info: RequestInfo): boolean {
  if (q.c < keys.n) return false;
  const stmt = requestStatement(cluster, q.c, q.r, info.valueDigest, info.schemaDigest);
  return typeof q.a[me] === 'string' && keys.checkMac(q.c, me, stmt, q.a[me]);
}
