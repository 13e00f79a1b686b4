/** Seeded randomness for the examples' synthetic data: the same seed gives the same data everywhere. */

// The server's PRNG, so an example's stream is the one the patterns' seeded runs use.
export { mulberry32, randInt } from '../../src/random.js';

/** A standard normal draw (Box-Muller; one of the pair is dropped, which keeps the stream simple). */
export function normal(rng: () => number): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** FNV-1a of a string: seeds per-input streams (a scripted stand-in answers the same input the same way). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
