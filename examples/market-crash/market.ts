/**
 * A synthetic market with a planted causal graph and a crash. Eight assets' daily returns follow a
 * sparse vector autoregression: each asset keeps a little of its own yesterday, and each planted
 * edge cause → effect adds b·cause[t − lag] to the effect (some edges strong, some weak enough to
 * be contested). At day CRASH_AT the root asset takes three large negative shocks, and the crash
 * spreads along the planted edges. Prices are 100·exp(cumulative returns / 100).
 */
import { mulberry32, normal } from '../lib/rng.js';

export const ASSETS = ['BANK', 'INSURE', 'REIT', 'TECH', 'CHIPS', 'RETAIL', 'OIL', 'SHIP'];
export const DAYS = 1000;
export const CRASH_AT = 800;
export const LAGS = 2;

export interface Edge {
  cause: number;
  effect: number;
  lag: number;
  b: number;
}

export interface Market {
  returns: number[][];
  prices: number[][];
  edges: Edge[];
  root: number;
}

export function makeMarket(seed: number): Market {
  const rng = mulberry32(seed * 48271 + 3);
  const K = ASSETS.length;
  // A random order makes the graph acyclic; edges go from earlier to later assets in it.
  const order = Array.from({ length: K }, (_, i) => i);
  for (let i = K - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const edges: Edge[] = [];
  // Every asset after the first gets one strong parent, so the crash reaches everyone...
  for (let i = 1; i < K; i++) {
    const parent = order[Math.floor(rng() * i)];
    edges.push({
      cause: parent,
      effect: order[i],
      lag: 1 + Math.floor(rng() * LAGS),
      b: (rng() < 0.8 ? 1 : -1) * (0.3 + 0.15 * rng()),
    });
  }
  // ...and a few weak extra edges: the contested ones.
  for (let extra = 0; extra < 3; extra++) {
    const i = 2 + Math.floor(rng() * (K - 2));
    const cause = order[Math.floor(rng() * i)];
    if (edges.some((e) => e.cause === cause && e.effect === order[i])) continue;
    edges.push({ cause, effect: order[i], lag: 1 + Math.floor(rng() * LAGS), b: (rng() < 0.5 ? 1 : -1) * (0.11 + 0.05 * rng()) });
  }
  const root = order[0];
  const returns = Array.from({ length: K }, () => new Array<number>(DAYS).fill(0));
  for (let t = 0; t < DAYS; t++) {
    for (let j = 0; j < K; j++) {
      let x = normal(rng);
      if (t > 0) x += 0.15 * returns[j][t - 1];
      for (const e of edges) if (e.effect === j && t >= e.lag) x += e.b * returns[e.cause][t - e.lag];
      if (j === root && t >= CRASH_AT && t < CRASH_AT + 3) x -= 12 - 3 * (t - CRASH_AT);
      returns[j][t] = x;
    }
  }
  const prices = returns.map((r) => {
    let level = 0;
    return r.map((x) => 100 * Math.exp((level += x) / 100));
  });
  return { returns, prices, edges, root };
}
