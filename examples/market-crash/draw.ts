import { axes, circle, line, polyline, rect, scale, svgDoc, text, ticks, type Frame } from '../lib/svg.js';

export interface MarketPicture {
  assets: string[];
  prices: number[][];
  crashAt: number;
  root: number;
  planted: string[];
  recovered: Array<{ key: string; byVote: boolean }>;
  score: { tp: number; fp: number; fn: number; f1: number };
}

const COLORS = ['#337ab7', '#5cb85c', '#f0ad4e', '#9b59b6', '#d9534f', '#17a2b8', '#795548', '#607d8b'];

/** Prices with the crash marked; the causal graph: recovered and planted (green), recovered only (red), missed (grey). */
export function drawMarket(p: MarketPicture): string {
  const W = 1040;
  const H = 540;
  const body: string[] = [
    '<defs>' +
      ['#2e7d32', '#d9534f', '#aaa']
        .map(
          (c, i) =>
            `<marker id="a${i}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
        )
        .join('') +
      '</defs>',
  ];
  body.push(
    text(20, 30, `Causal market crash: ${p.assets.length} assets, planted vs recovered causal graph`, {
      'font-size': 16,
      'font-weight': 'bold',
    }),
  );
  body.push(
    text(
      20,
      50,
      'Simulated: synthetic returns from a vector autoregression with a planted graph and a crash; edges judged by ephemeral agents, contested ones by multi_model_vote.',
      { 'font-size': 11, fill: '#555' },
    ),
  );

  const f: Frame = { x: 70, y: 90, w: 440, h: 380 };
  const days = p.prices[0].length;
  const all = p.prices.flat();
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const x = scale(0, days - 1, f.x, f.x + f.w);
  const y = scale(lo, hi, f.y + f.h, f.y);
  body.push(text(f.x, f.y - 12, 'Prices (index, start = 100)', { 'font-size': 13, 'font-weight': 'bold' }));
  body.push(
    ...axes(
      f,
      ticks(0, days, 5).map((d) => [x(d), String(d)]),
      ticks(lo, hi, 5).map((v) => [y(v), String(v)]),
      'day',
      'price',
    ),
  );
  body.push(rect(x(p.crashAt), f.y, x(p.crashAt + 3) - x(p.crashAt) + 1, f.h, { fill: '#d9534f', 'fill-opacity': 0.25 }));
  body.push(
    text(x(p.crashAt) - 4, f.y + 12, `crash (${p.assets[p.root]})`, { 'text-anchor': 'end', 'font-size': 10, fill: '#c00' }),
  );
  p.prices.forEach((series, k) => {
    const step = Math.max(1, Math.floor(series.length / 250));
    const pts: Array<[number, number]> = [];
    for (let t = 0; t < series.length; t += step) pts.push([x(t), y(series[t])]);
    body.push(polyline(pts, { stroke: COLORS[k % COLORS.length], 'stroke-width': k === p.root ? 2 : 1.2 }));
    body.push(
      text(f.x + f.w + 4, y(series[series.length - 1]) + 3, p.assets[k], { 'font-size': 9, fill: COLORS[k % COLORS.length] }),
    );
  });

  // The graph on a circle.
  const cx = 790;
  const cy = 290;
  const R = 170;
  const pos = p.assets.map((_, k) => [
    cx + R * Math.cos((2 * Math.PI * k) / p.assets.length - Math.PI / 2),
    cy + R * Math.sin((2 * Math.PI * k) / p.assets.length - Math.PI / 2),
  ]);
  const index = new Map(p.assets.map((a, i) => [a, i]));
  const planted = new Set(p.planted);
  const rec = new Map(p.recovered.map((r) => [r.key, r]));
  const edges = new Set([...planted, ...rec.keys()]);
  body.push(
    text(
      cx - R - 40,
      90 - 12,
      `Causal graph: F1 ${p.score.f1.toFixed(2)} (${p.score.tp} found, ${p.score.fp} false, ${p.score.fn} missed)`,
      { 'font-size': 13, 'font-weight': 'bold' },
    ),
  );
  for (const k of edges) {
    const [a, b] = k.split('->');
    const [x1, y1] = pos[index.get(a)!];
    const [x2, y2] = pos[index.get(b)!];
    const d = Math.hypot(x2 - x1, y2 - y1);
    const [ux, uy] = [(x2 - x1) / d, (y2 - y1) / d];
    const kind = planted.has(k) && rec.has(k) ? 0 : rec.has(k) ? 1 : 2;
    const style = [
      { stroke: '#2e7d32', 'stroke-width': 2.5 },
      { stroke: '#d9534f', 'stroke-width': 2, 'stroke-dasharray': '6 4' },
      { stroke: '#aaa', 'stroke-width': 1.5, 'stroke-dasharray': '2 4' },
    ][kind];
    body.push(line(x1 + ux * 24, y1 + uy * 24, x2 - ux * 24, y2 - uy * 24, { ...style, 'marker-end': `url(#a${kind})` }));
    if (rec.get(k)?.byVote) body.push(text((x1 + x2) / 2 + 4, (y1 + y2) / 2 - 4, 'vote', { 'font-size': 9, fill: '#555' }));
  }
  p.assets.forEach((a, k) => {
    body.push(
      circle(pos[k][0], pos[k][1], 22, {
        fill: k === p.root ? '#fde2e1' : '#fff',
        stroke: COLORS[k % COLORS.length],
        'stroke-width': 2,
      }),
    );
    body.push(text(pos[k][0], pos[k][1] + 4, a, { 'text-anchor': 'middle', 'font-size': 10, 'font-weight': 'bold' }));
  });
  const legend: Array<[string, string, string | undefined]> = [
    ['#2e7d32', 'planted and recovered', undefined],
    ['#d9534f', 'recovered, not planted', '6 4'],
    ['#aaa', 'planted, missed', '2 4'],
  ];
  legend.forEach(([c, label, dash], i) => {
    body.push(line(600 + i * 150, H - 30, 630 + i * 150, H - 30, { stroke: c, 'stroke-width': 2.5, 'stroke-dasharray': dash }));
    body.push(text(636 + i * 150, H - 26, label, { 'font-size': 10 }));
  });
  return svgDoc(W, H, body);
}
