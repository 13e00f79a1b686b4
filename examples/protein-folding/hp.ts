/**
 * The 2D HP lattice model (Dill 1985), a toy of protein folding: a chain of H (hydrophobic) and
 * P (polar) residues on the square lattice, self-avoiding, with energy −1 for every pair of H
 * residues that touch on the lattice without being neighbours in the chain. Lower is better.
 *
 * A fold is written as relative moves: the first bond points east, and each later bond goes
 * F(orward), L(eft) or R(ight) of the one before: n − 2 letters for n residues.
 */
import { mulberry32 } from '../lib/rng.js';

export type Point = [number, number];

/** A seeded HP sequence of `n` residues, half of them H, starting and ending with H (toy proteins often do). */
export function makeSequence(seed: number, n: number): string {
  const rng = mulberry32(seed * 7919 + 17);
  const middle: string[] = Array.from({ length: n - 2 }, (_, i) => (i < Math.floor(n / 2) - 2 ? 'H' : 'P'));
  for (let i = middle.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [middle[i], middle[j]] = [middle[j], middle[i]];
  }
  return `H${middle.join('')}H`;
}

const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** Lattice points of a fold. */
export function decode(moves: string): Point[] {
  const pts: Point[] = [
    [0, 0],
    [1, 0],
  ];
  let dir = 0;
  let x = 1;
  let y = 0;
  for (const m of moves) {
    if (m === 'L') dir = (dir + 1) % 4;
    else if (m === 'R') dir = (dir + 3) % 4;
    x += DX[dir];
    y += DY[dir];
    pts.push([x, y]);
  }
  return pts;
}

/**
 * The reference scorer: `valid` is false when the chain passes through itself or the moves do
 * not fit the sequence; `energy` counts H–H contacts (overlaps aside) either way. Self-contained
 * on purpose: the scripted stand-in hands its source to generate_code's caller as "generated" code.
 */
export function hpEnergy(sequence: string, moves: string): { valid: boolean; energy: number } {
  if (typeof sequence !== 'string' || typeof moves !== 'string' || moves.length !== sequence.length - 2 || /[^FLR]/.test(moves)) {
    return { valid: false, energy: 0 };
  }
  const dx = [1, 0, -1, 0];
  const dy = [0, 1, 0, -1];
  const xs = [0, 1];
  const ys = [0, 0];
  let dir = 0;
  for (let i = 0; i < moves.length; i++) {
    if (moves[i] === 'L') dir = (dir + 1) % 4;
    else if (moves[i] === 'R') dir = (dir + 3) % 4;
    xs.push(xs[xs.length - 1] + dx[dir]);
    ys.push(ys[ys.length - 1] + dy[dir]);
  }
  const at = new Map<string, number>();
  let valid = true;
  for (let i = 0; i < xs.length; i++) {
    const key = xs[i] + ',' + ys[i];
    if (at.has(key)) valid = false;
    else at.set(key, i);
  }
  let energy = 0;
  for (let i = 0; i < xs.length; i++) {
    if (sequence[i] !== 'H') continue;
    for (let d = 0; d < 4; d++) {
      const j = at.get(xs[i] + dx[d] + ',' + (ys[i] + dy[d]));
      if (j !== undefined && j > i + 1 && sequence[j] === 'H') energy -= 1;
    }
  }
  return { valid, energy };
}

export interface FolderSpec {
  /** Shown in the table. */
  name: string;
  seed: number;
  runs: number;
  steps: number;
  /** Start and end temperature of the annealing schedule (geometric). */
  t0: number;
  t1: number;
  /** The faulty folder: its self-avoidance check is broken, so the chain may pass through itself. */
  broken?: boolean;
}

export interface FolderRun {
  moves: string;
  /** The energy the folder reports (for the broken one, counted on an overlapping chain). */
  claimed: number;
}

/**
 * Simulated annealing with pivot moves (one relative move changed: the rest of the chain rotates
 * about that residue). Fast incremental checks: a fold is decoded into a small occupancy grid.
 */
export function fold(sequence: string, spec: FolderSpec): FolderRun[] {
  const n = sequence.length;
  const rng = mulberry32(spec.seed);
  const size = 2 * n + 3;
  const grid = new Int32Array(size * size);
  let stamp = 0;
  const xs = new Int32Array(n);
  const ys = new Int32Array(n);
  const h = Array.from(sequence, (c) => c === 'H');

  /** Energy of `moves`, or null when it overlaps (the broken folder never says so). */
  const energyOf = (moves: Uint8Array): number | null => {
    stamp++;
    let dir = 0;
    let x = n + 1;
    let y = n + 1;
    xs[0] = x;
    ys[0] = y;
    grid[y * size + x] = stamp * 64 + 0;
    let ok = true;
    for (let i = 1; i < n; i++) {
      if (i >= 2) dir = (dir + (moves[i - 2] === 1 ? 1 : moves[i - 2] === 2 ? 3 : 0)) % 4;
      x += DX[dir];
      y += DY[dir];
      xs[i] = x;
      ys[i] = y;
      const cell = y * size + x;
      if (grid[cell] >> 6 === stamp) ok = false;
      else grid[cell] = stamp * 64 + (i & 63);
    }
    if (!ok && !spec.broken) return null;
    let e = 0;
    for (let i = 0; i < n; i++) {
      if (!h[i]) continue;
      for (let d = 0; d < 4; d++) {
        const cell = (ys[i] + DY[d]) * size + xs[i] + DX[d];
        if (grid[cell] >> 6 !== stamp) continue;
        const j = grid[cell] & 63;
        if (j > i + 1 && h[j]) e--;
      }
    }
    // The broken folder also counts every overlap as a contact: it believes a collapsed chain is ideal.
    if (!ok)
      for (let i = 0; i < n; i++) for (let j = i + 2; j < n; j++) if (xs[i] === xs[j] && ys[i] === ys[j] && h[i] && h[j]) e--;
    return e;
  };

  const runs: FolderRun[] = [];
  for (let r = 0; r < spec.runs; r++) {
    const cur = new Uint8Array(n - 2); // all forward: a straight chain, always valid
    let e = energyOf(cur)!;
    let best = cur.slice();
    let bestE = e;
    for (let s = 0; s < spec.steps; s++) {
      const t = spec.t0 * (spec.t1 / spec.t0) ** (s / spec.steps);
      const i = Math.floor(rng() * (n - 2));
      const old = cur[i];
      cur[i] = (old + 1 + Math.floor(rng() * 2)) % 3;
      const e2 = energyOf(cur);
      if (e2 !== null && (e2 <= e || rng() < Math.exp((e - e2) / t))) {
        e = e2;
        if (e < bestE) {
          bestE = e;
          best = cur.slice();
        }
      } else {
        cur[i] = old;
      }
    }
    runs.push({ moves: Array.from(best, (m) => 'FLR'[m]).join(''), claimed: bestE });
  }
  return runs;
}

/** A seeded sample of folds (valid and overlapping) to test a scorer against the reference. */
export function testFolds(seed: number, sequence: string, count: number): string[] {
  const rng = mulberry32(seed * 31 + 5);
  return Array.from({ length: count }, () =>
    Array.from({ length: sequence.length - 2 }, () => 'FLR'[Math.floor(rng() * (rng() < 0.6 ? 1.6 : 3))]).join(''),
  );
}
