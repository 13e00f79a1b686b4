// The one seeded PRNG lives in src/random.ts; consensus modules import it from here.
export { mulberry32, randInt } from '../../random.js';
