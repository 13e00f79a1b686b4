/**
 * A few SVG primitives for the examples' pictures: no dependency, text escaped, numbers rounded so
 * the files stay small and diff well.
 */

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (x: number) => String(Math.round(x * 100) / 100);

type Attrs = Record<string, string | number | undefined>;
const attrs = (a: Attrs) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n(v) : esc(v as string)}"`)
    .join('');

export const line = (x1: number, y1: number, x2: number, y2: number, a: Attrs = {}) =>
  `<line${attrs({ x1, y1, x2, y2, stroke: '#333', ...a })}/>`;
export const rect = (x: number, y: number, width: number, height: number, a: Attrs = {}) =>
  `<rect${attrs({ x, y, width, height, ...a })}/>`;
export const circle = (cx: number, cy: number, r: number, a: Attrs = {}) => `<circle${attrs({ cx, cy, r, ...a })}/>`;
export const text = (x: number, y: number, s: string, a: Attrs = {}) =>
  `<text${attrs({ x, y, 'font-size': 12, ...a })}>${esc(s)}</text>`;
export const polyline = (pts: Array<[number, number]>, a: Attrs = {}) =>
  `<polyline${attrs({ points: pts.map(([x, y]) => `${n(x)},${n(y)}`).join(' '), fill: 'none', stroke: '#333', ...a })}/>`;
export const path = (d: string, a: Attrs = {}) => `<path${attrs({ d, fill: 'none', stroke: '#333', ...a })}/>`;
export const group = (body: string[], a: Attrs = {}) => `<g${attrs(a)}>${body.join('')}</g>`;

/** A whole SVG document with a white background and a sans-serif default font. */
export function svgDoc(width: number, height: number, body: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n` +
    `${rect(0, 0, width, height, { fill: '#fff' })}\n${body.join('\n')}\n</svg>\n`
  );
}

/** A linear map from [d0, d1] onto [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface Frame {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Axes with ticks and labels for a plot area; returns the SVG parts. `yLog` labels ticks as powers of ten. */
export function axes(
  f: Frame,
  xTicks: Array<[number, string]>,
  yTicks: Array<[number, string]>,
  xLabel: string,
  yLabel: string,
): string[] {
  const out = [line(f.x, f.y + f.h, f.x + f.w, f.y + f.h), line(f.x, f.y, f.x, f.y + f.h)];
  for (const [px, label] of xTicks) {
    out.push(
      line(px, f.y + f.h, px, f.y + f.h + 4),
      text(px, f.y + f.h + 16, label, { 'text-anchor': 'middle', 'font-size': 10 }),
    );
  }
  for (const [py, label] of yTicks) {
    out.push(
      line(f.x - 4, py, f.x, py),
      line(f.x, py, f.x + f.w, py, { stroke: '#eee' }),
      text(f.x - 6, py + 3, label, { 'text-anchor': 'end', 'font-size': 10 }),
    );
  }
  out.push(text(f.x + f.w / 2, f.y + f.h + 32, xLabel, { 'text-anchor': 'middle', 'font-size': 11 }));
  out.push(
    text(f.x - 44, f.y + f.h / 2, yLabel, {
      'text-anchor': 'middle',
      'font-size': 11,
      transform: `rotate(-90 ${n(f.x - 44)} ${n(f.y + f.h / 2)})`,
    }),
  );
  return out;
}
