import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { isLoopbackHost } from '../config.js';
import { SixfoldError } from '../errors.js';

/** What the HTTP listener checks on every request: the names it answers to, and the bearer token. */

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/**
 * A host name or address as the WHATWG URL parser gives `hostname` (lower case, IPv6 in brackets,
 * any port dropped): the form the SDK's Host check compares. Undefined for what cannot be a host.
 */
export function urlHostname(name: string): string | undefined {
  const v6 = name.startsWith('[') || (name.match(/:/g)?.length ?? 0) > 1;
  try {
    return new URL(`http://${v6 ? `[${name.replace(/^\[|\](:\d+)?$/g, '')}]` : name}`).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** Host names that mean this server: loopback names, the bound address, and configured extras. */
export function allowedHostnames(host: string, extra: string[] = []): string[] {
  const names = ['localhost', '127.0.0.1', '::1', ...extra];
  if (WILDCARD.has(host)) {
    // Bound everywhere: accept this machine's own names and addresses, nothing else.
    names.push(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.push(a.address);
  } else {
    names.push(host);
  }
  return [...new Set(names.map(urlHostname).filter((n): n is string => n !== undefined))];
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
