/**
 * `npm run bench`: every figure the issues name, measured here, printed beside its anchor.
 * Usage: node dist/bench/run.js [memory|stdio|http|tools ...] (default: all). BENCH_SIZES=10000,100000 to change sizes.
 */
import { runCodegenSuite } from './codegen.js';
import { runEphemeralBench } from './ephemeral.js';
import { runApplyEditBench } from './apply-edit.js';
import { runMemoryBench } from './memory.js';
import { runSemanticMemoryBench } from './memory-semantic.js';
import { runStdioBench } from './stdio.js';
import { runHttpBench } from './http.js';
import { runVoteBench } from './vote.js';
import { runAggregateBench } from './aggregate.js';
import { runConsensusBench, runConsensusLong } from './consensus.js';
import { runCrdtBench } from './crdt.js';
import { runDashboardBench } from './dashboard.js';
import { runFuzzBench, runStdioReadBench } from './fuzz.js';
import { runToolsListBench } from './tools-list.js';
import { runClusterBench } from './cluster.js';
import { printTable } from './lib/stats.js';
import { cpus } from 'node:os';

const semantic = async () => {
  const r = await runSemanticMemoryBench();
  printTable('Memory by meaning: use-lite (Universal Sentence Encoder lite) beside hash-384, anchors from this run', r.table);
  printTable(
    'Retrieval set (bench/data/retrieval: 156 hand-written query -> memory pairs, 1,025 distractors), recall@1 / recall@5 / MRR',
    r.retrieval,
  );
  printTable(
    'Binary-quantised prefilter at 100k × 512 (1,181 real use-lite vectors + 98,819 built from them; see bench/memory-semantic.ts): oversampling sweep',
    r.pools,
  );
  printTable('use-lite on TensorFlow.js backends (both install from npm alone)', r.backends);
};

const suites: Record<string, () => Promise<void>> = {
  memory: async () => {
    const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
    printTable(
      'Memory: insert and search (hash-384 embedder, topic-structured synthetic corpus, seed 42)',
      await runMemoryBench(sizes),
    );
    await semantic();
  },
  'memory-semantic': semantic,
  stdio: async () => printTable('MCP over stdio', await runStdioBench()),
  http: async () => printTable('MCP over Streamable HTTP (loopback, bearer token on)', await runHttpBench()),
  vote: async () => printTable('multi_model_vote and the LLM router (loopback fake provider, real SDKs)', await runVoteBench()),
  apply: async () =>
    printTable(
      'apply_edit on two corpora of real edits (commit history; npm release diffs), beside agent-booster',
      await runApplyEditBench(),
    ),
  codegen: async () =>
    printTable(
      'generate_code: memory path vs LLM path (real store on a temp file, hash-384, loopback fake provider)',
      await runCodegenSuite(),
    ),
  aggregate: async () =>
    printTable('aggregate: tree and gossip aggregation (engine, seeded simulated agents)', await runAggregateBench()),
  ephemeral: async () =>
    printTable(
      'spawn_ephemeral: short-lived agents (real store on a temp file, hash-384, 10k memories; loopback fake provider)',
      await runEphemeralBench(),
    ),
  consensus: async () =>
    printTable(
      'byzantine_propose: PBFT in-process (simulated network, zero wall-clock delay; MAC authenticators, Ed25519 certificates)',
      await runConsensusBench(),
    ),
  'consensus-long': async () => printTable('PBFT property schedules, long run (10 × CI)', await runConsensusLong()),
  fuzz: async () => {
    printTable("stdio read path at sixfold's input limits (one line; the SDK's buffer beside sixfold's)", runStdioReadBench());
    printTable('fuzz: hostile and random valid tool calls through a real MCP client (long run)', await runFuzzBench());
  },
  crdt: async () =>
    printTable(
      'crdt: gossip between in-process Y.Docs (seeded in-memory network) and crdt_merge throughput',
      await runCrdtBench(),
    ),
  tools: async () =>
    printTable(
      'tools/list size per preset (what a client pays in context for the tool list; a size, not a timing)',
      await runToolsListBench(),
    ),
  cluster: async () =>
    printTable(
      'cluster: separate sixfold processes over the mutual-TLS peer network (loopback, and Linux network namespaces when root)',
      await runClusterBench(),
    ),
  dashboard: async () =>
    printTable(
      'dashboard: first paint in Chromium (Debian, headless, loopback, fresh context per sample) and bundle size',
      await runDashboardBench(),
    ),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(suites).filter((s) => s !== 'consensus-long' && s !== 'memory-semantic');
process.stdout.write(`sixfold bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    process.stderr.write(`unknown suite "${name}"; suites: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
  await suite();
}
