import { fmix32 } from '../../random.js';
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

function add(v: Float32Array, h: number, weight: number): void {
  // Index from the low bits (mod), sign from the top bit: independent enough after fmix.
  v[h % HASH_DIMS] += h & 0x80000000 ? weight : -weight;
}

const OTHER_WORD_CHAR = /[\p{L}\p{N}]/u;

/** Word characters as `[\p{L}\p{N}]` defines them, with an ASCII fast path. */
function isWordUnit(code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  return OTHER_WORD_CHAR.test(String.fromCharCode(code));
}

function growTo(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

function trigram(a: number, b: number, c: number): number {
  return fmix32((a * 0x10000 + b) ^ Math.imul(c, 0x27d4eb2f) ^ 0x3c6ef372);
}

/**
 * One pass over the UTF-16 units, no substrings: each word's FNV-1a hash and its character
 * trigrams (of the word padded with spaces) are built as the characters go by.
 */
let pending: Uint32Array = new Uint32Array(256); // a word's trigram hashes, added after its unigram and bigram

export function hashEmbed(text: string): Float32Array {
  const v = new Float32Array(HASH_DIMS);
  const s = text.toLowerCase();
  const n = s.length;
  let prev = -1; // previous word's hash, for bigrams
  let i = 0;
  while (i < n) {
    let code = s.charCodeAt(i);
    let width = 1;
    let word: boolean;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
      // Astral characters (surrogate pairs) are tested as one code point, as the /u regex does.
      word = OTHER_WORD_CHAR.test(s.slice(i, i + 2));
      width = 2;
    } else {
      word = isWordUnit(code);
    }
    if (!word) {
      i += width;
      continue;
    }
    let h = 0x811c9dc5;
    let p2 = -1;
    let p1 = 32;
    let count = 0;
    while (i < n) {
      code = s.charCodeAt(i);
      width = 1;
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
        if (!OTHER_WORD_CHAR.test(s.slice(i, i + 2))) break;
        width = 2;
      } else if (!isWordUnit(code)) break;
      for (let u = 0; u < width; u++) {
        const c = s.charCodeAt(i + u);
        h ^= c;
        h = Math.imul(h, 0x01000193);
        if (p2 >= 0) {
          if (count === pending.length) pending = growTo(pending, count * 2);
          pending[count++] = trigram(p2, p1, c);
        }
        p2 = p1;
        p1 = c;
      }
      i += width;
    }
    const hw = fmix32(h);
    add(v, fmix32(hw ^ 0x1b873593), W_UNIGRAM);
    if (prev >= 0) add(v, fmix32(Math.imul(prev, 0x2545f491) ^ hw ^ 0x68e31da4), W_BIGRAM);
    prev = hw;
    for (let t = 0; t < count; t++) add(v, pending[t], W_TRIGRAM);
    add(v, trigram(p2, p1, 32), W_TRIGRAM);
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
