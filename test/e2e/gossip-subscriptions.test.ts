/**
 * A subscription update caused by a gossip peer, between real processes: two cluster nodes A and
 * B (B over stdio or HTTP); a client of B subscribed to crdt://{doc} is told when an edit made on
 * A arrives over the peer network. (test/unit/subscriptions-feed.test.ts checks the same path at
 * the DocStore change feed, whatever carries the gossip.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORTS, Inbox } from '../helpers/both.js';
import { fullyConnected, startCluster, stopCluster, type NodeHandle } from '../helpers/cluster.js';
import { callOk } from '../helpers/mcp.js';
import { resourceJson } from '../helpers/server.js';

let nodes: NodeHandle[] = [];
afterEach(async () => {
  await stopCluster(nodes);
  nodes = [];
});

describe.each(TRANSPORTS)('gossip → subscription, subscriber over %s', (kind) => {
  it('an edit on peer A reaches a crdt:// subscriber on B as notifications/resources/updated', async () => {
    nodes = await startCluster({ n: 2, http: kind === 'http' ? new Set([1]) : undefined });
    const [a, b] = nodes;
    const inbox = new Inbox(b.client);
    await fullyConnected(nodes);

    await b.client.subscribeResource({ uri: 'crdt://gossiped' });
    await callOk(a.client, 'crdt_merge', { doc: 'gossiped', ops: [{ op: 'map_set', target: 'm', key: 'from_a', value: 1 }] });
    await inbox.updated('crdt://gossiped');
    expect(resourceJson(await b.client.readResource({ uri: 'crdt://gossiped' }))).toEqual({ m: { from_a: 1 } });
    // A new document arrived too: B's document list changed.
    await inbox.waitFor((n) => n.method === 'notifications/resources/list_changed', 'list_changed on B');
  });
});
