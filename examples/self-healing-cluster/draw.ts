import { axes, line, rect, scale, svgDoc, text, ticks, type Frame } from '../lib/svg.js';
import type { IncidentRecord } from './index.js';

const PATH_COLOR: Record<string, string> = { llm: '#d9534f', memory: '#2e7d32', 'llm, then memory': '#f0ad4e' };
const FAULT_SHORT: Record<string, string> = {
  memory_leak: 'leak',
  bad_deploy: 'deploy',
  noisy_neighbor: 'noisy',
  traffic_spike: 'spike',
};

/** Time to heal per incident over the run: red when the runbook had to be written (LLM, agents, vote), green when it came from memory. */
export function drawHealing(records: IncidentRecord[], tickSeconds: number): string {
  const W = 900;
  const H = 500;
  const body: string[] = [];
  body.push(
    text(20, 30, 'Self-healing cluster: time to heal per incident, over the run', { 'font-size': 16, 'font-weight': 'bold' }),
  );
  body.push(
    text(
      20,
      50,
      `Simulated: a Kubernetes-like cluster with injected faults; time in simulated ticks of ${tickSeconds} s. Green: runbook served from memory (record_outcome taught it).`,
      { 'font-size': 11, fill: '#555' },
    ),
  );
  const f: Frame = { x: 80, y: 80, w: 780, h: 320 };
  const max = Math.max(...records.map((r) => r.time_to_heal ?? 0), 1);
  const y = scale(0, max * 1.1, f.y + f.h, f.y);
  const band = f.w / records.length;
  body.push(
    ...axes(
      f,
      [],
      ticks(0, max * 1.1, 5).map((v) => [y(v), String(v)]),
      '',
      'ticks to heal',
    ),
  );
  records.forEach((r, i) => {
    const x = f.x + i * band;
    const v = r.time_to_heal ?? max;
    body.push(
      rect(x + band * 0.15, y(v), band * 0.7, y(0) - y(v), {
        fill: r.time_to_heal === null ? '#999' : (PATH_COLOR[r.path] ?? '#999'),
      }),
    );
    body.push(
      text(x + band / 2, y(v) - 5, r.time_to_heal === null ? 'not healed' : String(r.time_to_heal), {
        'text-anchor': 'middle',
        'font-size': 11,
      }),
    );
    body.push(text(x + band / 2, f.y + f.h + 15, r.id, { 'text-anchor': 'middle', 'font-size': 10 }));
    body.push(
      text(x + band / 2, f.y + f.h + 28, FAULT_SHORT[r.fault] ?? r.fault, {
        'text-anchor': 'middle',
        'font-size': 10,
        fill: '#555',
      }),
    );
    body.push(
      text(x + band / 2, f.y + f.h + 41, `${r.llm_requests} LLM`, { 'text-anchor': 'middle', 'font-size': 9, fill: '#777' }),
    );
  });
  // Running mean of the last four incidents: the trend.
  const pts = records.map((_, i) => {
    const win = records.slice(Math.max(0, i - 3), i + 1).map((r) => r.time_to_heal ?? max);
    return [f.x + i * band + band / 2, y(win.reduce((s, v) => s + v, 0) / win.length)] as [number, number];
  });
  for (let i = 1; i < pts.length; i++)
    body.push(
      line(pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], { stroke: '#333', 'stroke-width': 2, 'stroke-dasharray': '5 3' }),
    );
  const legend: Array<[string, string]> = [
    [PATH_COLOR.llm, 'runbook written (LLM + diagnosis agents + vote)'],
    [PATH_COLOR.memory, 'runbook from memory (no LLM call)'],
    ['#333', 'mean of the last four incidents'],
  ];
  legend.forEach(([c, label], i) => {
    body.push(rect(80 + i * 280, H - 30, 14, 10, { fill: c }));
    body.push(text(100 + i * 280, H - 21, label, { 'font-size': 11 }));
  });
  return svgDoc(W, H, body);
}
