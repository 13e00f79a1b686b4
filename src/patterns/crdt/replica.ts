import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { Replica } from './gossip.js';

/** FNV-1a over the delete set's ranges, client by client: equal digests mean equal delete sets (barring collisions). */
export function deleteSetDigest(doc: Y.Doc): number {
  const ds = Y.createDeleteSetFromStructStore(doc.store);
  let h = 0x811c9dc5;
  const mix = (n: number) => {
    for (let k = 0; k < 4; k++) {
      h ^= (n >>> (k * 8)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  };
  for (const client of [...ds.clients.keys()].sort((a, b) => a - b)) {
    mix(client);
    for (const d of ds.clients.get(client)!) {
      mix(d.clock);
      mix(d.len);
    }
  }
  return h >>> 0;
}

/** Our own state vector in arrays, rebuilt once per change of the doc. */
interface OwnState {
  index: Map<number, number>;
  clients: number[];
  clocks: number[];
  /** Per client: the generation of the last compare() whose peer vector named it, and its clock there. */
  seen: Uint32Array;
  theirs: Float64Array;
  encoded: Uint8Array;
}

/**
 * A Y.Doc seen by gossip. Our state vector (encoded and indexed), and the encoded delete set, are
 * computed once per change of the doc, not once per exchange; comparing a peer's vector allocates
 * nothing per client. With a thousand clients in a doc, the per-exchange state-vector work is
 * what gossip spends its time on besides integrating.
 */
export class YDocReplica implements Replica {
  private own: OwnState | undefined;
  private gen = 0;
  private dg: number | undefined;
  private ds: Uint8Array | undefined;

  constructor(readonly doc: Y.Doc) {
    doc.on('afterTransaction', () => {
      this.own = undefined;
      this.dg = undefined;
      this.ds = undefined;
    });
  }

  private state(): OwnState {
    if (this.own) return this.own;
    const index = new Map<number, number>();
    const clients: number[] = [];
    const clocks: number[] = [];
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, this.doc.store.clients.size);
    for (const [client, structs] of this.doc.store.clients) {
      const last = structs[structs.length - 1];
      const clock = last.id.clock + last.length;
      index.set(client, clients.length);
      clients.push(client);
      clocks.push(clock);
      encoding.writeVarUint(enc, client);
      encoding.writeVarUint(enc, clock);
    }
    const n = clients.length;
    this.gen = 0;
    return (this.own = { index, clients, clocks, seen: new Uint32Array(n), theirs: new Float64Array(n), encoded: encoding.toUint8Array(enc) });
  }

  stateVector(): Uint8Array {
    return this.state().encoded;
  }

  digest(): number {
    return (this.dg ??= deleteSetDigest(this.doc));
  }

  /** The encoded delete set: an update against our own state vector is "no structs" + the delete set. */
  private deleteSetBytes(): Uint8Array {
    return (this.ds ??= Y.encodeStateAsUpdate(this.doc, this.stateVector()).subarray(1));
  }

  compare(sv: Uint8Array, digest: number): { diff: Uint8Array | null; lacking: boolean } {
    const own = this.state();
    const gen = ++this.gen;
    // Different delete sets: each side may hold deletions the other lacks, so both send.
    const dsDiffers = digest !== this.digest();
    let lacking = dsDiffers;
    let covered = 0;
    const d = decoding.createDecoder(sv);
    for (let left = decoding.readVarUint(d); left > 0; left--) {
      const client = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const i = own.index.get(client);
      if (i === undefined) {
        lacking = true;
        continue;
      }
      own.seen[i] = gen;
      own.theirs[i] = clock;
      if (clock > own.clocks[i]) lacking = true;
      if (clock >= own.clocks[i]) covered++;
    }
    if (!dsDiffers && covered === own.clients.length) return { diff: null, lacking };
    // Clients whose structs the peer lacks, and from which clock.
    const from: Array<[number, number]> = [];
    for (let i = 0; i < own.clients.length; i++) {
      const theirs = own.seen[i] === gen ? own.theirs[i] : 0;
      if (own.clocks[i] > theirs) from.push([own.clients[i], theirs]);
    }
    return { diff: this.encodeDiff(from), lacking };
  }
  /**
   * What Y.encodeStateAsUpdate(doc, sv) returns, byte for byte (a unit test holds it to that),
   * from the client list compare() already built: Yjs' own version rebuilds two state-vector Maps
   * and the delete set for every call, which dominates gossip between many clients.
   */
  private encodeDiff(from: Array<[number, number]>): Uint8Array {
    const enc = new Y.UpdateEncoderV1();
    const rest = enc.restEncoder;
    encoding.writeVarUint(rest, from.length);
    from.sort((a, b) => b[0] - a[0]); // higher client ids first, as Yjs writes them
    for (const [client, since] of from) {
      const structs = this.doc.store.clients.get(client)!;
      const clock = Math.max(since, structs[0].id.clock);
      const start = Y.findIndexSS(structs, clock);
      encoding.writeVarUint(rest, structs.length - start);
      enc.writeClient(client);
      encoding.writeVarUint(rest, clock);
      const first = structs[start];
      first.write(enc, clock - first.id.clock);
      for (let i = start + 1; i < structs.length; i++) structs[i].write(enc, 0);
    }
    encoding.writeUint8Array(rest, this.deleteSetBytes());
    return enc.toUint8Array();
  }
}
