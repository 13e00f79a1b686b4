import { axes, rect, line, polyline, scale, svgDoc, text, circle, type Frame } from '../lib/svg.js';

export interface OceanPicture {
  pages: number;
  edges: number;
  residuals: number[];
  tolerance: number;
  top: Array<{ name: string; rank: number; in_links: number; partition: number }>;
  partitions: number;
}

const COLORS = ['#337ab7', '#5cb85c', '#f0ad4e', '#9b59b6', '#d9534f', '#17a2b8', '#795548', '#607d8b'];

/** The convergence curve (global residual per round, log scale) and the top pages by rank. */
export function drawOcean(p: OceanPicture): string {
  const W = 1000;
  const H = 520;
  const body: string[] = [];
  body.push(
    text(
      20,
      30,
      `Ocean PageRank: ${p.pages.toLocaleString('en-US')} pages, ${p.edges.toLocaleString('en-US')} links, ${p.partitions} partitions`,
      { 'font-size': 16, 'font-weight': 'bold' },
    ),
  );
  body.push(
    text(
      20,
      50,
      "Simulated: a generated power-law graph; partition workers are threads; each round's vector is merged through a sixfold CRDT document, the residual summed by aggregate.",
      { 'font-size': 11, fill: '#555' },
    ),
  );

  // Convergence.
  const f: Frame = { x: 80, y: 90, w: 360, h: 360 };
  const logs = p.residuals.map((r) => Math.log10(Math.max(r, 1e-12)));
  const lo = Math.floor(Math.min(...logs, Math.log10(p.tolerance)) - 0.5);
  const hi = Math.ceil(Math.max(...logs));
  const x = scale(1, Math.max(2, p.residuals.length), f.x, f.x + f.w);
  const y = scale(lo, hi, f.y + f.h, f.y);
  body.push(text(f.x, f.y - 12, 'Global residual per round (L1, log scale)', { 'font-size': 13, 'font-weight': 'bold' }));
  const xt = Array.from({ length: p.residuals.length }, (_, i) => i + 1).filter((r) => r === 1 || r % 5 === 0);
  const yt = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  body.push(
    ...axes(
      f,
      xt.map((r) => [x(r), String(r)]),
      yt.map((e) => [y(e), `1e${e}`]),
      'round',
      'residual',
    ),
  );
  body.push(
    line(f.x, y(Math.log10(p.tolerance)), f.x + f.w, y(Math.log10(p.tolerance)), {
      stroke: '#d9534f',
      'stroke-dasharray': '5 4',
    }),
  );
  body.push(
    text(f.x + f.w - 4, y(Math.log10(p.tolerance)) - 5, `tolerance ${p.tolerance.toExponential(0)}`, {
      'text-anchor': 'end',
      'font-size': 10,
      fill: '#d9534f',
    }),
  );
  body.push(
    polyline(
      logs.map((l, i) => [x(i + 1), y(l)]),
      { stroke: '#337ab7', 'stroke-width': 2 },
    ),
  );
  logs.forEach((l, i) => body.push(circle(x(i + 1), y(l), 2.5, { fill: '#337ab7' })));

  // Top pages.
  const g: Frame = { x: 620, y: 90, w: 340, h: 360 };
  body.push(
    text(g.x - 120, g.y - 12, `Top ${p.top.length} pages by PageRank (colour: partition)`, {
      'font-size': 13,
      'font-weight': 'bold',
    }),
  );
  const max = Math.max(...p.top.map((t) => t.rank));
  const bx = scale(0, max, g.x, g.x + g.w - 70);
  const rowH = g.h / p.top.length;
  p.top.forEach((t, i) => {
    const yy = g.y + i * rowH;
    body.push(text(g.x - 8, yy + rowH * 0.65, t.name, { 'text-anchor': 'end', 'font-size': 10 }));
    body.push(rect(g.x, yy + 2, bx(t.rank) - g.x, rowH - 4, { fill: COLORS[t.partition % COLORS.length] }));
    body.push(
      text(bx(t.rank) + 4, yy + rowH * 0.65, `${t.rank.toExponential(2)} · ${t.in_links} in`, { 'font-size': 9, fill: '#444' }),
    );
  });
  for (let k = 0; k < p.partitions; k++) {
    body.push(rect(g.x - 120 + k * 95, H - 40, 10, 10, { fill: COLORS[k % COLORS.length] }));
    body.push(text(g.x - 106 + k * 95, H - 31, `partition ${k}`, { 'font-size': 10 }));
  }
  return svgDoc(W, H, body);
}
