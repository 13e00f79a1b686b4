import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as sync from 'y-protocols/sync';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../../src/patterns/crdt/cluster.js';
import { readSync, syncStep1, syncStep2, syncUpdate } from '../../../../src/patterns/crdt/gossip.js';
import { mulberry32 as seededRng } from '../../../../src/random.js';
import { YDocReplica } from '../../../../src/patterns/crdt/replica.js';

const apply = (r: YDocReplica, updates: Uint8Array[]) =>
  r.doc.transact(() => {
    for (const u of updates) Y.applyUpdate(r.doc, u);
  });

function cluster(n: number, seed: number, extra: { loss?: number; maxDelay?: number; fanout?: number } = {}) {
  const rng = seededRng(seed);
  return new Cluster<YDocReplica>({
    n,
    fanout: extra.fanout ?? 2,
    seed,
    loss: extra.loss,
    maxDelay: extra.maxDelay,
    apply,
    make: () => {
      const d = new Y.Doc();
      d.clientID = Math.floor(rng() * 0x7fffffff) + 1;
      return new YDocReplica(d);
    },
  });
}

const sv = (r: YDocReplica) => Buffer.from(Y.encodeStateVector(r.doc)).toString('base64');
const allEqual = (c: Cluster<YDocReplica>) => {
  const first = sv(c.nodes[0].replica);
  return c.nodes.every(
    (x) => sv(x.replica) === first && x.replica.doc.getText('t').toString() === c.nodes[0].replica.doc.getText('t').toString(),
  );
};

describe('gossip wire format', () => {
  it("our sync messages are byte-identical to y-protocols' and readable by readSyncMessage", () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hi');
    const e1 = encoding.createEncoder();
    sync.writeSyncStep1(e1, doc);
    expect(syncStep1(Y.encodeStateVector(doc))).toEqual(encoding.toUint8Array(e1));
    const e2 = encoding.createEncoder();
    sync.writeSyncStep2(e2, doc, new Uint8Array([0]));
    expect(syncStep2(Y.encodeStateAsUpdate(doc, new Uint8Array([0])))).toEqual(encoding.toUint8Array(e2));
    // A plain y-protocols peer answers our SyncStep1 and applies our Update.
    const peer = new Y.Doc();
    const reply = encoding.createEncoder();
    sync.readSyncMessage(decoding.createDecoder(syncStep1(Y.encodeStateVector(peer))), reply, doc, null);
    const r = readSync(encoding.toUint8Array(reply));
    expect(r.type).toBe(sync.messageYjsSyncStep2);
    sync.readSyncMessage(decoding.createDecoder(syncUpdate(r.payload)), encoding.createEncoder(), peer, null);
    expect(peer.getText('t').toString()).toBe('hi');
  });

  it('the diff a replica sends is what Y.encodeStateAsUpdate would send, byte for byte (with deletions)', () => {
    const rng = seededRng(3);
    for (let t = 0; t < 100; t++) {
      const docs = [0, 1, 2].map((i) => {
        const d = new Y.Doc();
        d.clientID = 100 + i * 7 + t;
        return d;
      });
      for (let k = 0; k < 30; k++) {
        const d = docs[Math.floor(rng() * 3)];
        const r = rng();
        const text = d.getText('t');
        if (r < 0.3) text.insert(Math.floor(rng() * (text.length + 1)), 'ab');
        else if (r < 0.45 && text.length > 1) text.delete(0, 1);
        else if (r < 0.7) d.getMap('m').set(`k${Math.floor(rng() * 5)}`, k);
        else if (r < 0.8) d.getMap('m').delete(`k${Math.floor(rng() * 5)}`);
        else d.getArray('a').push([k]);
        if (rng() < 0.3) Y.applyUpdate(docs[Math.floor(rng() * 3)], Y.encodeStateAsUpdate(d));
      }
      const peerSv = Y.encodeStateVector(docs[1]);
      const { diff } = new YDocReplica(docs[0]).compare(peerSv, -1);
      expect(Buffer.from(diff!)).toEqual(Buffer.from(Y.encodeStateAsUpdate(docs[0], peerSv)));
    }
  });

  it('deletions propagate even when state vectors are equal (the delete-set digest differs)', () => {
    const a = new Y.Doc();
    a.getText('t').insert(0, 'abc');
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    b.getText('t').delete(0, 1); // no clock moves: state vectors stay equal
    const rb = new YDocReplica(b);
    const ra = new YDocReplica(a);
    expect(Y.encodeStateVector(a)).toEqual(Y.encodeStateVector(b));
    const { diff, want } = rb.compare(ra.stateVector(), ra.digest());
    expect(want).not.toBeNull(); // b asks a for a's delete set too
    Y.applyUpdate(a, diff!);
    expect(a.getText('t').toString()).toBe('bc');
    expect(ra.answer(want!)).not.toBeNull();
  });
});

describe('gossip simulation (seeded in-memory network)', () => {
  it('a cluster converges; the same seed gives the same run', () => {
    const run = () => {
      const c = cluster(40, 7);
      c.nodes.forEach((x, i) => x.replica.doc.getMap('m').set(`n${i}`, i));
      const rounds = c.runUntil(() => c.nodes.every((x) => x.replica.doc.getMap('m').size === 40), 30);
      return { rounds, sent: c.totals().sent };
    };
    const first = run();
    expect(first.rounds).toBeGreaterThan(0);
    expect(first.rounds).toBeLessThanOrEqual(10);
    expect(run()).toEqual(first);
  });

  it('partitioned in two, both sides edit, then heal: every node converges to the same document', () => {
    const c = cluster(30, 11);
    const ids = c.nodes.map((x) => x.id);
    const left = ids.slice(0, 15);
    c.net.partition([left, ids.slice(15)]);
    c.nodes.forEach((x, i) => x.replica.doc.getText('t').insert(0, i < 15 ? 'L' : 'R'));
    c.runUntil(() => false, 12);
    // Each side converged on its own, and neither saw the other.
    const l = c.nodes[0].replica.doc.getText('t').toString();
    const r = c.nodes[29].replica.doc.getText('t').toString();
    expect(l).toBe('L'.repeat(15));
    expect(r).toBe('R'.repeat(15));
    expect(c.net.dropped).toBeGreaterThan(0);
    c.net.heal();
    const rounds = c.runUntil(() => allEqual(c), 30);
    expect(rounds).toBeGreaterThan(0);
    const merged = c.nodes[0].replica.doc.getText('t').toString();
    expect(merged.length).toBe(30);
    expect(merged.replace(/R/g, '')).toBe('L'.repeat(15));
  });

  it('converges under 20% loss and delays of up to 2 rounds, deletions included', () => {
    const c = cluster(25, 5, { loss: 0.2, maxDelay: 2 });
    c.nodes.forEach((x, i) => x.replica.doc.getText('t').insert(0, String.fromCharCode(97 + i)));
    const first = c.runUntil(() => allEqual(c), 60);
    expect(first).toBeGreaterThan(0);
    c.nodes[3].replica.doc.getText('t').delete(0, 5);
    c.nodes[9].replica.doc.getText('t').insert(0, 'Z');
    const second = c.runUntil(() => allEqual(c) && c.nodes[0].replica.doc.getText('t').length === 21, 60);
    expect(second).toBeGreaterThan(0);
    expect(c.net.dropped).toBeGreaterThan(0);
  });
});
