import { join } from 'node:path';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../../src/memory/db.js';
import { fromBase64 } from '../../../../src/patterns/crdt/codec.js';
import { DocStore } from '../../../../src/patterns/crdt/docs.js';
import type { CrdtOp } from '../../../../src/patterns/crdt/ops.js';
import { tempDir, thrown } from '../../helpers.js';

let dir: ReturnType<typeof tempDir>;
let dbs: DB[];

function open(compactEvery = 3): DocStore {
  const db = openDatabase(join(dir.path, 'crdt.db'));
  dbs.push(db);
  return new DocStore(db, { compactEvery, cacheSize: 8, maxDocBytes: 1 << 20 });
}

function count(db: DB, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeEach(() => {
  dir = tempDir();
  dbs = [];
});
afterEach(() => {
  for (const db of dbs) db.close();
  dir.remove();
});

/** A plain Yjs client: its own doc and the updates it emitted, one per transaction. */
function client(id: number) {
  const doc = new Y.Doc();
  doc.clientID = id;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return { doc, updates };
}

describe('DocStore and raw Yjs interop', () => {
  it("merging a plain Y.Doc's updates gives the same toJSON and state vector as Yjs itself", () => {
    const a = client(11);
    const b = client(22);
    a.doc.getMap('m').set('x', 1);
    a.doc.getText('t').insert(0, 'hello');
    b.doc.getArray('list').push(['p', 'q']);
    b.doc.getMap('m').set('y', { nested: true });
    a.doc.getText('t').delete(1, 2);
    b.doc.getXmlFragment('x').insert(0, [new Y.XmlElement('p')]);
    const all = [...a.updates, ...b.updates];

    const reference = new Y.Doc();
    for (const u of all) Y.applyUpdate(reference, u);
    reference.getMap('m');
    reference.getText('t');
    reference.getArray('list');
    reference.getXmlFragment('x');

    const store = open();
    for (const u of all) store.merge('doc1', { updates: [u] });
    const view = store.view('doc1');
    expect(view.snapshot).toEqual(reference.toJSON());
    expect(view.snapshot).toEqual({ m: { x: 1, y: { nested: true } }, t: 'hlo', list: ['p', 'q'], x: '<p></p>' });
    expect(fromBase64(view.state_vector, 'sv')).toEqual(Y.encodeStateVector(reference));
    expect(view.clients).toBe(2);

    // The chosen types are persisted: a fresh process (new store, cold cache) shows the same snapshot.
    const again = open();
    expect(again.view('doc1').snapshot).toEqual(reference.toJSON());
  });

  it('update since a state vector is exactly the diff Yjs would send', () => {
    const a = client(1);
    a.doc.getText('t').insert(0, 'abc');
    const store = open();
    store.merge('d', { updates: a.updates });
    const sv = Y.encodeStateVector(a.doc);
    a.doc.getText('t').insert(3, 'def');
    store.merge('d', { updates: [a.updates[1]] });
    const diff = fromBase64(store.view('d', sv).update, 'u');
    const replay = new Y.Doc();
    Y.applyUpdate(replay, Y.encodeStateAsUpdate(a.doc, new Uint8Array([0])));
    const b = new Y.Doc();
    Y.applyUpdate(b, a.updates[0]);
    Y.applyUpdate(b, diff);
    expect(b.getText('t').toString()).toBe('abcdef');
  });

  it('concurrent ops from different actors converge whatever the order', () => {
    const edits: Array<{ actor: string; ops: CrdtOp[] }> = [
      {
        actor: 'alice',
        ops: [
          { op: 'map_set', target: 'cfg', key: 'color', value: 'red' },
          { op: 'text_insert', target: 'notes', value: 'A' },
        ],
      },
      {
        actor: 'bob',
        ops: [
          { op: 'map_set', target: 'cfg', key: 'color', value: 'blue' },
          { op: 'text_insert', target: 'notes', value: 'B' },
        ],
      },
      {
        actor: 'carol',
        ops: [
          { op: 'array_push', target: 'log', value: { n: 1 } },
          { op: 'map_set', target: 'cfg', path: ['deep', 'er'], key: 'k', value: 7 },
        ],
      },
    ];
    // Each actor edits its own replica (separate DBs), then the updates are exchanged in two orders.
    const updates = edits.map((e, i) => {
      const db = openDatabase(join(dir.path, `r${i}.db`));
      dbs.push(db);
      const s = new DocStore(db, { compactEvery: 100, cacheSize: 4, maxDocBytes: 1 << 20 });
      const pushed: Uint8Array[] = [];
      s.onChange = (_doc, u) => pushed.push(u);
      expect(s.merge('shared', e).changed).toBe(true);
      expect(pushed).toHaveLength(1);
      return pushed[0];
    });
    const x = open();
    x.merge('shared', { updates: [updates[0], updates[1], updates[2]] });
    const yDb = openDatabase(join(dir.path, 'y.db'));
    dbs.push(yDb);
    const y = new DocStore(yDb, { compactEvery: 100, cacheSize: 4, maxDocBytes: 1 << 20 });
    for (const u of [updates[2], updates[1], updates[0]]) y.merge('shared', { updates: [u] });
    const vx = x.view('shared');
    const vy = y.view('shared');
    expect(vx.snapshot).toEqual(vy.snapshot);
    expect(vx.state_vector).toBe(vy.state_vector);
    expect(['AB', 'BA']).toContain(vx.snapshot.notes);
    expect((vx.snapshot.cfg as Record<string, unknown>).deep).toEqual({ er: { k: 7 } });
    expect(vx.clients).toBe(3);
  });
});

describe('DocStore safety', () => {
  it('a type mismatch leaves the document untouched, even after earlier ops in the same call', () => {
    const store = open();
    store.merge('d', { ops: [{ op: 'map_set', target: 'm', key: 'a', value: 1 }] });
    const before = store.view('d');
    const err = thrown(() =>
      store.merge('d', {
        ops: [
          { op: 'map_set', target: 'm', key: 'b', value: 2 },
          { op: 'text_insert', target: 'm', value: 'x' },
        ],
      }),
    );
    expect(err.message).toMatch(/ops\[1\] \(text_insert\) needs "m" to be a text, but it is a map/);
    expect(store.view('d')).toEqual(before);
    expect(open().view('d').snapshot).toEqual({ m: { a: 1 } });
  });

  it('out-of-range indexes and missing fields are refused with what to send', () => {
    const store = open();
    store.merge('d', { ops: [{ op: 'text_insert', target: 't', value: 'abc' }] });
    expect(thrown(() => store.merge('d', { ops: [{ op: 'text_delete', target: 't', index: 2, length: 5 }] })).message).toMatch(
      /out of range.*length 3/,
    );
    expect(thrown(() => store.merge('d', { ops: [{ op: 'map_set', target: 'm', value: 1 }] })).message).toMatch(/missing "key"/);
    expect(thrown(() => store.merge('d', { ops: [{ op: 'array_insert', target: 'a', index: 1, value: 1 }] })).message).toMatch(
      /out of range/,
    );
    expect(store.view('d').snapshot).toEqual({ t: 'abc' });
  });

  it('garbage update bytes are refused and nothing is written', () => {
    const store = open();
    store.merge('d', { ops: [{ op: 'array_push', target: 'a', value: 1 }] });
    const rows = count(dbs[0], 'crdt_updates');
    const good = client(5);
    good.doc.getArray('a').push([2]);
    const err = thrown(() => store.merge('d', { updates: [good.updates[0], new Uint8Array([1, 2, 3, 4, 5])] }));
    expect(err.message).toMatch(/updates\[1\] is not a Yjs update/);
    expect(store.view('d').snapshot).toEqual({ a: [1] });
    expect(count(dbs[0], 'crdt_updates')).toBe(rows);
    expect(thrown(() => store.view('nope')).message).toMatch(/No document "nope"/);
  });

  it('compacts every N updates in a transaction and loses nothing across reopen', () => {
    const store = open(3);
    for (let i = 0; i < 7; i++) store.merge('d', { ops: [{ op: 'array_push', target: 'a', value: i }] });
    const db = dbs[0];
    expect(count(db, 'crdt_updates')).toBe(1); // 7 = 2 compactions of 3 + 1 in the log
    const reopened = open(3);
    expect(reopened.view('d').snapshot).toEqual({ a: [0, 1, 2, 3, 4, 5, 6] });
    reopened.merge('d', { ops: [{ op: 'array_push', target: 'a', value: 7 }] });
    expect(open(3).view('d').snapshot.a).toHaveLength(8);
    // The same actor on the same replica continues its clock (no duplicate ids after reopen).
    expect(open(3).view('d').clients).toBe(1);
  });

  it('a merge that adds nothing writes nothing', () => {
    const store = open();
    expect(store.merge('d', { ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] }).changed).toBe(true);
    const rows = count(dbs[0], 'crdt_updates');
    const r2 = store.merge('d', { updates: [fromBase64(store.view('d').update, 'u')] });
    expect(r2.changed).toBe(false);
    expect(count(dbs[0], 'crdt_updates')).toBe(rows);
  });

  it('an update whose dependencies have not arrived yet is kept (acknowledged means on disk)', () => {
    const a = client(9);
    a.doc.getText('t').insert(0, 'ab');
    a.doc.getText('t').insert(2, 'cd');
    const store = open();
    store.merge('d', { ops: [{ op: 'map_set', target: 'm', key: 'k', value: 1 }] });
    store.merge('d', { updates: [a.updates[1]] }); // depends on updates[0], not sent yet
    const reopened = open();
    reopened.merge('d', { updates: [a.updates[0]] });
    expect(reopened.view('d').snapshot.t).toBe('abcd');
  });
});
