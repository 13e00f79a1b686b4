/**
 * A subscription update caused by a gossip peer, between real processes: A listens for gossip,
 * B (over stdio or HTTP) dials it with --peer; a client of B subscribed to crdt://{doc} is told
 * when an edit made on A arrives. (test/unit/subscriptions-feed.test.ts checks the same path at
 * the DocStore change feed, whatever carries the gossip.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TRANSPORTS, startFixture, type Fixture } from '../helpers/both.js';
import { callOk } from '../helpers/mcp.js';
import { makeTempDir, resourceJson, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';
import type { GossipStatus } from '../../src/transport/gossip-node.js';

const open: Array<{ close(): Promise<unknown> }> = [];
const dirs: TempDir[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) d.remove();
});

/** Polls `probe` until `ok` holds; fails after `ms` with the last value seen. */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 20)); // poll interval, not a synchronisation
  }
}

const status = (c: Client) => callOk<GossipStatus>(c, 'gossip_status', {});

describe.each(TRANSPORTS)('gossip → subscription, subscriber over %s', (kind) => {
  it('an edit on peer A reaches a crdt:// subscriber on B as notifications/resources/updated', async () => {
    const ta = makeTempDir('sixfold-gossip-sub-a-');
    dirs.push(ta);
    const a: StdioClientHandle = await startStdioClient({ db: ta.db, xdg: ta.xdg, logLevel: 'info', extraArgs: ['--gossip-port', '0'] });
    open.push(a);
    const url = (await until(() => status(a.client), (s) => s.listen_url !== null, 5000, 'A to listen')).listen_url!;
    const b: Fixture = await startFixture(kind, { extraArgs: ['--peer', url] });
    open.push(b);
    await until(() => status(b.main.client), (s) => s.peers.some((p) => p.state === 'open'), 10_000, 'B to connect to A');

    await b.main.client.subscribeResource({ uri: 'crdt://gossiped' });
    await callOk(a.client, 'crdt_merge', { doc: 'gossiped', ops: [{ op: 'map_set', target: 'm', key: 'from_a', value: 1 }] });
    await b.main.inbox.updated('crdt://gossiped');
    expect(resourceJson(await b.main.client.readResource({ uri: 'crdt://gossiped' }))).toEqual({ m: { from_a: 1 } });
    // A new document arrived too: B's document list changed.
    await b.main.inbox.waitFor((n) => n.method === 'notifications/resources/list_changed', 'list_changed on B');
  });
});
