import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { Replica } from './gossip.js';

/**
 * The doc's delete set, encoded as Yjs writes it at the end of an update (clients in descending
 * order, ranges as varuints), and an FNV-1a digest of it: equal digests mean equal delete sets
 * (barring collisions), which state vectors alone cannot show.
 */
export function deleteSetOf(doc: Y.Doc): { bytes: Uint8Array; digest: number } {
  const ds = Y.createDeleteSetFromStructStore(doc.store);
  const enc = encoding.createEncoder();
  let h = 0x811c9dc5;
  const mix = (n: number) => {
    for (let k = 0; k < 4; k++) {
      h ^= (n >>> (k * 8)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  };
  encoding.writeVarUint(enc, ds.clients.size);
  for (const client of [...ds.clients.keys()].sort((x, y) => y - x)) {
    const items = ds.clients.get(client)!;
    encoding.writeVarUint(enc, client);
    encoding.writeVarUint(enc, items.length);
    mix(client);
    for (const d of items) {
      encoding.writeVarUint(enc, d.clock);
      encoding.writeVarUint(enc, d.len);
      mix(d.clock);
      mix(d.len);
    }
  }
  return { bytes: encoding.toUint8Array(enc), digest: h >>> 0 };
}

export function deleteSetDigest(doc: Y.Doc): number {
  return deleteSetOf(doc).digest;
}

/** A state vector's bytes: the entry count, then the (client, clock) pairs already written. */
export function withCount(count: number, pairs: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, count);
  encoding.writeUint8Array(e, pairs);
  return encoding.toUint8Array(e);
}

/**
 * Our own state vector in arrays. Clients are never removed from a doc, so the index only grows:
 * after a change, clocks are refreshed in place and new clients appended.
 */
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
  private readonly own: OwnState = {
    index: new Map(),
    clients: [],
    clocks: [],
    seen: new Uint32Array(0),
    theirs: new Float64Array(0),
    encoded: new Uint8Array([0]),
  };
  private fresh = false;
  private gen = 0;
  private ds: { bytes: Uint8Array; digest: number } | undefined;

  constructor(readonly doc: Y.Doc) {
    doc.on('afterTransaction', () => {
      this.fresh = false;
      this.ds = undefined;
    });
  }

  private state(): OwnState {
    const own = this.own;
    if (this.fresh) return own;
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, this.doc.store.clients.size);
    for (const [client, structs] of this.doc.store.clients) {
      const last = structs[structs.length - 1];
      const clock = last.id.clock + last.length;
      const i = own.index.get(client);
      if (i === undefined) {
        own.index.set(client, own.clients.length);
        own.clients.push(client);
        own.clocks.push(clock);
      } else own.clocks[i] = clock;
      encoding.writeVarUint(enc, client);
      encoding.writeVarUint(enc, clock);
    }
    if (own.seen.length < own.clients.length) {
      const size = Math.max(16, own.clients.length * 2);
      own.seen = new Uint32Array(size);
      own.theirs = new Float64Array(size);
      this.gen = 0;
    }
    own.encoded = encoding.toUint8Array(enc);
    this.fresh = true;
    return own;
  }

  stateVector(): Uint8Array {
    return this.state().encoded;
  }

  digest(): number {
    return (this.ds ??= deleteSetOf(this.doc)).digest;
  }

  private deleteSetBytes(): Uint8Array {
    return (this.ds ??= deleteSetOf(this.doc)).bytes;
  }

  compare(sv: Uint8Array, digest: number): { diff: Uint8Array | null; want: Uint8Array | null } {
    const own = this.state();
    const gen = ++this.gen;
    // Different delete sets: each side may hold deletions the other lacks, so both send.
    const dsDiffers = digest !== this.digest();
    // One pass over the peer's vector, no allocation per client: what we lack (written straight
    // into the request) and how many of our clients the peer already covers.
    const want = encoding.createEncoder();
    let wanted = 0;
    let covered = 0;
    const d = decoding.createDecoder(sv);
    for (let left = decoding.readVarUint(d); left > 0; left--) {
      const client = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const i = own.index.get(client);
      const mine = i === undefined ? 0 : own.clocks[i];
      if (clock > mine) {
        encoding.writeVarUint(want, client);
        encoding.writeVarUint(want, mine);
        wanted++;
      }
      if (i === undefined) continue;
      own.seen[i] = gen;
      own.theirs[i] = clock;
      if (clock >= mine) covered++;
    }
    const request = wanted || dsDiffers ? withCount(wanted, encoding.toUint8Array(want)) : null;
    if (!dsDiffers && covered === own.clients.length) return { diff: null, want: request };
    // Clients whose structs the peer lacks, and from which clock.
    const from: Array<[number, number]> = [];
    for (let i = 0; i < own.clients.length; i++) {
      const theirs = own.seen[i] === gen ? own.theirs[i] : 0;
      if (own.clocks[i] > theirs) from.push([own.clients[i], theirs]);
    }
    return { diff: this.encodeDiff(from), want: request };
  }

  answer(want: Uint8Array): Uint8Array | null {
    const own = this.state();
    const from: Array<[number, number]> = [];
    const d = decoding.createDecoder(want);
    for (let left = decoding.readVarUint(d); left > 0; left--) {
      const client = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const i = own.index.get(client);
      if (i !== undefined && own.clocks[i] > clock) from.push([client, clock]);
    }
    // An empty request means "our delete sets differ": the delete set travels with every diff.
    return from.length || want.byteLength <= 1 ? this.encodeDiff(from) : null;
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
