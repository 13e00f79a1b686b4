/**
 * Two independent 32-bit hashes (MurmurHash3 x86_32 under two seeds) of a number's IEEE-754 bits
 * or a string's UTF-16 code units. HyperLogLog takes its register index from the first and the
 * run of leading zeros from the second: 14 + 32 usable bits, so collisions stay negligible far past
 * the 10 million agents a call can have.
 */
import { fmix32 } from '../../random.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
export const SEED_A = 0x9747b28c;
export const SEED_B = 0x5bd1e995;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hash of a number's bits; -0 hashes as 0 so equal numbers hash equally. */
export function hashNumber(v: number, seed: number): number {
  f64[0] = v === 0 ? 0 : v;
  let h = mixBlock(seed, u32[0]);
  h = mixBlock(h, u32[1]);
  return fmix32(h ^ 8);
}

export function hashString(s: string, seed: number): number {
  let h = seed;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) {
    let k = Math.imul(s.charCodeAt(i), C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  return fmix32(h ^ (n * 2));
}

/** A uniform number in [0, 1) determined by (i, seed): which agents fail, without storing a list. */
export function unitHash(i: number, seed: number): number {
  return fmix32(mixBlock(seed, i) ^ 4) / 4294967296;
}
