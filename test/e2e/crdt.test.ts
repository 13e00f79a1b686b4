/**
 * crdt_merge / crdt_read / crdt:// / gossip_status end to end: the built server over stdio, driven
 * by the SDK Client. Updates come from plain Y.Docs in the test (raw-Yjs interop); bad input of
 * every kind is refused with isError and leaves the document as it was.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocView } from '../../src/patterns/crdt/docs.js';
import { callErr, callOk, expectMatchesSchema } from '../helpers/mcp.js';
import { makeTempDir, resourceJson, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

/** The tools' structured result: the store's view plus merge's `changed`. */
type View = DocView & { changed?: boolean };

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

let tmp: TempDir;
let h: StdioClientHandle;

beforeAll(async () => {
  tmp = makeTempDir();
  h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
});
afterAll(async () => {
  await h?.close();
  tmp?.remove();
});

const merge = (args: Record<string, unknown>) => callOk<View>(h.client, 'crdt_merge', args);
const read = (args: Record<string, unknown>) => callOk<View>(h.client, 'crdt_read', args);

describe('crdt_merge and crdt_read', () => {
  it('raw Yjs updates merged through the tool give the same toJSON and state vector as Yjs itself', async () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const ups: Uint8Array[] = [];
    a.on('update', (u: Uint8Array) => ups.push(u));
    b.on('update', (u: Uint8Array) => ups.push(u));
    a.getText('body').insert(0, 'hello world');
    b.getMap('meta').set('title', 'Plan');
    a.getArray('items').push([1, { two: 2 }]);
    b.getMap('meta').set('tags', ['x', 'y']);
    a.getText('body').delete(5, 6);
    b.getXmlFragment('rich').insert(0, [new Y.XmlElement('p')]);

    const first = await merge({ doc: 'interop', updates: ups.slice(0, 3).map(b64) });
    expect(first.changed).toBe(true);
    const done = await merge({ doc: 'interop', updates: ups.slice(3).map(b64) });

    const ref = new Y.Doc();
    for (const u of ups) Y.applyUpdate(ref, u);
    ref.getText('body');
    ref.getMap('meta');
    ref.getArray('items');
    ref.getXmlFragment('rich');
    expect(done.snapshot).toEqual(ref.toJSON());
    expect(done.snapshot).toEqual({
      body: 'hello',
      meta: { title: 'Plan', tags: ['x', 'y'] },
      items: [1, { two: 2 }],
      rich: '<p></p>',
    });
    expect(bytes(done.state_vector)).toEqual(Y.encodeStateVector(ref));
    expect(done.clients).toBe(2);

    // The returned full update rebuilds the same doc in a fresh Yjs client.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, bytes(done.update));
    expect(copy.getText('body').toString()).toBe('hello');

    // Re-sending known updates changes nothing.
    expect((await merge({ doc: 'interop', updates: ups.map(b64) })).changed).toBe(false);

    // since: only what that state vector lacks.
    const sv = Y.encodeStateVector(a);
    const diff = await read({ doc: 'interop', since: b64(sv) });
    const a2 = new Y.Doc();
    Y.applyUpdate(a2, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(a2, bytes(diff.update));
    a2.getText('body');
    a2.getArray('items');
    a2.getMap('meta');
    a2.getXmlFragment('rich');
    expect(a2.toJSON()).toEqual(ref.toJSON());
    expect(bytes(diff.update).byteLength).toBeLessThan(bytes(done.update).byteLength);
  });

  it('ops from different actors converge whatever the order they are merged in', async () => {
    const opsA = [
      { op: 'text_insert', target: 't', value: 'A' },
      { op: 'map_set', target: 'm', key: 'k', value: 'a' },
    ];
    const opsB = [
      { op: 'text_insert', target: 't', value: 'B' },
      { op: 'map_set', target: 'm', key: 'k', value: 'b' },
    ];
    const a = await merge({ doc: 'actors.a', ops: opsA, actor: 'alice' });
    const b = await merge({ doc: 'actors.b', ops: opsB, actor: 'bob' });
    const ab = await merge({ doc: 'actors.ab', updates: [a.update, b.update] });
    const ba1 = await merge({ doc: 'actors.ba', updates: [b.update] });
    expect(ba1.snapshot).toEqual(b.snapshot);
    const ba = await merge({ doc: 'actors.ba', updates: [a.update] });
    expect(ba.snapshot).toEqual(ab.snapshot);
    expect(ba.state_vector).toBe(ab.state_vector);
    expect(['AB', 'BA']).toContain(ab.snapshot.t);
    expect(ab.clients).toBe(2);
  });

  it('nested paths, every op kind, and outputs that match the declared schema', async () => {
    const v = await merge({
      doc: 'ops:all',
      actor: 'llm',
      ops: [
        { op: 'map_set', target: 'cfg', path: ['ui', 'theme'], key: 'color', value: 'red' },
        { op: 'map_set', target: 'cfg', key: 'drop', value: 1 },
        { op: 'map_delete', target: 'cfg', key: 'drop' },
        { op: 'text_insert', target: 'doc', value: 'hello' },
        { op: 'text_insert', target: 'doc', index: 0, value: '>> ' },
        { op: 'text_delete', target: 'doc', index: 0, length: 3 },
        { op: 'array_push', target: 'list', value: 'b' },
        { op: 'array_insert', target: 'list', index: 0, value: 'a' },
        { op: 'array_push', target: 'list', value: 'c' },
        { op: 'array_delete', target: 'list', index: 2 },
        { op: 'text_insert', target: 'cfg', path: ['notes'], value: 'nested text' },
      ],
    });
    expect(v.snapshot).toEqual({
      cfg: { ui: { theme: { color: 'red' } }, notes: 'nested text' },
      doc: 'hello',
      list: ['a', 'b'],
    });
    const tools = (await h.client.listTools()).tools;
    for (const name of ['crdt_merge', 'crdt_read', 'gossip_status']) {
      const t = tools.find((x) => x.name === name)!;
      expect(t.outputSchema).toBeDefined();
      if (name === 'crdt_merge') expectMatchesSchema(t.outputSchema, v);
    }
    expect(tools.find((x) => x.name === 'crdt_read')!.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((x) => x.name === 'crdt_merge')!.annotations?.readOnlyHint).toBe(false);
    const status = await callOk<{ enabled: boolean; peers: unknown[] }>(h.client, 'gossip_status', {});
    expect(status.enabled).toBe(false);
    expectMatchesSchema(tools.find((x) => x.name === 'gossip_status')!.outputSchema, status);
  });

  it('crdt:// lists documents and crdt://{doc} is the snapshot', async () => {
    await merge({ doc: 'res.doc', ops: [{ op: 'map_set', target: 'm', key: 'x', value: 1 }] });
    const list = resourceJson<{ docs: Array<{ doc: string; uri: string }> }>(await h.client.readResource({ uri: 'crdt://' }));
    const entry = list.docs.find((d) => d.doc === 'ops:all');
    expect(entry?.uri).toBe('crdt://ops%3Aall');
    expect(resourceJson(await h.client.readResource({ uri: 'crdt://res.doc' }))).toEqual({ m: { x: 1 } });
    expect(resourceJson<Record<string, unknown>>(await h.client.readResource({ uri: entry!.uri })).doc).toBe('hello');
    const templates = (await h.client.listResources()).resources.map((r) => r.uri);
    expect(templates).toContain('crdt://res.doc');
    await expect(h.client.readResource({ uri: 'crdt://missing' })).rejects.toThrow(/No CRDT document "missing"/);
  });
});

describe('crdt bad input: isError with what to send, document untouched, server up', () => {
  it('refuses every kind of bad input', async () => {
    const before = await merge({
      doc: 'bad',
      ops: [
        { op: 'map_set', target: 'm', key: 'k', value: 1 },
        { op: 'text_insert', target: 't', value: 'abc' },
      ],
    });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        {
          doc: 'bad',
          ops: [
            { op: 'map_set', target: 'm', key: 'z', value: 2 },
            { op: 'text_insert', target: 'm', value: 'x' },
          ],
        },
        /needs "m" to be a text, but it is a map/,
      ],
      [{ doc: 'bad', ops: [{ op: 'array_push', target: 't', value: 1 }] }, /needs "t" to be a array, but it is a text/],
      [{ doc: 'bad', ops: [{ op: 'text_delete', target: 't', index: 1, length: 9 }] }, /out of range/],
      [{ doc: 'bad', ops: [{ op: 'map_set', target: 'm', value: 1 }] }, /missing "key"/],
      [{ doc: 'bad', ops: [{ op: 'text_insert', target: 't', value: 5 }] }, /value must be a string/],
      [{ doc: 'bad', ops: [{ op: 'explode', target: 'm' }] }, /op must be one of/],
      [{ doc: 'bad', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1, colour: 'x' }] }, /Unknown op field/],
      [{ doc: 'bad', updates: [b64(new Uint8Array([1, 2, 3, 4, 5]))] }, /updates\[0\] is not a Yjs update/],
      [{ doc: 'bad', updates: ['%%% not base64'] }, /not base64/],
      [{ doc: 'bad' }, /Nothing to merge/],
      [{ doc: 'bad', ops: [] }, /Nothing to merge/],
      [{ doc: 'no spaces allowed', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] }, /doc must be 1-128 characters/],
      [{ doc: 'bad', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 'x'.repeat(70_000) }] }, /over 64 KiB/],
      [
        { doc: 'bad', ops: Array.from({ length: 1001 }, () => ({ op: 'array_push', target: 'a', value: 1 })) },
        /at most 1000 ops/,
      ],
      [{ doc: 'bad', ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }], extra: true }, /Unknown field/],
    ];
    for (const [args, re] of cases) expect(await callErr(h.client, 'crdt_merge', args)).toMatch(re);
    expect(await callErr(h.client, 'crdt_read', { doc: 'nope' })).toMatch(/No document "nope".*crdt_merge/);
    expect(await callErr(h.client, 'crdt_read', { doc: 'bad', since: '!!' })).toMatch(/since is not base64/);
    const after = await read({ doc: 'bad' });
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.state_vector).toBe(before.state_vector);
  });
});
