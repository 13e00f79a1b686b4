/**
 * Gossip on the peer network, in one process: the crdt channel's message codec, and three
 * DocStores (each its own SQLite DB) converging over real mutual TLS between PeerNetworks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeGossip, encodeGossip, GossipNode } from '../../../src/cluster/gossip-node.js';
import { openDatabase, type DB } from '../../../src/memory/db.js';
import type { GossipMessage } from '../../../src/patterns/crdt/gossip.js';
import { DocStore } from '../../../src/patterns/crdt/docs.js';
import type { PeerNetwork } from '../../../src/peer/network.js';
import { closeAll, identity, log, network, up } from '../peer/helpers.js';

const dbs: DB[] = [];
const nodes: GossipNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) n.close();
  await closeAll();
  for (const db of dbs.splice(0)) db.close();
});

describe('gossip over the peer network', () => {
  it('messages round-trip the crdt channel codec; malformed ones and bad doc ids are dropped', () => {
    const m: GossipMessage = { doc: 'a:b.c', sync: new Uint8Array([0, 1, 0]), dg: 123, re: 1 };
    const back = decodeGossip(encodeGossip(m))!;
    expect({ ...back, sync: new Uint8Array(back.sync) }).toEqual(m);
    expect(decodeGossip(null)).toBeUndefined();
    expect(decodeGossip([1, 2])).toBeUndefined();
    expect(decodeGossip(encodeGossip({ doc: 'bad id!', sync: new Uint8Array([0]) }))).toBeUndefined();
    expect(decodeGossip({ d: 'x', s: 'not bytes' })).toBeUndefined();
    expect(decodeGossip({ d: 'x', s: new Uint8Array([0]), g: 1.5 })).toBeUndefined();
  });

  it('three nodes, one edit each: every node ends with all three; status lists peers by node id', async () => {
    const ids = await Promise.all([identity(), identity(), identity()]);
    const nets: PeerNetwork[] = [];
    // Node 0 listens first; the others listen too and dial everyone started before them.
    for (let i = 0; i < 3; i++) {
      const peers = ids
        .filter((_, j) => j !== i)
        .map((p) => ({ id: p.nodeId, address: nets.find((n) => n.id === p.nodeId)?.address() }));
      nets.push(await network(ids[i], peers));
    }
    const stores = nets.map((net) => {
      const db = openDatabase(':memory:');
      dbs.push(db);
      const docs = new DocStore(db, { compactEvery: 100, cacheSize: 8, maxDocBytes: 1 << 20 });
      const g = new GossipNode(docs, { fanout: 2, period_ms: 50, push: true }, net, log);
      g.start();
      nodes.push(g);
      return docs;
    });
    await Promise.all(nets.flatMap((n, i) => ids.filter((_, j) => j !== i).map((p) => up(n, p.nodeId))));
    stores.forEach((s, i) =>
      s.merge('shared', { ops: [{ op: 'map_set', target: 'm', key: `k${i}`, value: i }], actor: `a${i}` }),
    );
    await expect
      .poll(() => stores.map((s) => (s.has('shared') ? s.view('shared').snapshot : null)), { timeout: 10_000, interval: 10 })
      .toEqual(Array(3).fill({ m: { k0: 0, k1: 1, k2: 2 } }));
    const st = nodes[0].status();
    expect(st).toMatchObject({ enabled: true, node_id: ids[0].nodeId, fanout: 2, push: true });
    expect(st.peers.map((p) => p.peer).sort()).toEqual([ids[1].nodeId, ids[2].nodeId].sort());
    expect(st.peers.every((p) => p.state === 'open')).toBe(true);
  });
});
