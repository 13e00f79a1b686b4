import { circle, rect, svgDoc, text } from '../lib/svg.js';
import { EXIT, START } from './world.js';
import type { Proposal } from './index.js';

const KIND: Record<string, { letter: string; fill: string }> = {
  key: { letter: 'K', fill: '#f5d442' },
  potion: { letter: 'P', fill: '#7ed6a5' },
  chest: { letter: 'C', fill: '#c8a165' },
  sword: { letter: 'S', fill: '#b0c4de' },
  monster: { letter: 'M', fill: '#e57373' },
};
const SERVER = { A: '#1f5fa8', B: '#e07b00' };

/** The three levels side by side: walls, start and exit, and every accepted item (letter: kind, ring: the server that proposed it). */
export function drawGame(levels: string[][], items: Proposal[], rejected: number, proposed: number, identical: boolean): string {
  const cell = 20;
  const gap = 30;
  const w = levels[0][0].length * cell;
  const h = levels[0].length * cell;
  const W = 20 + levels.length * (w + gap);
  const body: string[] = [];
  body.push(
    text(20, 30, `P2P game world: ${items.length} items accepted of ${proposed} proposed by agents on two gossiping servers`, {
      'font-size': 16,
      'font-weight': 'bold',
    }),
  );
  body.push(
    text(
      20,
      50,
      `Simulated: a toy game; the servers are real sixfold processes gossiping one CRDT document. Replicas ${identical ? 'identical' : 'DIFFERENT'}; ${rejected} proposals rejected by vote or validator.`,
      { 'font-size': 11, fill: '#555' },
    ),
  );
  levels.forEach((rows, l) => {
    const ox = 20 + l * (w + gap);
    const oy = 80;
    body.push(text(ox, oy - 8, `level ${l + 1}`, { 'font-size': 13, 'font-weight': 'bold' }));
    body.push(rect(ox, oy, w, h, { fill: '#f4f1ea' }));
    rows.forEach((row, y) =>
      [...row].forEach((c, x) => {
        if (c === '#') body.push(rect(ox + x * cell, oy + y * cell, cell, cell, { fill: '#444' }));
      }),
    );
    for (const [[x, y], label] of [
      [START, 'S'],
      [EXIT, 'E'],
    ] as const) {
      body.push(rect(ox + x * cell + 2, oy + y * cell + 2, cell - 4, cell - 4, { fill: label === 'S' ? '#9ccc65' : '#90caf9' }));
      body.push(
        text(ox + x * cell + cell / 2, oy + y * cell + cell / 2 + 4, label, {
          'text-anchor': 'middle',
          'font-size': 11,
          'font-weight': 'bold',
        }),
      );
    }
    for (const it of items.filter((i) => i.level === l + 1)) {
      const k = Object.hasOwn(KIND, it.kind) ? KIND[it.kind] : { letter: '?', fill: '#fff' };
      const cx = ox + it.x * cell + cell / 2;
      const cy = oy + it.y * cell + cell / 2;
      body.push(circle(cx, cy, cell / 2 - 1.5, { fill: k.fill, stroke: SERVER[it.server] ?? '#000', 'stroke-width': 2.5 }));
      body.push(text(cx, cy + 4, k.letter, { 'text-anchor': 'middle', 'font-size': 10, 'font-weight': 'bold' }));
    }
  });
  const ly = 80 + h + 30;
  Object.entries(KIND).forEach(([kind, k], i) => {
    body.push(circle(30 + i * 110, ly, 8, { fill: k.fill, stroke: '#666' }));
    body.push(text(30 + i * 110, ly + 4, k.letter, { 'text-anchor': 'middle', 'font-size': 9, 'font-weight': 'bold' }));
    body.push(text(44 + i * 110, ly + 4, kind, { 'font-size': 11 }));
  });
  Object.entries(SERVER).forEach(([s, color], i) => {
    body.push(circle(600 + i * 170, ly, 8, { fill: '#fff', stroke: color, 'stroke-width': 2.5 }));
    body.push(text(614 + i * 170, ly + 4, `proposed on server ${s}`, { 'font-size': 11 }));
  });
  // Under each level, its items (colour: the server that proposed it).
  let most = 0;
  levels.forEach((_, l) => {
    const mine = items.filter((it) => it.level === l + 1).sort((x, y) => x.name.localeCompare(y.name));
    most = Math.max(most, mine.length);
    mine.forEach((it, i) =>
      body.push(
        text(20 + l * (w + gap), ly + 30 + i * 14, `${KIND[it.kind]?.letter ?? '?'} ${it.name} (power ${it.power})`, {
          'font-size': 10,
          fill: SERVER[it.server] ?? '#000',
        }),
      ),
    );
  });
  return svgDoc(W, ly + 40 + most * 14, body);
}
