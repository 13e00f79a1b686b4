/**
 * Where agents' values come from, one chunk at a time: a caller's array, or a seeded simulation
 * that generates each chunk when asked (10 million agents never exist at once: one chunk does).
 * Agent i holds the i-th value.
 */
import { mulberry32 } from '../../random.js';

export type ValueKind = 'number' | 'string';

/** Values read from a source at a time: a leaf's share of the tree, and the unit `drain` reads in. */
export const CHUNK = 65_536;

export interface ChunkSource {
  readonly total: number;
  readonly kind: ValueKind;
  /** The next up-to-`max` values (a view valid until the next call). */
  next(max: number): Float64Array | readonly string[];
}

export const DISTRIBUTIONS = ['uniform', 'normal', 'lognormal', 'zipf'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

const ZIPF_N = 10_000;
const ZIPF_S = 1.1;

export function numberSource(values: Float64Array): ChunkSource {
  let at = 0;
  return {
    total: values.length,
    kind: 'number',
    next(max) {
      const end = Math.min(values.length, at + max);
      const out = values.subarray(at, end);
      at = end;
      return out;
    },
  };
}

export function stringSource(values: readonly string[]): ChunkSource {
  let at = 0;
  return {
    total: values.length,
    kind: 'string',
    next(max) {
      const end = Math.min(values.length, at + max);
      const out = values.slice(at, end);
      at = end;
      return out;
    },
  };
}

let zipfCdf: Float64Array | null = null;
function zipfTable(): Float64Array {
  if (!zipfCdf) {
    zipfCdf = new Float64Array(ZIPF_N);
    let acc = 0;
    for (let r = 1; r <= ZIPF_N; r++) zipfCdf[r - 1] = acc += r ** -ZIPF_S;
    for (let i = 0; i < ZIPF_N; i++) zipfCdf[i] /= acc;
  }
  return zipfCdf;
}

/** Fills `out` with the next values of `dist` from `rand`. */
function fill(out: Float64Array, dist: Distribution, rand: () => number): void {
  const n = out.length;
  switch (dist) {
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = rand() * 100;
      return;
    case 'normal':
    case 'lognormal': {
      const log = dist === 'lognormal';
      // Marsaglia's polar method: two normals per accepted point, no trigonometry.
      for (let i = 0; i < n; i += 2) {
        let u: number, v: number, q: number;
        do {
          u = 2 * rand() - 1;
          v = 2 * rand() - 1;
          q = u * u + v * v;
        } while (q >= 1 || q === 0);
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        const a = u * f;
        const b = v * f;
        out[i] = log ? Math.exp(a) : 100 + 15 * a;
        if (i + 1 < n) out[i + 1] = log ? Math.exp(b) : 100 + 15 * b;
      }
      return;
    }
    case 'zipf': {
      const cdf = zipfTable();
      for (let i = 0; i < n; i++) {
        const u = rand();
        let lo = 0;
        let hi = ZIPF_N - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid] < u) lo = mid + 1;
          else hi = mid;
        }
        out[i] = lo + 1;
      }
    }
  }
}

/**
 * `agents` values of `dist` from `seed`, generated chunk by chunk into one reused buffer. Chunks
 * are drawn in the order asked, so the same (agents, dist, seed) gives the same values whatever
 * the chunk size, as long as chunks have even sizes (normal values are drawn in pairs).
 */
export function simulatedSource(agents: number, dist: Distribution, seed: number): ChunkSource {
  const rand = mulberry32(seed);
  let buf = new Float64Array(0);
  let at = 0;
  return {
    total: agents,
    kind: 'number',
    next(max) {
      const n = Math.min(max, agents - at);
      if (buf.length < n) buf = new Float64Array(n);
      const out = buf.subarray(0, n);
      fill(out, dist, rand);
      at += n;
      return out;
    },
  };
}

/** Every value of a numeric source in one array (gossip holds one value per agent anyway). */
export function drain(src: ChunkSource): Float64Array {
  const out = new Float64Array(src.total);
  let at = 0;
  for (let s = src.next(CHUNK) as Float64Array; s.length; s = src.next(CHUNK) as Float64Array) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}
