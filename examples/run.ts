/**
 * `npm run example -- <name> [--seed N] [--out DIR] [--result FILE]`: runs one example, prints what
 * is simulated, who answered the LLM steps, the result table and, as the last line of stdout, the
 * path of the SVG it wrote. Progress goes to stderr.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Example } from './lib/example.js';
import { DEFAULT_OUT } from './lib/paths.js';

/** Loaded only once chosen: an example's modules (worker threads, Yjs) cost nothing until then. */
const EXAMPLES: ReadonlyArray<{ name: string; load: () => Promise<Example> }> = [
  { name: 'protein-folding', load: async () => (await import('./protein-folding/index.js')).proteinFolding },
  { name: 'ocean-pagerank', load: async () => (await import('./ocean-pagerank/index.js')).oceanPagerank },
  { name: 'market-crash', load: async () => (await import('./market-crash/index.js')).marketCrash },
  { name: 'p2p-game', load: async () => (await import('./p2p-game/index.js')).p2pGame },
  { name: 'self-healing-cluster', load: async () => (await import('./self-healing-cluster/index.js')).selfHealingCluster },
];

const USAGE = `usage: npm run example -- <name> [--seed N] [--out DIR] [--result FILE]\nnames: ${EXAMPLES.map((e) => e.name).join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]): { entry: (typeof EXAMPLES)[number]; seed: number; out: string; result?: string } {
  let name: string | undefined;
  let seed = 1;
  let out = DEFAULT_OUT;
  let result: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--seed') {
      const v = value();
      if (!/^\d{1,9}$/.test(v)) fail(`--seed takes a whole number, 0 to 999999999 (got "${v.slice(0, 40)}")`);
      seed = Number(v);
    } else if (a === '--out') out = resolve(value());
    else if (a === '--result') result = resolve(value());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a.slice(0, 40)}`);
    else if (name === undefined) name = a;
    else fail(`one example at a time (got "${name}" and "${a.slice(0, 40)}")`);
  }
  if (name === undefined) fail('name an example');
  const entry = EXAMPLES.find((e) => e.name === name);
  if (!entry) fail(`no example "${name.slice(0, 40)}"`);
  return { entry, seed, out, result };
}

async function main(): Promise<void> {
  const { entry, seed, out, result } = parse(process.argv.slice(2));
  const example = await entry.load();
  const workDir = mkdtempSync(join(tmpdir(), `sixfold-example-${example.name}-`));
  const started = performance.now();
  try {
    const report = await example.run({ seed, workDir, progress: (line) => process.stderr.write(`[${example.name}] ${line}\n`) });
    mkdirSync(out, { recursive: true });
    const svgPath = join(out, `${example.name}.svg`);
    writeFileSync(svgPath, report.svg);
    if (result) writeFileSync(result, JSON.stringify({ ...(report.result as object), llm: report.llm }, null, 1));
    const lines = [
      `sixfold example: ${example.name} (${example.title}), seed ${seed}`,
      `Simulated: ${report.simulated}`,
      ...(report.llm.length
        ? report.llm.map((l, i) => `${i === 0 ? 'LLM steps answered by: ' : '                       '}${l}`)
        : ['LLM steps: none']),
      '',
      report.table,
      '',
      ...report.notes,
      svgPath,
    ];
    process.stderr.write(`[${example.name}] done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`example failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
