/** Percentiles and table printing shared by every bench script. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: number[]): { p50: number; p95: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), n: s.length };
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}

export interface Row {
  figure: string;
  anchor: string;
  ours: string;
  goal: string;
  met?: boolean;
}

export function printTable(title: string, rows: Row[]): void {
  const head = ['figure', 'anchor / baseline', 'sixfold (measured)', 'goal', 'met'];
  const cells = rows.map((r) => [r.figure, r.anchor, r.ours, r.goal, r.met === undefined ? '—' : r.met ? 'yes' : 'NO']);
  const out = [`\n### ${title}\n`, `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of cells) out.push(`| ${c.join(' | ')} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Lets the event loop and GC settle between measured phases. */
export async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  (globalThis as { gc?: () => void }).gc?.();
}
