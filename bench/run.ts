/**
 * `npm run bench`: every figure the issues name, measured here, printed beside its anchor.
 * Usage: node dist/bench/run.js [memory|stdio ...] (default: all). BENCH_SIZES=10000,100000 to change sizes.
 */
import { runCodegenBench } from './codegen.js';
import { runApplyEditBench } from './apply-edit.js';
import { runMemoryBench } from './memory.js';
import { runStdioBench } from './stdio.js';
import { runVoteBench } from './vote.js';
import { runCrdtBench } from './crdt.js';
import { printTable } from './lib/stats.js';
import { cpus } from 'node:os';

const suites: Record<string, () => Promise<void>> = {
  memory: async () => {
    const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
    printTable('Memory: insert and search (hash-384 embedder, topic-structured synthetic corpus, seed 42)', await runMemoryBench(sizes));
  },
  stdio: async () => printTable('MCP over stdio', await runStdioBench()),
  vote: async () => printTable('multi_model_vote and the LLM router (loopback fake provider, real SDKs)', await runVoteBench()),
  apply: async () => printTable('apply_edit on the corpus of real edits (test/fixtures/apply-edit), beside agent-booster', await runApplyEditBench()),
  crdt: async () => printTable('crdt: gossip between in-process Y.Docs (seeded in-memory network) and crdt_merge throughput', await runCrdtBench()),
  codegen: async () => printTable('generate_code: memory path vs LLM path (real store on a temp file, hash-384, loopback fake provider)', await runCodegenBench()),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(suites);
process.stdout.write(`sixfold bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    process.stderr.write(`unknown suite "${name}"; suites: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
  await suite();
}
