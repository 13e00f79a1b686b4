import { circle, group, line, polyline, rect, svgDoc, text, scale, type Frame } from '../lib/svg.js';
import { decode, type Point } from './hp.js';

export interface Panel {
  title: string;
  subtitle: string;
  moves: string;
  /** Drawn with a red frame: a proposal that failed verification. */
  rejected?: boolean;
}

/** One fold in a frame: backbone, H–H contacts dotted, H filled, P hollow, overlapping residues ringed red. */
function drawFold(sequence: string, moves: string, f: Frame, big: boolean): string[] {
  const pts = decode(moves);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const cell = Math.min((f.w - 20) / Math.max(1, x1 - x0), (f.h - 20) / Math.max(1, y1 - y0), big ? 40 : 22);
  const ox = f.x + (f.w - cell * (x1 - x0)) / 2;
  const oy = f.y + (f.h - cell * (y1 - y0)) / 2;
  const at = (p: Point): [number, number] => [ox + (p[0] - x0) * cell, oy + (y1 - p[1]) * cell];
  const out: string[] = [];
  const index = new Map<string, number[]>();
  pts.forEach((p, i) => index.set(`${p[0]},${p[1]}`, [...(index.get(`${p[0]},${p[1]}`) ?? []), i]));
  for (let i = 0; i < pts.length; i++) {
    if (sequence[i] !== 'H') continue;
    for (const [dx, dy] of [
      [1, 0],
      [0, 1],
    ]) {
      for (const j of index.get(`${pts[i][0] + dx},${pts[i][1] + dy}`) ?? []) {
        if (Math.abs(j - i) > 1 && sequence[j] === 'H') {
          const [ax, ay] = at(pts[i]);
          const [bx, by] = at(pts[j]);
          out.push(line(ax, ay, bx, by, { stroke: '#d9534f', 'stroke-width': big ? 2 : 1.2, 'stroke-dasharray': '3 3' }));
        }
      }
    }
  }
  out.push(polyline(pts.map(at), { stroke: '#555', 'stroke-width': big ? 3 : 2 }));
  const r = big ? 9 : 5;
  pts.forEach((p, i) => {
    const [cx, cy] = at(p);
    const h = sequence[i] === 'H';
    out.push(circle(cx, cy, r, { fill: h ? '#222' : '#fff', stroke: '#222', 'stroke-width': 1.5 }));
    if ((index.get(`${p[0]},${p[1]}`)?.length ?? 0) > 1)
      out.push(circle(cx, cy, r + 4, { fill: 'none', stroke: '#e02020', 'stroke-width': 2 }));
  });
  const [sx, sy] = at(pts[0]);
  out.push(text(sx, sy - r - 4, 'N', { 'text-anchor': 'middle', 'font-size': big ? 12 : 9, fill: '#555' }));
  return out;
}

export interface EnergyStrip {
  name: string;
  claims: number[];
  verified: number | null;
}

/** The consensus fold large, the four proposals small, and every run's claimed energy per folder. */
export function drawProtein(sequence: string, consensus: Panel, proposals: Panel[], strips: EnergyStrip[]): string {
  const W = 980;
  const H = 660;
  const body: string[] = [];
  body.push(
    text(20, 30, `HP lattice folding, ${sequence.length} residues: ${sequence}`, { 'font-size': 16, 'font-weight': 'bold' }),
  );
  body.push(
    text(
      20,
      50,
      'Simulated: a toy 2D HP model and Monte Carlo folders (one with a broken self-avoidance check); consensus by PBFT through byzantine_propose.',
      { 'font-size': 11, fill: '#555' },
    ),
  );
  const big: Frame = { x: 20, y: 70, w: 460, h: 400 };
  body.push(rect(big.x, big.y, big.w, big.h, { fill: '#fafafa', stroke: '#888' }));
  body.push(text(big.x + 10, big.y + 20, consensus.title, { 'font-size': 14, 'font-weight': 'bold' }));
  body.push(text(big.x + 10, big.y + 38, consensus.subtitle, { 'font-size': 11, fill: '#444' }));
  body.push(group(drawFold(sequence, consensus.moves, { x: big.x, y: big.y + 40, w: big.w, h: big.h - 40 }, true)));
  proposals.forEach((p, k) => {
    const f: Frame = { x: 500 + (k % 2) * 240, y: 70 + Math.floor(k / 2) * 205, w: 230, h: 195 };
    body.push(
      rect(f.x, f.y, f.w, f.h, { fill: '#fff', stroke: p.rejected ? '#e02020' : '#888', 'stroke-width': p.rejected ? 2 : 1 }),
    );
    body.push(text(f.x + 8, f.y + 16, p.title, { 'font-size': 12, 'font-weight': 'bold', fill: p.rejected ? '#c00' : '#222' }));
    body.push(text(f.x + 8, f.y + 31, p.subtitle, { 'font-size': 10, fill: '#444' }));
    body.push(group(drawFold(sequence, p.moves, { x: f.x, y: f.y + 32, w: f.w, h: f.h - 34 }, false)));
  });
  // Claimed energies of every run, one row per folder; the verified energy of its proposal as a bar.
  const all = strips.flatMap((s) => s.claims);
  const lo = Math.min(...all, ...strips.map((s) => s.verified ?? 0)) - 1;
  const x = scale(lo, 0, 160, W - 40);
  const top = 500;
  body.push(
    text(20, top - 8, 'Claimed energy of every run (dots) and the verified energy of each proposal (bar); lower is better', {
      'font-size': 12,
      'font-weight': 'bold',
    }),
  );
  for (let e = Math.ceil(lo); e <= 0; e++) {
    body.push(line(x(e), top, x(e), top + strips.length * 30, { stroke: '#eee' }));
    body.push(text(x(e), top + strips.length * 30 + 14, String(e), { 'text-anchor': 'middle', 'font-size': 10 }));
  }
  strips.forEach((s, k) => {
    const y = top + 15 + k * 30;
    body.push(text(20, y + 4, s.name, { 'font-size': 11 }));
    s.claims.forEach((c, i) =>
      body.push(
        circle(x(c), y + ((i % 3) - 1) * 5, 3.5, { fill: s.verified === null ? '#e02020' : '#337ab7', 'fill-opacity': 0.6 }),
      ),
    );
    if (s.verified !== null) body.push(rect(x(s.verified) - 1.5, y - 11, 3, 22, { fill: '#222' }));
    else body.push(text(W - 36, y + 4, 'invalid', { 'font-size': 10, fill: '#c00', 'text-anchor': 'end' }));
  });
  return svgDoc(W, H, body);
}
