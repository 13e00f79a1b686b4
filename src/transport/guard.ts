import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { isLoopbackHost } from '../config.js';
import { SixfoldError } from '../errors.js';

/** What the HTTP listener checks on every connection: the bearer token and the Host header. */

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** Host header names that mean this server: loopback names, the bound address, and configured extras. */
export function allowedHostnames(host: string, extra: string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map((h) => h.toLowerCase())]);
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (WILDCARD.has(host)) {
    // Bound everywhere: accept this machine's own names and addresses, nothing else.
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  } else {
    names.add(bare);
  }
  return names;
}

export function hostnameOf(hostHeader: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (m) return m[1].toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

/** Constant-time token check (hashing first makes the lengths equal). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1].trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** A listener beyond loopback without a token would be open to the network: refused at start. */
export function assertTokenBeyondLoopback(host: string, token: string | undefined, refusal: string, hint: string): void {
  if (!isLoopbackHost(host) && !token) throw new SixfoldError('config', refusal, hint);
}
