import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, type Logger } from '../src/log.js';
import type { Embedder } from '../src/memory/embed/embedder.js';
import { HashEmbedder, hashEmbed } from '../src/memory/embed/hash.js';
import { createEmbedder } from '../src/memory/embed/index.js';
import { UseLiteEmbedder } from '../src/memory/embed/use-lite.js';
import { loadUseLite, type UseLiteModel } from '../src/memory/embed/use-lite-model.js';
import { QuantizedIndex, OVERSAMPLE, MIN_CANDIDATES } from '../src/memory/quantized.js';
import { searchMemories, type SearchMode } from '../src/memory/search.js';
import { MemoryStore } from '../src/memory/store.js';
import { toBlob } from '../src/memory/vectors.js';
import { lazy } from '../src/lazy.js';
import { ReasoningBank } from '../src/patterns/codegen/bank.js';
import { codegenDeps, generateCode, recordOutcome, type GenerateInput } from '../src/patterns/codegen/generate.js';
import { mulberry32 } from '../src/random.js';
import { resolveProviders } from '../src/router/registry.js';
import { Router } from '../src/router/router.js';
import { startFakeProvider } from '../testkit/fake-provider.js';
import { loadRetrievalSet, scoreRetrieval, type RetrievalScore } from './retrieval.js';
import { fmt, median, settle, summarize, type Row } from './lib/stats.js';

/**
 * The semantic-memory figures (issue: memory that finds things by meaning, under 10 ms at 100k).
 * Every anchor is measured in the same run. What the data is:
 *
 * - Retrieval quality: the hand-written set in bench/data/retrieval (see bench/retrieval.ts).
 * - 100k search: 100,000 unit vectors of 512 dims. The 1,181 texts of the retrieval set are
 *   embedded for real with use-lite; the other 98,819 vectors are built from them (a random real
 *   vector, plus up to 0.3 of another, plus Gaussian noise of 0.3 times the real per-dimension
 *   spread, renormalised), because embedding 100k sentences with the model would take 10+ minutes.
 *   Their text is half of one real text and half of another, so FTS5 sees English term
 *   frequencies. Queries are the 156 real query embeddings. Recall@10 is against sqlite-vec's exact
 *   KNN on the same table. At 1,181 vectors, where real data exists, sign-bit recall on real and on
 *   built vectors agree within about 0.02 at every oversampling (measured while building this); at
 *   100k, real collections with many near-duplicates may need a larger pool.
 */
const SYNTH_N = 100_000;
const K = 10;
const COLD_RUNS = 9;
const ENTRY = resolve('dist/src/main.js');

/** Returns queued vectors in order: lets a real store ingest precomputed embeddings. */
class SequenceEmbedder implements Embedder {
  readonly id = 'use-lite';
  readonly quantizable = true;
  private queue: Float32Array[] = [];
  push(vectors: Float32Array[]): void {
    this.queue.push(...vectors);
  }
  async dimensions(): Promise<number> {
    return 512;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.queue.length < texts.length) throw new Error('bench: SequenceEmbedder ran out of vectors');
    return this.queue.splice(0, texts.length);
  }
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function normalize(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/** The built 100k set (see the header): real vectors first, then mixtures of them plus noise. */
function buildVectors(real: Float32Array[], texts: string[], n: number): { vectors: Float32Array[]; texts: string[] } {
  const rand = mulberry32(11);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const D = real[0].length;
  const mean = new Float32Array(D);
  for (const v of real) for (let i = 0; i < D; i++) mean[i] += v[i] / real.length;
  const sd = new Float32Array(D);
  for (const v of real) for (let i = 0; i < D; i++) sd[i] += (v[i] - mean[i]) ** 2 / real.length;
  for (let i = 0; i < D; i++) sd[i] = Math.sqrt(sd[i]);
  const vectors = [...real];
  const outTexts = [...texts];
  while (vectors.length < n) {
    const a = Math.floor(rand() * real.length);
    const b = Math.floor(rand() * real.length);
    const l = 0.3 * rand();
    const v = new Float32Array(D);
    for (let i = 0; i < D; i++) v[i] = real[a][i] + l * real[b][i] + 0.3 * sd[i] * gauss();
    vectors.push(normalize(v));
    const wa = texts[a].split(' ');
    const wb = texts[b].split(' ');
    outTexts.push([...wa.slice(0, Math.ceil(wa.length / 2)), ...wb.slice(Math.floor(wb.length / 2))].join(' '));
  }
  return { vectors, texts: outTexts };
}

async function timeEach<T>(items: T[], f: (x: T, i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (const [i, x] of items.entries()) {
    const s = performance.now();
    await f(x, i);
    out.push(performance.now() - s);
  }
  return out;
}

const retrievalText = (s: RetrievalScore) => `R@1 ${fmt(s.recallAt1, 3)}, R@5 ${fmt(s.recallAt5, 3)}, MRR ${fmt(s.mrr, 3)}`;

export interface SemanticBench {
  table: Row[];
  retrieval: Row[];
  pools: Row[];
  backends: Row[];
}

export async function runSemanticMemoryBench(): Promise<SemanticBench> {
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-semantic-'));
  const log = createLogger('silent');
  const table: Row[] = [];
  const retrieval: Row[] = [];
  const pools: Row[] = [];
  const backends: Row[] = [];
  try {
    // --- Retrieval quality, through a real store and memory_search's code, per embedder and mode.
    const modes: SearchMode[] = ['vector', 'keyword', 'hybrid'];
    const hashScores = await scoreRetrieval(new HashEmbedder(), join(dir, 'ret-hash.db'), log, modes);
    const use = createEmbedder({ kind: 'use-lite' }, process.env, log);
    const useScores = await scoreRetrieval(use, join(dir, 'ret-use.db'), log, modes);
    await use.close?.();
    const { pairs, distractors } = loadRetrievalSet();
    for (const mode of modes) {
      retrieval.push({
        figure: `retrieval set, ${mode}${mode === 'hybrid' ? ' (RRF with FTS5)' : ''} (${pairs.length} queries, ${pairs.length + distractors.length} memories)`,
        anchor: `hash-384: ${retrievalText(hashScores.get(mode)!)}`,
        ours: `use-lite: ${retrievalText(useScores.get(mode)!)}`,
        goal: mode === 'hybrid' ? 'R@5 >= 0.80' : '—',
        met: mode === 'hybrid' ? useScores.get(mode)!.recallAt5 >= 0.8 : undefined,
      });
    }
    table.push({
      figure: 'recall@5 on the retrieval set, hybrid (queries share no content word with their memory)',
      anchor: `hash-384 hybrid, this run: ${fmt(hashScores.get('hybrid')!.recallAt5, 3)}`,
      ours: `use-lite hybrid ${fmt(useScores.get('hybrid')!.recallAt5, 3)} (use-lite vector ${fmt(useScores.get('vector')!.recallAt5, 3)})`,
      goal: '>= 0.80',
      met: useScores.get('hybrid')!.recallAt5 >= 0.8,
    });

    // --- Embedding cost: the server's path (worker, no cache) and both backends in-process.
    const sentences = pairs.map((p) => p.memory);
    const worker = new UseLiteEmbedder({ log });
    await worker.embed(['warm up']);
    await settle();
    const one = summarize(await timeEach(sentences.slice(0, 100), (s) => worker.embed([s])));
    const batchTimes = await timeEach([0, 1, 2, 3], (b) =>
      worker.embed(sentences.slice(32 + b * 32, 64 + b * 32).map((s) => `${s} (${b})`)),
    );
    await worker.close();
    const hashOne = summarize(await timeEach(sentences.slice(0, 100), (s) => hashEmbed(s)));
    table.push({
      figure: 'embedding one sentence / a batch of 32, ms per sentence (use-lite: worker thread, WASM SIMD)',
      anchor: `hash-384, this run: ${fmt(hashOne.p50, 3)} ms`,
      ours: `one: p50 ${fmt(one.p50)} ms, p95 ${fmt(one.p95)} ms; batch of 32: ${fmt(median(batchTimes) / 32)} ms per sentence`,
      goal: 'one sentence < 15 ms',
      met: one.p50 < 15,
    });
    let real: Float32Array[] = [];
    let queryVectors: Float32Array[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      const loadStart = performance.now();
      const model: UseLiteModel = await loadUseLite(backend);
      const loadMs = performance.now() - loadStart;
      await model.embed(['warm up']);
      const samples = backend === 'wasm' ? 50 : 5;
      const single = summarize(await timeEach(sentences.slice(0, samples), (s) => model.embed([s])));
      const b32 = await timeEach([0], () => model.embed(sentences.slice(0, 32)));
      backends.push({
        figure: `TensorFlow.js ${backend} backend, in-process (${samples} single sentences, 1 batch of 32)`,
        anchor: backend === 'wasm' ? 'the server uses this one' : 'pure JavaScript',
        ours: `load ${fmt(loadMs, 0)} ms; one sentence p50 ${fmt(single.p50)} ms; batch of 32 ${fmt(b32[0] / 32)} ms per sentence`,
        goal: 'fastest that installs from npm alone',
        met: undefined,
      });
      if (backend === 'wasm') {
        real = await model.embed([...pairs.map((p) => p.memory), ...distractors]);
        queryVectors = await model.embed(pairs.map((p) => p.query));
      }
      model.dispose();
    }

    // --- Insert rate with the semantic embedder, in batches, beside raw vec0 inserts.
    {
      const insertTexts = [...distractors, ...sentences].slice(0, 1024);
      const store = await MemoryStore.open({
        path: join(dir, 'insert.db'),
        embedder: createEmbedder({ kind: 'use-lite' }, process.env, log),
        log,
      });
      await store.insert([{ content: 'warm up the model' }]);
      await settle();
      const t0 = performance.now();
      for (let i = 0; i < insertTexts.length; i += 32)
        await store.insert(insertTexts.slice(i, i + 32).map((content) => ({ content })));
      const rate = insertTexts.length / ((performance.now() - t0) / 1000);
      await store.embedder.close?.();
      store.db.exec('CREATE VIRTUAL TABLE bench_raw USING vec0(embedding float[512])');
      const raw = store.db.prepare('INSERT INTO bench_raw (rowid, embedding) VALUES (?, ?)');
      const t1 = performance.now();
      store.db.transaction(() => real.forEach((v, i) => raw.run(BigInt(i + 1), toBlob(v))))();
      const rawRate = real.length / ((performance.now() - t1) / 1000);
      store.close();
      table.push({
        figure: `insert rate with use-lite (${insertTexts.length} memories, batches of 32, embedding included)`,
        anchor: `raw vec0 insert of precomputed 512-dim vectors, this run: ${fmt(rawRate)}/s`,
        ours: `${fmt(rate)}/s: the model's ~${fmt(1000 / rate, 1)} ms of compute per memory is the cost; SQLite is not`,
        goal: 'print',
        met: undefined,
      });
    }

    // --- 100k × 512: the built set in a real store (FTS5, vec0, quantised companion table).
    {
      const built = buildVectors(real, [...pairs.map((p) => p.memory), ...distractors], SYNTH_N);
      const seq = new SequenceEmbedder();
      const store = await MemoryStore.open({ path: join(dir, 'search-100k.db'), embedder: seq, log });
      for (let i = 0; i < built.vectors.length; i += 1000) {
        seq.push(built.vectors.slice(i, i + 1000));
        await store.insert(built.texts.slice(i, i + 1000).map((content) => ({ content })));
      }
      const queries = pairs.map((p) => p.query);
      // Exact top 10 from sqlite-vec's brute-force KNN on the same vec0 table: the anchor and the truth.
      const exact = store.db.prepare(`SELECT rowid FROM ${store.vec.name} WHERE embedding MATCH ? AND k = ? ORDER BY distance`);
      const truth: Set<number>[] = [];
      const exactMs = await timeEach(queryVectors, (q) =>
        truth.push(new Set((exact.all(toBlob(q), K) as { rowid: number }[]).map((r) => Number(r.rowid)))),
      );
      const E = summarize(exactMs);
      const rowidOf = store.db.prepare('SELECT rowid FROM memories WHERE id = ?');
      const recall = (rowids: number[], i: number) => rowids.filter((r) => truth[i].has(r)).length / K;

      // The oversampling sweep: pool = k × oversample candidates by Hamming distance, exact rerank.
      let chosen: number | undefined;
      for (const os of [4, 8, 16, 32, 64, 128]) {
        const qi = new QuantizedIndex(store.db, store.vec.name, 512, { oversample: os, minCandidates: 0 });
        await qi.ready();
        await settle();
        let rec = 0;
        const ms = await timeEach(queryVectors, async (q, i) => {
          rec += recall(
            (await qi.knn(q, K, { now: store.now() })).map((r) => r.rowid),
            i,
          );
        });
        const t = summarize(ms);
        const r = rec / queries.length;
        if (chosen === undefined && r >= 0.95) chosen = os;
        pools.push({
          figure: `bit[512] prefilter, pool ${K * os} (oversample ×${os}) + exact rerank, 100k`,
          anchor: `sqlite-vec exact KNN, this run: p50 ${fmt(E.p50)} ms`,
          ours: `p50 ${fmt(t.p50)} ms, p95 ${fmt(t.p95)} ms, recall@10 ${fmt(r, 3)}`,
          goal: 'recall@10 >= 0.95',
          met: r >= 0.95,
        });
      }

      // memory_search itself (store defaults), the query vectors served by the SequenceEmbedder.
      for (const mode of ['vector', 'hybrid'] as SearchMode[]) {
        await store.quantized!.ready();
        await settle();
        let rec = 0;
        const ms = await timeEach(queries, async (q, i) => {
          seq.push([queryVectors[i]]);
          const hits = await searchMemories(store, { query: q, k: K, mode });
          if (mode === 'vector')
            rec += recall(
              hits.map((h) => (rowidOf.get(h.id) as { rowid: number }).rowid),
              i,
            );
        });
        const t = summarize(ms);
        const r = rec / queries.length;
        table.push({
          figure: `memory_search ${mode}, 100k × 512, k = ${K} (search only: the query vector is given; embedding is its own row)`,
          anchor: `sqlite-vec exact KNN (vec0 float scan), same data, this run: p50 ${fmt(E.p50)} ms, p95 ${fmt(E.p95)} ms`,
          ours: `p50 ${fmt(t.p50)} ms, p95 ${fmt(t.p95)} ms${mode === 'vector' ? `, recall@10 ${fmt(r, 3)} (pool max(k × ${OVERSAMPLE}, ${MIN_CANDIDATES}); the sweep picks ×${chosen ?? '>128'})` : ''}`,
          goal: mode === 'vector' ? 'p50 < 10 ms, recall@10 >= 0.95' : 'p50 < 15 ms',
          met: mode === 'vector' ? t.p50 < 10 && r >= 0.95 : t.p50 < 15,
        });
      }
      store.close();
    }

    // --- Cold start: spawn -> initialize -> first tools/list, default config, a new DB each run.
    // Interleaved with bare node spawns, so a change in machine load hits both alike.
    {
      const cold: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < COLD_RUNS; i++) {
        let s = performance.now();
        spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
        bare.push(performance.now() - s);
        s = performance.now();
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: [ENTRY, '--db', join(dir, `cold-${i}.db`), '--log-level', 'silent'],
          stderr: 'ignore',
          env: { PATH: process.env.PATH ?? '', HOME: dir },
        });
        const c = new Client({ name: 'bench', version: '1' });
        await c.connect(transport);
        await c.listTools();
        cold.push(performance.now() - s);
        await c.close();
      }
      const ratio = median(cold) / median(bare);
      table.push({
        figure: `cold start to first tools/list answer, default config (use-lite), new DB (median of ${COLD_RUNS})`,
        anchor: `bare \`node -e ""\`, this run: ${fmt(median(bare), 1)} ms`,
        ours: `${fmt(median(cold), 1)} ms = ${fmt(ratio, 2)}× bare node`,
        goal: '<= 4×',
        met: ratio <= 4,
      });
    }

    // --- generate_code near-repeats with reworded tasks, and different tasks that look alike.
    table.push(...(await nearRepeats(dir, log)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { table, retrieval, pools, backends };
}

/** Learned tasks, their rewordings (same task) and look-alikes (a different task: must not be served). */
const LEARNED: Array<{ task: string; reworded: string[]; different: string }> = [
  {
    task: 'Write a function that parses ISO 8601 durations such as PT1H30M into a number of seconds.',
    reworded: [
      'Implement a function that parses ISO 8601 durations such as PT1H30M into a number of seconds.',
      'Implement a routine that converts ISO 8601 duration strings like PT1H30M to seconds.',
    ],
    different: 'Write a function that formats a number of seconds as an ISO 8601 duration such as PT1H30M.',
  },
  {
    task: 'Write a min heap class with push, pop and peek for numbers.',
    reworded: [
      'Implement a min heap class with push, pop and peek for numbers.',
      'Create a priority queue of numbers, smallest first, supporting push, pop and peek.',
    ],
    different: 'Write a max heap class with push, pop and peek for numbers.',
  },
  {
    task: 'Write a function that converts a Roman numeral string like MCMXCIV into an integer.',
    reworded: [
      'Implement a function that converts a Roman numeral string like MCMXCIV into an integer.',
      'Implement conversion of Roman numerals such as MCMXCIV to a number.',
    ],
    different: 'Write a function that converts an integer into a Roman numeral string.',
  },
  {
    task: 'Write a function that converts camelCase identifiers into snake_case identifiers.',
    reworded: [
      'Implement a function that converts camelCase identifiers into snake_case identifiers.',
      'Turn camelCase names into snake_case names.',
    ],
    different: 'Write a function that converts snake_case identifiers into camelCase identifiers.',
  },
  {
    task: 'Write a generator that yields the Fibonacci numbers below a given limit.',
    reworded: [
      'Implement a generator that yields the Fibonacci numbers below a given limit.',
      'Implement a generator producing Fibonacci values smaller than some bound.',
    ],
    different: 'Write a generator that yields the prime numbers below a given limit.',
  },
  {
    task: 'Write a function that computes the Levenshtein edit distance between two strings with dynamic programming.',
    reworded: [
      'Implement a function that computes the Levenshtein edit distance between two strings with dynamic programming.',
      'Implement Levenshtein distance for a pair of strings using dynamic programming.',
    ],
    different: 'Write a function that computes the longest common subsequence of two strings with dynamic programming.',
  },
  {
    task: 'Write a debounce function that delays calling a callback until it has not been invoked for a given wait in milliseconds.',
    reworded: [
      'Implement a debounce function that delays calling a callback until it has not been invoked for a given wait in milliseconds.',
      'Implement debounce: postpone a callback until no calls happened for the wait time in ms.',
    ],
    different: 'Write a function that throttles a callback so it runs at most once per interval.',
  },
  {
    task: 'Write a function that validates an IPv4 address string and returns True only for four octets in range.',
    reworded: [
      'Implement a function that validates an IPv4 address string and returns True only for four octets in range.',
      'Create a checker for IPv4 addresses that is true only when there are four in-range octets.',
    ],
    different: 'Write a function that validates an IPv6 address string.',
  },
  {
    task: 'Write a function that slugifies an article title into a lowercase URL slug with hyphens.',
    reworded: [
      'Implement a function that slugifies an article title into a lowercase URL slug with hyphens.',
      'Convert a post heading into a lower-case web address slug joined by dashes.',
    ],
    different: 'Write a function that turns a URL slug back into a title-cased heading.',
  },
  {
    task: 'Write a function that checks whether a string of brackets ()[]{} is balanced using a stack.',
    reworded: [
      'Implement a function that checks whether a string of brackets ()[]{} is balanced using a stack.',
      'Using a stack, decide if the parentheses, square and curly braces in a string are properly matched.',
    ],
    different: 'Write a function that removes all brackets ()[]{} from a string.',
  },
];

export async function nearRepeats(dir: string, log: Logger): Promise<Row[]> {
  const fake = await startFakeProvider();
  const MODEL = 'nr-openai';
  fake.script[MODEL] = { answer: () => 'Here.\n\n```python\ndef solution(*args):\n    return args\n```\n', latencyMs: 0 };
  const rows: Row[] = [];
  const rates = new Map<string, { simple: number; paraphrase: number; falseHits: number }>();
  try {
    for (const kind of ['hash-384', 'use-lite'] as const) {
      const env = { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL };
      const config: Config = {
        ...loadConfig({ db: join(dir, `nr-${kind}.db`) }, env),
        providers: { ollama: { enabled: false } },
      };
      const { providers } = resolveProviders(config, env);
      const store = await MemoryStore.open({ path: config.db, embedder: createEmbedder({ kind }, process.env, log), log });
      const router = new Router(providers, config.router, { db: store.db, log });
      const deps = await codegenDeps({ config, router, bank: lazy(() => ReasoningBank.open(store)) });
      const gen = (task: string) => generateCode(deps, { task, language: 'python' } satisfies GenerateInput);
      for (const t of LEARNED) {
        const r = await gen(t.task);
        await recordOutcome(deps, { trajectory_id: r.trajectory_id, success: true, notes: 'tests passed' });
      }
      let simple = 0;
      let paraphrase = 0;
      let falseHits = 0;
      for (const t of LEARNED) {
        if ((await gen(t.reworded[0])).source === 'memory') simple++;
        if ((await gen(t.reworded[1])).source === 'memory') paraphrase++;
        if ((await gen(t.different)).source === 'memory') falseHits++;
      }
      rates.set(kind, { simple, paraphrase, falseHits });
      await store.embedder.close?.();
      store.close();
    }
  } finally {
    await fake.close();
  }
  const h = rates.get('hash-384')!;
  const u = rates.get('use-lite')!;
  const n = LEARNED.length;
  rows.push({
    figure: `generate_code near-repeats served from memory (${n} learned tasks; "Write" -> "Implement" / reworded with synonyms; repeat_threshold 0.92)`,
    anchor: `hash-384: ${h.simple}/${n} / ${h.paraphrase}/${n}`,
    ours: `use-lite: ${u.simple}/${n} / ${u.paraphrase}/${n}`,
    goal: 'served where hash-384 missed',
    met: u.simple + u.paraphrase > h.simple + h.paraphrase,
  });
  rows.push({
    figure: `generate_code look-alike tasks wrongly served from memory (${n}: min -> max heap, camel -> snake reversed, ...)`,
    anchor: `hash-384: ${h.falseHits}/${n}`,
    ours: `use-lite: ${u.falseHits}/${n}`,
    goal: 'print (lower is better)',
    met: undefined,
  });
  return rows;
}
