// After `vitest run --coverage`: line coverage per shipped folder (src/, tools/, resources/,
// prompts/), from the json-summary report, so the figure CONTRIBUTING.md states can be re-read.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
const folders = new Map();
for (const [file, s] of Object.entries(summary)) {
  if (file === 'total') continue;
  const top = relative(process.cwd(), file).split('/')[0];
  const f = folders.get(top) ?? { covered: 0, total: 0 };
  f.covered += s.lines.covered;
  f.total += s.lines.total;
  folders.set(top, f);
}
for (const [top, f] of [...folders].sort()) {
  process.stdout.write(`lines ${top}/: ${((100 * f.covered) / f.total).toFixed(1)}% (${f.covered}/${f.total})\n`);
}
