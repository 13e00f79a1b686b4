/**
 * resources/subscribe over stdio and HTTP: memory://{namespace} and memory://{namespace}/{id},
 * crdt://{doc}, agents://{run_id}; notifications/resources/updated when they change (whoever
 * changed them), none after unsubscribe, list_changed when a namespace or document appears, and
 * refusals for what cannot be subscribed to. Tool results link what they made; the links resolve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TRANSPORTS, startFixture, type Fixture, type Session } from '../helpers/both.js';
import { callOk, type StoreResult } from '../helpers/mcp.js';
import { resourceJson, withTimeout } from '../helpers/server.js';

const UPDATED = 'notifications/resources/updated';
const LIST = 'notifications/resources/list_changed';

/** A sampling handler that holds each request until released, so a run can be watched mid-way. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  let arrived!: () => void;
  const asked = new Promise<void>((r) => {
    arrived = r;
  });
  return {
    open,
    asked,
    setup: (client: Client) =>
      client.setRequestHandler(CreateMessageRequestSchema, async () => {
        arrived();
        await opened;
        return { model: 'gated-model', role: 'assistant' as const, content: { type: 'text' as const, text: 'done' } };
      }),
  };
}

describe.each(TRANSPORTS)('resource subscriptions over %s', (kind) => {
  let f: Fixture;
  let main: Session;
  let writer: Session;
  const g = gate();

  beforeAll(async () => {
    f = await startFixture(kind, { client: { capabilities: { sampling: {} }, setup: g.setup } });
    main = f.main;
    writer = await f.writer();
  });
  afterAll(async () => {
    g.open();
    await f?.close();
  });

  it('the server declares resources.subscribe', () => {
    expect(main.client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true, listChanged: true });
  });

  it('memory://{namespace} and memory://{namespace}/{id}: updated on store, update, delete; nothing after unsubscribe', async () => {
    const c = main.client;
    await c.subscribeResource({ uri: 'memory://subs' });
    await c.subscribeResource({ uri: 'memory://barrier' });
    const m = await callOk<StoreResult>(writer.client, 'memory_store', {
      content: 'a memory someone else stores',
      namespace: 'subs',
    });
    await main.inbox.updated('memory://subs');
    const one = `memory://subs/${m.id}`;
    await c.subscribeResource({ uri: one });
    await callOk(writer.client, 'memory_update', { id: m.id, tags: ['seen'] });
    await main.inbox.updated(one);
    const before = main.inbox.count((a) => a.method === UPDATED && a.params.uri === one);
    await callOk(writer.client, 'memory_delete', { id: m.id });
    await main.inbox.waitFor(
      (a) => a.method === UPDATED && a.params.uri === one && main.inbox.count((x) => x.params.uri === one) > before,
      'the delete notice',
    );

    await c.unsubscribeResource({ uri: 'memory://subs' });
    const subsBefore = main.inbox.count((a) => a.params.uri === 'memory://subs');
    await callOk(writer.client, 'memory_store', { content: 'stored after unsubscribing', namespace: 'subs' });
    const barrierBefore = main.inbox.count((a) => a.params.uri === 'memory://barrier');
    await callOk(writer.client, 'memory_store', { content: 'the barrier', namespace: 'barrier' });
    // Notifications go out in order: once the barrier's has arrived, any for "subs" would have too.
    await main.inbox.waitFor(
      (a) => a.params.uri === 'memory://barrier' && main.inbox.count((x) => x.params.uri === 'memory://barrier') > barrierBefore,
      'the barrier notice',
    );
    expect(main.inbox.count((a) => a.params.uri === 'memory://subs')).toBe(subsBefore);
  });

  it('list_changed when a namespace appears', async () => {
    const before = main.inbox.count((a) => a.method === LIST);
    await callOk(writer.client, 'memory_store', { content: 'first of its namespace', namespace: `fresh-${kind}` });
    await main.inbox.waitFor(() => main.inbox.count((a) => a.method === LIST) > before, 'list_changed');
    const listed = (await main.client.listResources()).resources.map((r) => r.uri);
    expect(listed).toContain(`memory://fresh-${kind}`);
  });

  it('crdt://{doc}: updated on merge; list_changed for a new document; crdt_merge links the document', async () => {
    const lists = main.inbox.count((a) => a.method === LIST);
    await main.client.subscribeResource({ uri: 'crdt://shared:doc' });
    const r = await writer.client.callTool({
      name: 'crdt_merge',
      arguments: { doc: 'shared:doc', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] },
    });
    expect(r.isError).toBeFalsy();
    await main.inbox.updated('crdt://shared:doc');
    await main.inbox.waitFor(() => main.inbox.count((a) => a.method === LIST) > lists, 'list_changed for the new document');
    const link = (r.content as Array<{ type: string; uri?: string }>).find((x) => x.type === 'resource_link');
    expect(link?.uri).toBe('crdt://shared%3Adoc');
    expect(resourceJson(await main.client.readResource({ uri: link!.uri! }))).toEqual({ m: { k: 1 } });
  });

  it("agents://{run_id}: updated as the run's agents change; spawn_ephemeral links the run", async () => {
    const c = main.client;
    const call = c.callTool({ name: 'spawn_ephemeral', arguments: { task: 'Say done', count: 1, memory_k: 0 } });
    await withTimeout(g.asked, 10_000, 'the agent to ask the client (sampling)');
    const listed = await callOk<{ agents: Array<{ run_id: string; status: string }> }>(writer.client, 'list_agents', {
      status: 'running',
    });
    const runId = listed.agents[0].run_id;
    await c.subscribeResource({ uri: `agents://${runId}` });
    g.open();
    const r = await call;
    expect(r.isError).toBeFalsy();
    await main.inbox.updated(`agents://${runId}`);
    const link = (r.content as Array<{ type: string; uri?: string }>).find((x) => x.type === 'resource_link');
    expect(link?.uri).toBe(`agents://${runId}`);
    const run = resourceJson<{ agents: Array<{ status: string }> }>(await c.readResource({ uri: link!.uri! }));
    expect(run.agents.map((a) => a.status)).toEqual(['succeeded']);
  });

  it('refuses what cannot be subscribed to, saying what can', async () => {
    const c = main.client;
    await expect(c.subscribeResource({ uri: 'https://example.com/x' })).rejects.toThrow(
      /Cannot subscribe to "https:\/\/example.com\/x"\. Subscriptions are available for memory:\/\/\{namespace\}/,
    );
    await expect(c.subscribeResource({ uri: 'memory://Bad NS' })).rejects.toThrow(/Cannot subscribe|not a valid memory/);
    await expect(c.subscribeResource({ uri: 'memory://UPPER' })).rejects.toThrow(/not a valid memory:\/\/ URI/);
    await expect(c.subscribeResource({ uri: 'agents://not-a-run' })).rejects.toThrow(/not a valid agents:\/\/ URI/);
    await expect(c.subscribeResource({ uri: `memory://${'n'.repeat(600)}` })).rejects.toThrow(/over 512 characters/);
    await c.unsubscribeResource({ uri: 'memory://never-subscribed' }); // a no-op, not an error
    await callOk(c, 'memory_list', { limit: 1 });
  });
});
