import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { HashEmbedder } from '../src/memory/embed/hash.js';
import { MemoryStore } from '../src/memory/store.js';
import { lazy } from '../src/lazy.js';
import { ReasoningBank } from '../src/patterns/codegen/bank.js';
import {
  codegenDeps,
  generateCode,
  recordOutcome,
  type GenerateInput,
  type GenerateResult,
} from '../src/patterns/codegen/generate.js';
import { resolveProviders } from '../src/router/registry.js';
import { Router } from '../src/router/router.js';
import { startFakeProvider, type FakeProvider } from '../testkit/fake-provider.js';
import { fmt, settle, summarize, type Row } from './lib/stats.js';
import { EVAL_TASKS, TRAIN_TASKS } from '../testkit/learning-tasks.js';
import { runLearning } from '../testkit/learning.js';

/**
 * generate_code end to end in-process, through the functions the tools call (codegenDeps →
 * generateCode / recordOutcome, as tools/generate-code.ts and tools/record-outcome.ts do), over a
 * real MemoryStore on a temp-file DB (hash-384 embedder, sqlite-vec) and a real Router whose one
 * provider (openai-compatible, real SDK) points at the loopback fake answering a fenced code block
 * at 0 ms. Phase 1 (LLM path): 50 distinct tasks, each generated and recorded as a success, so the
 * bank learns a strategy per task. Phase 2 (memory path): reworded near-repeats of those tasks,
 * same language and context; every one must come back with source "memory" and the fake must see
 * no request.
 */

const MODEL = 'cg-openai';
const NAMESPACE = 'bench-codegen';
const WARMUP_NAMESPACE = 'bench-codegen-warmup';

/** Same language and context as the original; wording changed. Each must stay >= repeat_threshold. */
const REWORDINGS: Array<(task: string) => string> = [
  (t) => `Please ${t[0].toLowerCase()}${t.slice(1)}`,
  (t) => `${t.replace(/\.$/, '')}, please.`,
  (t) => `${t} Thanks!`,
];

const CSV_CONTEXT =
  'import csv\n\ndef read_rows(path):\n    with open(path, newline="") as f:\n        return list(csv.DictReader(f))\n';
const TS_CONTEXT =
  'export interface User {\n  id: string;\n  email: string;\n  createdAt: Date;\n}\n\nexport const users: User[] = [];\n';

/** 50 distinct tasks (25 python, 25 typescript, some with existing code). */
const TASKS: Array<Pick<GenerateInput, 'task' | 'language' | 'context'>> = [
  ...[
    'Write a function slugify(title) that turns an article title into a lowercase URL slug with hyphens.',
    'Write a function that parses ISO 8601 durations such as PT1H30M into a number of seconds.',
    'Write a function that validates an IPv4 address string and returns True only for four octets in range.',
    'Write a generator that yields the Fibonacci numbers below a given limit.',
    'Write a function that merges overlapping closed intervals given as a list of (start, end) tuples.',
    'Write a function that computes the Levenshtein edit distance between two strings with dynamic programming.',
    'Write an LRU cache class with get and put methods and a fixed capacity.',
    'Write a function that flattens an arbitrarily nested list of integers into one flat list.',
    'Write a function that returns the n most common words in a text file, ignoring case and punctuation.',
    'Write a function that converts a Roman numeral string like MCMXCIV into an integer.',
    'Write a retry decorator with exponential backoff that retries a function on any exception up to five times.',
    'Write a function that checks whether a string of brackets ()[]{} is balanced using a stack.',
    'Write a function that rotates a square matrix by ninety degrees clockwise in place.',
    'Write a function that chunks an iterable into lists of at most n items each.',
    'Write a function that finds all prime numbers up to n with the sieve of Eratosthenes.',
    'Write a function that reads a JSON lines log file and counts entries per severity level.',
    'Write a function that computes the SHA-256 checksum of a large file by reading it in blocks.',
    'Write a binary search function that returns the insertion index for a value in a sorted list.',
    'Write a function that converts a temperature table from Celsius to Fahrenheit and rounds to one decimal.',
    'Write a function that deduplicates a list while keeping the first occurrence order.',
    'Write a topological sort for a dependency graph given as a dict of node to list of prerequisites.',
  ].map((task) => ({ task, language: 'python' })),
  ...[
    'Add a function that sums the amount column per customer and returns a dict of totals.',
    'Add a function that writes the rows back to a CSV file sorted by the date column.',
    'Add a function that drops rows whose email column is empty or has no at sign.',
    'Add a function that groups the rows by country and counts how many rows each country has.',
  ].map((task) => ({ task, language: 'python', context: CSV_CONTEXT })),
  ...[
    'Write a debounce function that delays calling a callback until it has not been invoked for a given wait in milliseconds.',
    'Write a typed event emitter class with on, off and emit methods keyed by event name.',
    'Write a function that deep clones plain objects, arrays and Date values without using structuredClone.',
    'Write a function that formats a byte count as a human readable string such as 1.5 MB.',
    'Write a promise pool that runs async tasks with at most a given concurrency and keeps result order.',
    'Write a function that parses a query string into a record of keys to arrays of decoded values.',
    'Write a function that throttles a callback so it runs at most once per interval.',
    'Write a function that converts camelCase identifiers into snake_case identifiers.',
    'Write a function that computes the difference in whole days between two Date objects ignoring time zones.',
    'Write a generic function that partitions an array into two arrays by a predicate.',
    'Write a function that validates a credit card number with the Luhn checksum algorithm.',
    'Write a min heap class with push, pop and peek for numbers.',
    'Write a function that retries a fetch request up to three times when the response status is 5xx.',
    'Write a function that truncates a string to a maximum length and appends an ellipsis on a word boundary.',
    'Write a function that picks a random element from an array using weights given in a parallel array.',
    'Write a function that escapes the HTML special characters ampersand, less than, greater than and quotes.',
    'Write a function that builds a tree from a flat list of items with id and parentId fields.',
    'Write a function that parses semantic version strings and compares two of them.',
    'Write a memoize function for single argument functions backed by a Map.',
    'Write a function that converts an RGB color triple into a hexadecimal color string.',
    'Write a function that splits an array into pages of a given size and returns the requested page.',
  ].map((task) => ({ task, language: 'typescript' })),
  ...[
    'Add a function that finds a user by email case-insensitively and returns undefined when missing.',
    'Add a function that removes users created before a given date and returns how many were removed.',
    'Add a function that returns the users sorted by createdAt with the newest first.',
    'Add a function that validates a new user email and rejects duplicates already in the list.',
  ].map((task) => ({ task, language: 'typescript', context: TS_CONTEXT })),
];

/** The fake's reply: a short explanation and one fenced block tagged with the prompt's language. */
function fencedAnswer(prompt: string): string {
  const lang = /^Language: (\S+)/m.exec(prompt)?.[1] ?? 'python';
  const body =
    lang === 'python'
      ? 'def solution(*args):\n    """Generated by the fake provider."""\n    return args'
      : 'export function solution(...args: unknown[]): unknown[] {\n  return args;\n}';
  return `Here is the solution.\n\n\`\`\`${lang}\n${body}\n\`\`\`\n\nIt returns its arguments.`;
}

function harness(fake: FakeProvider, dbPath: string) {
  // Only the loopback fake: keys and base URLs come from this env, never from process.env.
  const env = { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL };
  const config: Config = { ...loadConfig({ db: dbPath }, env), providers: { ollama: { enabled: false } } };
  const { providers } = resolveProviders(config, env);
  if (providers.length !== 1 || providers[0].name !== 'openai')
    throw new Error(`bench codegen: expected only openai, got ${providers.map((p) => p.name).join(', ')}`);
  return { config, providers };
}

const chatRequests = (fake: FakeProvider) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions')).length;

export async function runCodegenBench(): Promise<Row[]> {
  const fake = await startFakeProvider();
  fake.script[MODEL] = { answer: fencedAnswer, latencyMs: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-codegen-'));
  const log = createLogger('silent');
  const { config, providers } = harness(fake, join(dir, 'sixfold.db'));
  // As src/main.ts builds them: the store on the DB file, the router's call log in the same DB.
  const store = await MemoryStore.open({
    path: config.db,
    embedder: new HashEmbedder(),
    log,
    workingTtlSeconds: config.memory.working_ttl_seconds,
  });
  const router = new Router(providers, config.router, { db: store.db, log });
  const deps = { config, store, router, bank: lazy(() => ReasoningBank.open(store)) };
  const llmCalls = () =>
    (store.db.prepare("SELECT count(*) AS n FROM llm_calls WHERE purpose = 'codegen'").get() as { n: number }).n;

  // What tools/generate-code.ts and tools/record-outcome.ts run per call (minus MCP framing).
  const generate = async (input: GenerateInput) => generateCode(await codegenDeps(deps), input);
  const succeed = async (r: GenerateResult) =>
    recordOutcome(await codegenDeps(deps), { trajectory_id: r.trajectory_id, success: true, notes: 'tests: all passed' });

  try {
    // Warm-up in its own namespace: SDK, sqlite statements, JIT. Not measured.
    for (let i = 0; i < 5; i++) {
      const w = TASKS[TASKS.length - 1 - i];
      const r = await generate({ ...w, namespace: WARMUP_NAMESPACE });
      await succeed(r);
      await generate({ ...w, task: REWORDINGS[0](w.task), namespace: WARMUP_NAMESPACE });
    }
    await settle();

    // Phase 1, LLM path: a fresh task → generate (one provider request) → record success.
    const llmMs: number[] = [];
    const req0 = chatRequests(fake);
    const log0 = llmCalls();
    let memoriesInPrompt = 0;
    for (const t of TASKS) {
      const s = performance.now();
      const r = await generate({ ...t, namespace: NAMESPACE });
      llmMs.push(performance.now() - s);
      if (r.source !== 'llm') throw new Error(`bench codegen: distinct task answered from ${r.source}: ${t.task}`);
      memoriesInPrompt += r.memories_used.length;
      const out = await succeed(r);
      if (!out.memories_created.some((m) => m.kind === 'strategy'))
        throw new Error('bench codegen: success distilled no strategy');
    }
    const llmRequests = chatRequests(fake) - req0;
    const llmLogged = llmCalls() - log0;
    const items = (
      store.db.prepare("SELECT count(*) AS n FROM reasoning_items WHERE namespace = ? AND kind = 'strategy'").get(NAMESPACE) as {
        n: number;
      }
    ).n;
    await settle();

    // Phase 2, memory path: reworded near-repeats, same language and context.
    const memMs: number[] = [];
    const sims: number[] = [];
    const req1 = chatRequests(fake);
    const all1 = fake.requests.length;
    const log1 = llmCalls();
    for (const reword of REWORDINGS) {
      for (const t of TASKS) {
        const task = reword(t.task);
        const s = performance.now();
        const r = await generate({ ...t, task, namespace: NAMESPACE });
        memMs.push(performance.now() - s);
        if (r.source !== 'memory') throw new Error(`bench codegen: near-repeat went to the ${r.source} path: ${task}`);
        sims.push(r.memories_used[0].similarity);
      }
    }
    const memRequests = chatRequests(fake) - req1;
    const memAnyRequests = fake.requests.length - all1;
    const memLogged = llmCalls() - log1;

    const L = summarize(llmMs);
    const M = summarize(memMs);
    const calls = Math.max(memRequests, memAnyRequests, memLogged);
    const minSim = Math.min(...sims);
    return [
      {
        figure: `generate_code near-repeat, memory path (${M.n} reworded near-repeats of ${TASKS.length} learned tasks, ${items} strategies in the bank)`,
        anchor: `LLM path p50 this run (fake at 0 ms): ${fmt(L.p50, 2)} ms`,
        ours:
          `p50 ${fmt(M.p50, 2)} ms, p95 ${fmt(M.p95, 2)} ms; provider calls ${memRequests} (fake requests of any kind ${memAnyRequests}, router llm_calls ${memLogged}); ` +
          `all source "memory", similarity min ${fmt(minSim, 3)} (threshold ${config.codegen.repeat_threshold}); met judged on p95`,
        goal: '< 20 ms and 0 calls',
        met: M.p95 < 20 && calls === 0,
      },
      {
        figure: `generate_code, LLM path (fake provider at 0 ms; ${L.n} distinct tasks, each then recorded as a success)`,
        anchor: 'informational',
        ours:
          `p50 ${fmt(L.p50, 2)} ms, p95 ${fmt(L.p95, 2)} ms; provider requests per call ${fmt(llmRequests / L.n, 2)} (router llm_calls ${llmLogged}); ` +
          `memories in prompt ${fmt(memoriesInPrompt / L.n, 2)} per call`,
        goal: 'print (1 provider request per call)',
      },
    ];
  } finally {
    store.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fake-provider rows, then the real-provider learning row. */
export async function runCodegenSuite(): Promise<Row[]> {
  return [...(await runCodegenBench()), await realProviderRow()];
}

/**
 * Learning with a real provider: runs only when the user's environment has a provider key (or
 * OLLAMA_BASE_URL), never in CI. 20 training tasks × 5 attempts = 100 trajectories; 12 held-out
 * evaluation tasks before and after. SIXFOLD_BENCH_PROVIDER pins one provider by name.
 */
async function realProviderRow(): Promise<Row> {
  const figure = 'learning with a real provider: pass rate of held-out tasks with unit tests, before / after 100 trajectories';
  const anchor = 'ReasoningBank paper: +4.6 to +8.3 points';
  const keys = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OLLAMA_BASE_URL'].filter((k) => process.env[k]);
  if (!keys.length) {
    return {
      figure,
      anchor,
      ours: 'skipped: no ANTHROPIC_API_KEY / OPENAI_API_KEY / GEMINI_API_KEY / OLLAMA_BASE_URL set',
      goal: 'print',
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-learning-'));
  try {
    const config = loadConfig({ db: join(dir, 'sixfold.db') }, process.env);
    const { providers } = resolveProviders(config, process.env);
    const r = await runLearning({
      providers,
      config,
      log: createLogger('silent'),
      train: TRAIN_TASKS,
      evaluate: EVAL_TASKS,
      attempts: Math.ceil(100 / TRAIN_TASKS.length),
      provider: process.env.SIXFOLD_BENCH_PROVIDER || undefined,
    });
    const pts = (x: number) => `${fmt(100 * x, 1)}%`;
    return {
      figure,
      anchor,
      goal: 'print',
      ours:
        `${pts(r.before)} → ${pts(r.after)} (${r.after >= r.before ? '+' : ''}${fmt(100 * (r.after - r.before), 1)} points, ${r.evaluated} tasks); ` +
        `training pass rate ${pts(r.trainFirst)} on the first pass → ${pts(r.trainLast)} on the last; ${r.trajectories} trajectories; ` +
        `${r.afterFromMemory} evaluation answers from memory; $${fmt(r.costUsd, 4)}; ${r.providerNames.join(', ')}`,
    };
  } catch (err) {
    return { figure, anchor, ours: `failed: ${err instanceof Error ? err.message : String(err)}`, goal: 'print' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
