/**
 * The small game world of the p2p-game example: three levels of 16×10 squares (walls "#", floor
 * "."), a start at the top left and an exit at the bottom right of each, and items placed on floor
 * squares. The terrain is generated from the seed; the items are what agents propose and the
 * servers accept.
 */
import { mulberry32 } from '../lib/rng.js';

export const WIDTH = 16;
export const HEIGHT = 10;
export const LEVELS = 3;
export const START: [number, number] = [1, 1];
export const EXIT: [number, number] = [WIDTH - 2, HEIGHT - 2];

export interface Item {
  name: string;
  kind: string;
  level: number;
  x: number;
  y: number;
  power: number;
  /** One line of flavour text. */
  flavor: string;
}

export interface World {
  /** Terrain per level (level 1 first): HEIGHT rows of WIDTH characters. */
  levels: string[][];
  items: Item[];
}

/** A level's terrain: a walled room with seeded wall segments, every floor square reachable from the start. */
export function makeTerrain(seed: number, level: number): string[] {
  const rng = mulberry32(seed * 1000 + level * 77 + 9);
  const g = Array.from({ length: HEIGHT }, (_, y) =>
    Array.from({ length: WIDTH }, (_, x) => (x === 0 || y === 0 || x === WIDTH - 1 || y === HEIGHT - 1 ? '#' : '.')),
  );
  for (let s = 0; s < 5 + level; s++) {
    const horizontal = rng() < 0.5;
    const len = 2 + Math.floor(rng() * 5);
    let x = 1 + Math.floor(rng() * (WIDTH - 2));
    let y = 1 + Math.floor(rng() * (HEIGHT - 2));
    for (let i = 0; i < len; i++) {
      if (x > 0 && y > 0 && x < WIDTH - 1 && y < HEIGHT - 1) g[y][x] = '#';
      if (horizontal) x++;
      else y++;
    }
  }
  for (const [x, y] of [START, EXIT]) g[y][x] = '.';
  // Keep the exit reachable and drop floor cut off from the start.
  const seen = reachable(g.map((r) => r.join('')));
  if (!seen.has(`${EXIT[0]},${EXIT[1]}`)) {
    for (let x = START[0]; x <= EXIT[0]; x++) g[START[1]][x] = '.';
    for (let y = START[1]; y <= EXIT[1]; y++) g[y][EXIT[0]] = '.';
  }
  const ok = reachable(g.map((r) => r.join('')));
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) if (g[y][x] === '.' && !ok.has(`${x},${y}`)) g[y][x] = '#';
  return g.map((r) => r.join(''));
}

/** Floor squares reachable from the start, as "x,y". */
export function reachable(rows: string[]): Set<string> {
  const seen = new Set<string>([`${START[0]},${START[1]}`]);
  const queue: Array<[number, number]> = [START];
  while (queue.length) {
    const [x, y] = queue.shift()!;
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]) {
      const [nx, ny] = [x + dx, y + dy];
      if (rows[ny]?.[nx] === '.' && !seen.has(`${nx},${ny}`)) {
        seen.add(`${nx},${ny}`);
        queue.push([nx, ny]);
      }
    }
  }
  return seen;
}

/**
 * The reference validator: may `item` join `world`? Self-contained (the scripted stand-in hands
 * its source out as generate_code's answer). Rules: a known kind with power in its range; a name
 * of 1-24 characters a-z, 0-9, space or "-", unique in the world; a level that exists; a floor
 * square that is not the start or the exit and holds no other item; one key per level; the
 * level's total power at most 12 + 6·level.
 */
export function validateItem(world: World, item: Item): { ok: boolean; reason: string } {
  const ranges: Record<string, [number, number]> = { key: [0, 0], potion: [1, 3], chest: [1, 5], sword: [3, 6], monster: [2, 8] };
  if (!item || typeof item !== 'object') return { ok: false, reason: 'not an object' };
  if (typeof item.name !== 'string' || !/^[a-z0-9 -]{1,24}$/.test(item.name)) return { ok: false, reason: 'bad name' };
  if (!Object.prototype.hasOwnProperty.call(ranges, item.kind)) return { ok: false, reason: 'unknown kind' };
  const [lo, hi] = ranges[item.kind];
  if (!Number.isInteger(item.power) || item.power < lo || item.power > hi)
    return { ok: false, reason: `power out of range ${lo}..${hi}` };
  if (!Number.isInteger(item.level) || item.level < 1 || item.level > world.levels.length)
    return { ok: false, reason: 'no such level' };
  const rows = world.levels[item.level - 1];
  if (
    !Number.isInteger(item.x) ||
    !Number.isInteger(item.y) ||
    item.y < 0 ||
    item.y >= rows.length ||
    item.x < 0 ||
    item.x >= rows[0].length
  )
    return { ok: false, reason: 'outside the level' };
  if (rows[item.y][item.x] !== '.') return { ok: false, reason: 'on a wall' };
  if ((item.x === 1 && item.y === 1) || (item.x === rows[0].length - 2 && item.y === rows.length - 2))
    return { ok: false, reason: 'on the start or the exit' };
  let power = item.power;
  for (const other of world.items) {
    if (other.name === item.name) return { ok: false, reason: 'name taken' };
    if (other.level !== item.level) continue;
    if (other.x === item.x && other.y === item.y) return { ok: false, reason: 'square taken' };
    if (other.kind === 'key' && item.kind === 'key') return { ok: false, reason: 'level already has a key' };
    power += other.power;
  }
  if (power > 12 + 6 * item.level) return { ok: false, reason: `level power budget ${12 + 6 * item.level} exceeded` };
  return { ok: true, reason: 'ok' };
}

/** The finished world holds together: each item valid among the others, and one key per level. */
export function checkWorld(world: World): string[] {
  const problems: string[] = [];
  world.items.forEach((item, i) => {
    const others = { levels: world.levels, items: world.items.filter((_, j) => j !== i) };
    const v = validateItem(others, item);
    // The budget counts all items, so check it once per level below instead of per item.
    if (!v.ok && !v.reason.startsWith('level power budget')) problems.push(`${item.name}: ${v.reason}`);
  });
  for (let level = 1; level <= world.levels.length; level++) {
    const items = world.items.filter((it) => it.level === level);
    const keys = items.filter((it) => it.kind === 'key').length;
    if (keys !== 1) problems.push(`level ${level} has ${keys} keys`);
    const power = items.reduce((s, it) => s + it.power, 0);
    if (power > 12 + 6 * level) problems.push(`level ${level} power ${power} over its budget ${12 + 6 * level}`);
    const floor = reachable(world.levels[level - 1]);
    for (const it of items) if (!floor.has(`${it.x},${it.y}`)) problems.push(`${it.name} cannot be reached`);
  }
  return problems;
}
