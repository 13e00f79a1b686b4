import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { tokenMatches } from '../transport/guard.js';

/**
 * Who may read the dashboard, /api and /metrics. Host and Origin are checked before any of this,
 * for every path (transport/http.ts).
 *
 * - With a token set, every path needs it, the page itself included: nothing is served without it.
 *   Programs send "Authorization: Bearer <token>" as to /mcp. A browser cannot add that header to
 *   a page load or an EventSource, so the dashboard paths (not /metrics, not /mcp) also take HTTP
 *   Basic with the token as the password: the browser asks once, then sends it on every request
 *   of the page, the live-update stream included. The token is never in a URL, a cookie or
 *   script-readable storage.
 * - A browser attaches Basic credentials to requests other sites make too, so requests a browser
 *   marks as coming from another site (Fetch Metadata: Sec-Fetch-Site) are refused, except plain
 *   navigations; and no response may be embedded by another origin (Cross-Origin-Resource-Policy).
 *   Every path is read-only, so a forged request could change nothing anyway.
 */

export interface Refusal {
  status: 401 | 403;
  message: string;
  headers: Record<string, string>;
}

/** Constant-time check of "Basic base64(user:password)" with the token as the password (any user). */
export function basicMatches(header: string | undefined, token: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const a = createHash('sha256')
    .update(decoded.slice(colon + 1))
    .digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * The Fetch Metadata resource-isolation policy: a request from this origin, a user's own
 * navigation (typed URL, bookmark), or a top-level navigation is allowed; anything else another
 * site's page started is not. Clients that send no Sec-Fetch-Site (curl, Prometheus, old
 * browsers) are allowed: the token and the Host/Origin checks stand for them.
 */
export function crossSiteRefusal(h: IncomingHttpHeaders, method: string): Refusal | undefined {
  const site = h['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  const dest = h['sec-fetch-dest'];
  if (h['sec-fetch-mode'] === 'navigate' && method === 'GET' && dest !== 'object' && dest !== 'embed') return undefined;
  return {
    status: 403,
    message: `Requests from another site (Sec-Fetch-Site: ${String(site).slice(0, 20)}) are refused; open the dashboard directly.`,
    headers: {},
  };
}

/**
 * Token check for one request. `browser` paths (the page, its assets, /api) take Bearer or Basic
 * and challenge with Basic so a browser asks for it; /metrics takes Bearer only, as /mcp does.
 */
export function tokenRefusal(h: IncomingHttpHeaders, token: string | undefined, browser: boolean): Refusal | undefined {
  if (!token) return undefined;
  const auth = h.authorization;
  if (tokenMatches(auth, token) || (browser && basicMatches(auth, token))) return undefined;
  return browser
    ? {
        status: 401,
        message:
          'This sixfold server needs its token: send "Authorization: Bearer <SIXFOLD_HTTP_TOKEN>", or in a browser sign in with any user name and the token as the password.',
        headers: { 'www-authenticate': 'Basic realm="sixfold", charset="UTF-8"' },
      }
    : {
        status: 401,
        message: 'Missing or wrong bearer token: send "Authorization: Bearer <SIXFOLD_HTTP_TOKEN>".',
        headers: { 'www-authenticate': 'Bearer' },
      };
}
