/**
 * An in-memory index of sign bits (one bit per dimension: 512 dims are 64 bytes), scanned by
 * Hamming distance with the search filters applied during the scan. It only proposes candidates:
 * QuantizedIndex reranks them with the exact float vectors from SQLite.
 *
 * A JS scan rather than a vec0 `bit[N]` KNN: sqlite-vec keeps its top k by repeated selection per
 * chunk, so its cost grows with k (measured at 100k: k=10 about 9 ms, k=100 21 ms, k=400 80 ms),
 * and reranking needs a few hundred candidates. This scan costs the same for any k: one pass
 * computing distances and a histogram of them (0..dims), then the cut-off distance is read off the
 * histogram and a second pass collects the rows at or under it.
 */
export interface BitFilter {
  namespace?: string;
  tier?: number;
  /** Rows expiring at or before this (ms) are skipped. */
  now: number;
}

const NO_EXPIRY = Number.POSITIVE_INFINITY;

/** Sign bits of `v`, packed little-endian into 32-bit words (bit i of word w is dimension 32w+i). */
export function signBits(v: Float32Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(v.length / 32));
  for (let i = 0; i < v.length; i++) if (v[i] > 0) out[i >>> 5] |= 1 << (i & 31);
  return out;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export class BitIndex {
  readonly words: number;
  private bits: Uint32Array;
  private rowids: Float64Array;
  private ns: Int32Array;
  private tiers: Uint8Array;
  private expires: Float64Array;
  private dist: Uint16Array;
  private n = 0;
  private readonly pos = new Map<number, number>();
  private readonly nsIds = new Map<string, number>();

  constructor(
    readonly dims: number,
    capacity = 1024,
  ) {
    this.words = Math.ceil(dims / 32);
    this.bits = new Uint32Array(capacity * this.words);
    this.rowids = new Float64Array(capacity);
    this.ns = new Int32Array(capacity);
    this.tiers = new Uint8Array(capacity);
    this.expires = new Float64Array(capacity);
    this.dist = new Uint16Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  has(rowid: number): boolean {
    return this.pos.has(rowid);
  }

  /** Adds a row, or replaces the one with this rowid. `tier` is a small integer code. */
  add(rowid: number, bits: Uint32Array, namespace: string, tier: number, expiresAt: number | null): void {
    let i = this.pos.get(rowid);
    if (i === undefined) {
      if (this.n === this.rowids.length) this.grow();
      i = this.n++;
      this.pos.set(rowid, i);
    }
    let id = this.nsIds.get(namespace);
    if (id === undefined) this.nsIds.set(namespace, (id = this.nsIds.size));
    this.bits.set(bits.subarray(0, this.words), i * this.words);
    this.rowids[i] = rowid;
    this.ns[i] = id;
    this.tiers[i] = tier;
    this.expires[i] = expiresAt ?? NO_EXPIRY;
  }

  /** Removes a row (the last row moves into its slot). */
  remove(rowid: number): void {
    const i = this.pos.get(rowid);
    if (i === undefined) return;
    this.pos.delete(rowid);
    const last = --this.n;
    if (i !== last) {
      const W = this.words;
      this.bits.copyWithin(i * W, last * W, last * W + W);
      this.rowids[i] = this.rowids[last];
      this.ns[i] = this.ns[last];
      this.tiers[i] = this.tiers[last];
      this.expires[i] = this.expires[last];
      this.pos.set(this.rowids[i], i);
    }
  }

  /** Rowids of the `count` rows passing `filter` nearest to `q` in Hamming distance (ties cut arbitrarily). */
  nearest(q: Uint32Array, count: number, filter: BitFilter): number[] {
    const nsId = filter.namespace === undefined ? -1 : this.nsIds.get(filter.namespace);
    if (nsId === undefined || count <= 0) return []; // a namespace never seen holds nothing
    const tier = filter.tier ?? -1;
    const W = this.words;
    const hist = new Uint32Array(this.dims + 2);
    const { bits, dist, ns, tiers, expires } = this;
    const skip = this.dims + 1; // marks filtered-out rows
    for (let i = 0, o = 0; i < this.n; i++, o += W) {
      if ((nsId >= 0 && ns[i] !== nsId) || (tier >= 0 && tiers[i] !== tier) || expires[i] <= filter.now) {
        dist[i] = skip;
        continue;
      }
      let d = 0;
      if (W === 16) {
        // 512 dims (use-lite): unrolled, about twice as fast as the loop.
        d =
          popcount(bits[o] ^ q[0]) +
          popcount(bits[o + 1] ^ q[1]) +
          popcount(bits[o + 2] ^ q[2]) +
          popcount(bits[o + 3] ^ q[3]) +
          popcount(bits[o + 4] ^ q[4]) +
          popcount(bits[o + 5] ^ q[5]) +
          popcount(bits[o + 6] ^ q[6]) +
          popcount(bits[o + 7] ^ q[7]) +
          popcount(bits[o + 8] ^ q[8]) +
          popcount(bits[o + 9] ^ q[9]) +
          popcount(bits[o + 10] ^ q[10]) +
          popcount(bits[o + 11] ^ q[11]) +
          popcount(bits[o + 12] ^ q[12]) +
          popcount(bits[o + 13] ^ q[13]) +
          popcount(bits[o + 14] ^ q[14]) +
          popcount(bits[o + 15] ^ q[15]);
      } else {
        for (let w = 0; w < W; w++) d += popcount(bits[o + w] ^ q[w]);
      }
      dist[i] = d;
      hist[d]++;
    }
    let cut = 0;
    let below = 0; // rows at distances < cut
    while (cut < this.dims && below + hist[cut] < count) below += hist[cut++];
    let atCut = count - below; // rows at exactly `cut` still wanted
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const d = dist[i];
      if (d < cut) out.push(this.rowids[i]);
      else if (d === cut && atCut > 0) {
        out.push(this.rowids[i]);
        atCut--;
      }
    }
    return out;
  }

  private grow(): void {
    const cap = this.rowids.length * 2;
    const bits = new Uint32Array(cap * this.words);
    bits.set(this.bits);
    this.bits = bits;
    const r = new Float64Array(cap);
    r.set(this.rowids);
    this.rowids = r;
    const ns = new Int32Array(cap);
    ns.set(this.ns);
    this.ns = ns;
    const t = new Uint8Array(cap);
    t.set(this.tiers);
    this.tiers = t;
    const e = new Float64Array(cap);
    e.set(this.expires);
    this.expires = e;
    this.dist = new Uint16Array(cap);
  }
}
