import { l2normalize, type Embedder } from './embedder.js';

/**
 * `hash-384`: a local, deterministic, download-free embedder. Feature-hashed word unigrams, word
 * bigrams and character trigrams (of each word padded with spaces), with signed hashing so
 * collisions cancel out on average instead of piling up, then L2-normalised.
 *
 * It is lexical, not semantic: texts are close when they share words or word fragments
 * ("deploy" / "deployment"), not when they share meaning in different words ("car" / "automobile").
 */
export const HASH_DIMS = 384;
const W_UNIGRAM = 1.0;
const W_BIGRAM = 0.7;
const W_TRIGRAM = 0.3;
const WORD = /[\p{L}\p{N}]+/gu;

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashWord(word: string): number {
  let h = 0x811c9dc5; // FNV-1a over UTF-16 units
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

function add(v: Float32Array, h: number, weight: number): void {
  // Index from the low bits (mod), sign from the top bit: independent enough after fmix.
  v[h % HASH_DIMS] += h & 0x80000000 ? weight : -weight;
}

export function hashEmbed(text: string): Float32Array {
  const v = new Float32Array(HASH_DIMS);
  const lower = text.toLowerCase();
  let prev = -1;
  for (const m of lower.matchAll(WORD)) {
    const w = m[0];
    const hw = hashWord(w);
    add(v, fmix(hw ^ 0x1b873593), W_UNIGRAM);
    if (prev >= 0) add(v, fmix(Math.imul(prev, 0x2545f491) ^ hw ^ 0x68e31da4), W_BIGRAM);
    prev = hw;
    // Character trigrams of " word ", hashed from the three code units directly (no substrings).
    const n = w.length + 2;
    for (let i = 0; i + 3 <= n; i++) {
      const a = i === 0 ? 32 : w.charCodeAt(i - 1);
      const b = i + 1 === n - 1 ? 32 : w.charCodeAt(i);
      const c = i + 2 === n - 1 ? 32 : w.charCodeAt(i + 1);
      add(v, fmix((a * 0x10000 + b) ^ Math.imul(c, 0x27d4eb2f) ^ 0x3c6ef372), W_TRIGRAM);
    }
  }
  return l2normalize(v);
}

export class HashEmbedder implements Embedder {
  readonly id = 'hash-384';
  async dimensions(): Promise<number> {
    return HASH_DIMS;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(hashEmbed);
  }
}
