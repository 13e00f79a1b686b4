/**
 * Subscriptions fed by the change feed, in process, with a real MCP client (in-memory transport):
 * a change a gossip peer brings in reaches a subscriber. The gossip side is what every gossip
 * layer does with a peer's update: DocStore.merge with the peer as origin.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ChangeFeed, watchNamespaces, type Change } from '../../../src/change-feed.js';
import type { Deps } from '../../../src/deps.js';
import { lazy } from '../../../src/lazy.js';
import { openDatabase, type DB } from '../../../src/memory/db.js';
import { DocStore } from '../../../src/patterns/crdt/docs.js';
import { enableSubscriptions, subscriptionKey, MAX_SUBSCRIPTIONS } from '../../../src/mcp/subscriptions.js';
import { registerCrdtResources } from '../../../resources/crdt.js';
import { tempDir } from '../helpers.js';

let dir: ReturnType<typeof tempDir>;
let dbs: DB[];

beforeEach(() => {
  dir = tempDir();
  dbs = [];
});
afterEach(() => {
  for (const db of dbs) db.close();
  dir.remove();
});

function node(name: string, feed: ChangeFeed): DocStore {
  const db = openDatabase(join(dir.path, `${name}.db`));
  dbs.push(db);
  return new DocStore(db, {
    compactEvery: 100,
    cacheSize: 8,
    maxDocBytes: 1 << 20,
    onCommitted: (doc, { created, origin }) => {
      feed.emit({ kind: 'crdt', doc, created, origin });
      if (created) feed.emit({ kind: 'list', of: 'crdt' });
    },
  });
}

async function subscriber(docs: DocStore, feed: ChangeFeed) {
  const server = new McpServer({ name: 't', version: '0' });
  registerCrdtResources(server, { crdt: lazy(async () => docs) } as unknown as Deps);
  const stop = enableSubscriptions(server, feed, new Set(['crdt']));
  const client = new Client({ name: 'c', version: '0' });
  const got: Array<{ method: string; uri?: string }> = [];
  let wake: (() => void) | undefined;
  const push = (method: string, uri?: string) => {
    got.push({ method, uri });
    wake?.();
  };
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => push(n.method, n.params.uri));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => push(n.method));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const until = (ok: () => boolean) =>
    new Promise<void>((resolve) => {
      if (ok()) return resolve();
      wake = () => {
        if (ok()) resolve();
      };
    });
  return {
    client,
    got,
    until,
    close: async () => {
      stop();
      await client.close();
      await server.close();
    },
  };
}

describe('subscriptions over the change feed', () => {
  it('a document change a gossip peer brings in notifies crdt://{doc} subscribers (and a new doc, list_changed)', async () => {
    const feedA = new ChangeFeed();
    const feedB = new ChangeFeed();
    const a = node('a', feedA);
    const b = node('b', feedB);
    // What gossip pushes: the update a local merge added (DocStore.onChange), to the peer.
    a.onChange = (doc, update) => {
      b.merge(doc, { updates: [update], origin: 'peer-a' });
    };
    const seen: Change[] = [];
    feedB.listen((c) => seen.push(c));
    const s = await subscriber(b, feedB);
    await s.client.subscribeResource({ uri: 'crdt://shared' });

    a.merge('shared', { ops: [{ op: 'map_set', target: 'm', key: 'from_a', value: 1 }] });
    await s.until(() => s.got.some((g) => g.uri === 'crdt://shared'));
    expect(seen).toContainEqual({ kind: 'crdt', doc: 'shared', created: true, origin: 'peer-a' });
    await s.until(() => s.got.some((g) => g.method === 'notifications/resources/list_changed'));
    expect(b.view('shared').snapshot).toEqual({ m: { from_a: 1 } });

    // Nothing for a document nobody subscribed to, beyond the list change of its creation.
    const before = s.got.filter((g) => g.method === 'notifications/resources/updated').length;
    a.merge('other', { ops: [{ op: 'map_set', target: 'm', key: 'x', value: 2 }] });
    a.merge('shared', { ops: [{ op: 'map_set', target: 'm', key: 'again', value: 3 }] });
    await s.until(() => s.got.filter((g) => g.method === 'notifications/resources/updated').length > before);
    expect(
      s.got
        .filter((g) => g.method === 'notifications/resources/updated')
        .slice(before)
        .map((g) => g.uri),
    ).toEqual(['crdt://shared']);
    await s.close();
    expect(feedB.listeners()).toBe(1); // only the test's own listener is left after close
  });

  it('coalesces a burst of changes into one notice per subscribed URI', async () => {
    const feed = new ChangeFeed();
    const docs = node('c', feed);
    const s = await subscriber(docs, feed);
    await s.client.subscribeResource({ uri: 'crdt://burst' });
    for (let i = 0; i < 50; i++) docs.merge('burst', { ops: [{ op: 'map_set', target: 'm', key: `k${i}`, value: i }] });
    await s.until(() => s.got.some((g) => g.uri === 'crdt://burst'));
    await s.client.ping(); // a round trip later, anything else would be here too
    expect(s.got.filter((g) => g.uri === 'crdt://burst')).toHaveLength(1);
    await s.close();
  });

  it('caps subscriptions per session', async () => {
    const feed = new ChangeFeed();
    const s = await subscriber(node('d', feed), feed);
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await s.client.subscribeResource({ uri: `crdt://d${i}` });
    await expect(s.client.subscribeResource({ uri: 'crdt://one-too-many' })).rejects.toThrow(/already has 1000 subscriptions/);
    await s.client.unsubscribeResource({ uri: 'crdt://d0' });
    await s.client.subscribeResource({ uri: 'crdt://one-too-many' });
    await s.close();
  });

  it('subscriptionKey accepts only the registered kinds and well-formed URIs', () => {
    const kinds = new Set(['memory', 'crdt', 'agents'] as const);
    expect(subscriptionKey('memory://notes', kinds)).toBe('memory:notes');
    expect(subscriptionKey('memory://notes/abc', kinds)).toBe('memory:notes/abc');
    expect(subscriptionKey('crdt://a%3Ab', kinds)).toBe('crdt:a:b');
    expect(subscriptionKey('agents://00000000-0000-4000-8000-000000000000', kinds)).toBe(
      'agents:00000000-0000-4000-8000-000000000000',
    );
    expect(subscriptionKey('crdt://x', new Set(['memory'] as const))).toMatchObject({
      error: expect.stringMatching(/available for memory:\/\/\{namespace\}/),
    });
    expect(subscriptionKey('memory://%E0%A4%A', kinds)).toMatchObject({ error: expect.any(String) });
    expect(subscriptionKey('memory://__proto__', kinds)).toBe('memory:__proto__'); // a valid name, kept in a Map
    expect(subscriptionKey('crdt://a/b', kinds)).toMatchObject({ error: expect.stringMatching(/not a valid crdt/) });
  });

  it('watchNamespaces reports a namespace appearing and disappearing', () => {
    const feed = new ChangeFeed();
    const present = new Set(['kept']);
    const lists: Change[] = [];
    feed.listen((c) => {
      if (c.kind === 'list') lists.push(c);
    });
    watchNamespaces(feed, {
      namespaces: () => [...present].map((namespace) => ({ namespace })),
      hasNamespace: (ns) => present.has(ns),
    });
    feed.emit({ kind: 'memory', changes: [{ op: 'insert', namespace: 'kept', ids: ['1'] }] });
    expect(lists).toHaveLength(0);
    present.add('new');
    feed.emit({ kind: 'memory', changes: [{ op: 'insert', namespace: 'new', ids: ['2'] }] });
    expect(lists).toHaveLength(1);
    feed.emit({ kind: 'memory', changes: [{ op: 'delete', namespace: 'new', ids: ['2'] }] }); // still has rows
    expect(lists).toHaveLength(1);
    present.delete('new');
    feed.emit({ kind: 'memory', changes: [{ op: 'delete', namespace: 'new', ids: ['3'] }] });
    expect(lists).toHaveLength(2);
  });
});
