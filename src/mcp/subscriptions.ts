import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Change, ChangeFeed } from '../change-feed.js';
import { NAMESPACE_RE } from '../memory/schemas.js';
import { UUID_RE } from './fields.js';
import { DOC_ID_RE } from '../patterns/crdt/codec.js';

/** What a session may subscribe to, by the resources its server registered. */
export type SubscribableKind = 'memory' | 'crdt' | 'agents';

/** A subscription cap per session, so one client cannot grow the server's memory without bound. */
export const MAX_SUBSCRIPTIONS = 1000;
const MAX_URI = 512;

/** A JSON-RPC error whose message goes out as written (the SDK's McpError prefixes it). */
class SubscribeError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const SUPPORTED: Record<SubscribableKind, string> = {
  memory: 'memory://{namespace}, memory://{namespace}/{id}',
  crdt: 'crdt://{doc}',
  agents: 'agents://{run_id}',
};

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * The key a URI is watched under ("memory:ns", "memory:ns/id", "crdt:doc", "agents:run"), or an
 * error text saying what is accepted.
 */
export function subscriptionKey(uri: string, kinds: ReadonlySet<SubscribableKind>): string | { error: string } {
  const accepted = () =>
    `Subscriptions are available for ${[...kinds].map((k) => SUPPORTED[k]).join(', ') || 'no resources on this server'}.`;
  if (uri.length > MAX_URI) return { error: `The URI is over ${MAX_URI} characters. ${accepted()}` };
  const m = /^([a-z]+):\/\/([^/?#]+)(?:\/([^/?#]+))?$/.exec(uri);
  const kind = m?.[1] as SubscribableKind | undefined;
  if (!m || !kind || !kinds.has(kind)) return { error: `Cannot subscribe to "${uri.slice(0, 120)}". ${accepted()}` };
  const host = decode(m[2]);
  const sub = m[3] === undefined ? undefined : decode(m[3]);
  if (kind === 'memory' && host !== undefined && NAMESPACE_RE.test(host) && (m[3] === undefined || (sub && sub.length <= 200))) {
    return sub === undefined ? `memory:${host}` : `memory:${host}/${sub}`;
  }
  if (kind === 'crdt' && m[3] === undefined && host !== undefined && DOC_ID_RE.test(host)) return `crdt:${host}`;
  if (kind === 'agents' && m[3] === undefined && host !== undefined && UUID_RE.test(host)) return `agents:${host}`;
  return { error: `"${uri.slice(0, 120)}" is not a valid ${kind}:// URI. ${accepted()}` };
}

/** The keys a change touches (single memories only when someone watches one: a namespace delete may hold many). */
function keysOf(c: Change, perMemory: boolean): string[] {
  switch (c.kind) {
    case 'memory':
      return c.changes.flatMap((m) => [
        `memory:${m.namespace}`,
        ...(perMemory ? m.ids.map((id) => `memory:${m.namespace}/${id}`) : []),
      ]);
    case 'crdt':
      return [`crdt:${c.doc}`];
    case 'agents':
      return c.runIds.map((r) => `agents:${r}`);
    default:
      return [];
  }
}

/**
 * resources/subscribe and resources/unsubscribe for one session, fed by the process-wide change
 * feed. Updates are coalesced per event-loop turn: a burst of writes to one namespace is one
 * notifications/resources/updated per subscribed URI. List changes of the registered resource
 * kinds go out as notifications/resources/list_changed. Returns the function that detaches the
 * session from the feed (session close).
 */
export function enableSubscriptions(server: McpServer, feed: ChangeFeed, kinds: ReadonlySet<SubscribableKind>): () => void {
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  /** key -> the URIs the client subscribed with (answered with its own spelling). */
  const subs = new Map<string, Set<string>>();
  let count = 0;
  const pending = new Set<string>();
  let listChanged = false;
  let scheduled: NodeJS.Immediate | undefined;

  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const key = subscriptionKey(req.params.uri, kinds);
    if (typeof key !== 'string') throw new SubscribeError(ErrorCode.InvalidParams, key.error);
    let uris = subs.get(key);
    if (uris?.has(req.params.uri)) return {};
    if (count >= MAX_SUBSCRIPTIONS) {
      throw new SubscribeError(
        ErrorCode.InvalidParams,
        `This session already has ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from some first.`,
      );
    }
    if (!uris) subs.set(key, (uris = new Set()));
    uris.add(req.params.uri);
    count++;
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    const key = subscriptionKey(req.params.uri, kinds);
    const uris = typeof key === 'string' ? subs.get(key) : undefined;
    // Unsubscribing from something never subscribed is a no-op, as the spec's idempotence suggests.
    if (uris?.delete(req.params.uri)) {
      count--;
      if (!uris.size) subs.delete(key as string);
    }
    return {};
  });

  const flush = () => {
    scheduled = undefined;
    if (!server.isConnected()) return;
    for (const uri of pending) void server.server.sendResourceUpdated({ uri }).catch(() => {});
    pending.clear();
    if (listChanged) server.sendResourceListChanged();
    listChanged = false;
  };

  const stop = feed.listen((c) => {
    if (c.kind === 'list') {
      if (!kinds.has(c.of)) return;
      listChanged = true;
    } else {
      if (!subs.size) return;
      const perMemory = [...subs.keys()].some((k) => k.startsWith('memory:') && k.includes('/'));
      for (const key of keysOf(c, perMemory)) subs.get(key)?.forEach((uri) => pending.add(uri));
      if (!pending.size) return;
    }
    scheduled ??= setImmediate(flush);
  });

  return () => {
    stop();
    if (scheduled) clearImmediate(scheduled);
    subs.clear();
    pending.clear();
  };
}
