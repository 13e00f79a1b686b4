/**
 * The scripted stand-in for an LLM in this example (see lib/server.ts):
 * - generate_code's request for the validator: the example's reference validator;
 * - a designer agent: four items for its level, on floor squares of the terrain in its prompt,
 *   chosen by a generator seeded from the prompt. Three designers carry a planted defect, so the
 *   review has something to catch, as it would with a real model: a2 puts its potion on a wall,
 *   b3 gives its monster power 11, b1 proposes an item off its theme;
 * - a review vote: "accept" when the item's flavour mentions the level's theme, else "reject".
 * Tests give the fake provider this same function as its answer.
 */
import { hashString, mulberry32 } from '../lib/rng.js';
import { validateItem, type Item } from './world.js';

export const CODEGEN_MARKER = 'function validateItem(world, item)';
export const DESIGN_MARKER = '[p2p-game designer]';
export const REVIEW_MARKER = '[p2p-game review]';

const KINDS: Record<string, string[]> = { A: ['key', 'monster', 'sword', 'potion'], B: ['chest', 'monster', 'potion', 'key'] };
const POWER: Record<string, [number, number]> = { key: [0, 0], potion: [1, 3], chest: [1, 5], sword: [3, 6], monster: [2, 8] };

function design(prompt: string): string {
  const m = /designer ([ab]\d) on server ([AB]): level (\d), theme "([^"]+)"/.exec(prompt);
  const rows = [...prompt.matchAll(/^row \d+: ([#.]+)$/gm)].map((r) => r[1]);
  if (!m || rows.length < 3) return 'The brief was not in the expected form.';
  const [, designer, server, levelText, theme] = m;
  const level = Number(levelText);
  const rng = mulberry32(hashString(`${designer}/${level}`));
  const floor: Array<[number, number]> = [];
  const walls: Array<[number, number]> = [];
  rows.forEach((row, y) =>
    [...row].forEach((c, x) => {
      const edge = x === 0 || y === 0 || x === row.length - 1 || y === rows.length - 1;
      if (c === '.' && !(x === 1 && y === 1) && !(x === row.length - 2 && y === rows.length - 2)) floor.push([x, y]);
      else if (c === '#' && !edge) walls.push([x, y]);
    }),
  );
  const word = theme.split(' ')[1] ?? theme;
  const items: Item[] = KINDS[server].map((kind) => {
    const [x, y] = floor.splice(Math.floor(rng() * floor.length), 1)[0];
    const [lo, hi] = POWER[kind];
    return {
      name: `${word} ${kind} ${designer}`,
      kind,
      level,
      x,
      y,
      power: lo + Math.floor(rng() * (hi - lo + 1)),
      flavor: `A ${kind} found in ${theme}.`,
    };
  });
  if (designer === 'a2' && walls.length) [items[3].x, items[3].y] = walls[Math.floor(rng() * walls.length)];
  if (designer === 'b3') items[1].power = 11;
  if (designer === 'b1')
    Object.assign(items[0], { name: 'laser crate b1', flavor: 'A crate of laser rifles from a space station.' });
  return `Here are my items:\n\`\`\`json\n${JSON.stringify(items, null, 1)}\n\`\`\``;
}

export function standIn(prompt: string): string {
  if (prompt.includes(CODEGEN_MARKER)) return `\`\`\`javascript\n${validateItem.toString()}\n\`\`\``;
  if (prompt.includes(DESIGN_MARKER)) return design(prompt);
  if (prompt.includes(REVIEW_MARKER)) {
    const theme = /theme is "([^"]+)"/.exec(prompt)?.[1] ?? '';
    const flavor = /flavour: "([^"]*)"/.exec(prompt)?.[1] ?? '';
    return theme && flavor.toLowerCase().includes(theme.toLowerCase()) ? 'accept' : 'reject';
  }
  return 'The scripted stand-in has no prepared answer for this request.';
}
