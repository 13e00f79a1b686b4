import OpenAI from 'openai';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { openDatabase } from '../src/memory/db.js';
import { Tally } from '../src/patterns/vote/quorum.js';
import { runVote, type Voter } from '../src/patterns/vote/vote.js';
import { resolveProviders } from '../src/router/registry.js';
import { Router } from '../src/router/router.js';
import { startFakeProvider, type FakeProvider } from '../testkit/fake-provider.js';
import { mulberry32 } from '../src/random.js';
import { fmt, median, summarize, type Row } from './lib/stats.js';

const LATENCIES: Record<string, number> = { anthropic: 50, openai: 100, gemini: 200, ollama: 3000 };

function fourProviders(fake: FakeProvider, providersConfig: Config['providers'] = {}) {
  const env = {
    ANTHROPIC_API_KEY: 'bench',
    ANTHROPIC_BASE_URL: fake.origin,
    SIXFOLD_ANTHROPIC_MODEL: 'v-anthropic',
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: fake.baseURL,
    SIXFOLD_OPENAI_MODEL: 'v-openai',
    GEMINI_API_KEY: 'bench',
    GEMINI_BASE_URL: fake.geminiBaseURL,
    SIXFOLD_GEMINI_MODEL: 'v-gemini',
    OLLAMA_BASE_URL: fake.baseURL,
    SIXFOLD_OLLAMA_MODEL: 'v-ollama',
  };
  const config = { ...loadConfig({ db: ':memory:' }, env), providers: providersConfig };
  const db = openDatabase(':memory:');
  const { providers } = resolveProviders(config, env);
  return { router: new Router(providers, config.router, { db, log: createLogger('silent') }), providers, db };
}

async function voteLatency(fake: FakeProvider): Promise<Row[]> {
  for (const [name, ms] of Object.entries(LATENCIES)) fake.script[`v-${name}`] = { answer: 'Paris', latencyMs: ms };
  const { router, providers, db } = fourProviders(fake);
  const req = { prompt: 'Capital of France?', maxTokens: 16 };
  const voters: Voter[] = providers.map((p) => ({ name: p.name, price: p.priceInput + p.priceOutput }));
  const ask = async (v: Voter, signal: AbortSignal) => {
    const r = await router.completeWith(v.name, req, { signal });
    return { answer: r.text, model: r.model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd };
  };
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    const out = await runVote(voters, ask, { quorum: 'bft', format: 'text', tieBreaker: 'none' });
    runs.push(performance.now() - s);
    if (out.decision !== 'paris') throw new Error(`bench vote decided ${out.decision}`);
  }
  // Baselines in the same run: one call to the quorum-th fastest voter alone, and waiting for all.
  const third: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await router.completeWith('gemini', req);
    third.push(performance.now() - t);
  }
  const s = performance.now();
  await Promise.all(voters.map((v) => router.completeWith(v.name, req)));
  const naive = performance.now() - s;
  db.close();
  const v = median(runs);
  const solo = median(third);
  return [
    {
      figure: 'vote latency, 4 fake providers at 50/100/200/3000 ms, bft (3 of 4), median of 7',
      anchor: `naive wait-for-all, this run: ${fmt(naive, 0)} ms; the 200 ms voter alone: ${fmt(solo, 1)} ms`,
      ours: `${fmt(v, 1)} ms (overhead over the quorum-th fastest voter: ${fmt(v - solo, 1)} ms)`,
      goal: '<= 210 ms',
      met: v <= 210,
    },
  ];
}

async function routerOverhead(fake: FakeProvider): Promise<Row[]> {
  fake.script['v-openai'] = { answer: 'ok' };
  const { router, db } = fourProviders(fake);
  const direct = new OpenAI({ apiKey: 'bench', baseURL: fake.baseURL, maxRetries: 0 });
  const body = { model: 'v-openai', max_tokens: 16, messages: [{ role: 'user' as const, content: 'ping' }] };
  const d: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < 100; i++) await direct.chat.completions.create(body); // warm both paths
  for (let i = 0; i < 100; i++) await router.completeWith('openai', { prompt: 'ping', maxTokens: 16 });
  for (let i = 0; i < 1000; i++) {
    // Interleaved, so drift on a shared machine hits both sides alike.
    let s = performance.now();
    await direct.chat.completions.create(body);
    d.push(performance.now() - s);
    s = performance.now();
    await router.completeWith('openai', { prompt: 'ping', maxTokens: 16 });
    r.push(performance.now() - s);
  }
  db.close();
  const ds = summarize(d);
  const rs = summarize(r);
  return [
    {
      figure: 'router overhead per call vs the openai SDK called directly (fake at 0 ms, 1000 calls)',
      anchor: `direct SDK call, this run: p50 ${fmt(ds.p50, 3)} ms`,
      ours: `router p50 ${fmt(rs.p50, 3)} ms: overhead ${fmt(rs.p50 - ds.p50, 3)} ms p50`,
      goal: '< 1 ms p50',
      met: rs.p50 - ds.p50 < 1,
    },
  ];
}

/** Exact probability that plurality of n voters (accuracy p, errors uniform over k−1 wrong choices) is right, ties split evenly. */
function pluralityTheory(n: number, p: number, k: number): number {
  const q = (1 - p) / (k - 1);
  let total = 0;
  const counts = new Array(k).fill(0);
  const rec = (i: number, prob: number) => {
    if (i === n) {
      const max = Math.max(...counts);
      const winners = counts.filter((c) => c === max).length;
      if (counts[0] === max) total += prob / winners;
      return;
    }
    for (let c = 0; c < k; c++) {
      counts[c]++;
      rec(i + 1, prob * (c === 0 ? p : q));
      counts[c]--;
    }
  };
  rec(0, 1);
  return total;
}

function accuracySimulation(): Row[] {
  const rand = mulberry32(2024);
  const N = 1000;
  const n = 4;
  const p = 0.7;
  let single = 0;
  let plural = 0;
  let decided = 0;
  let decidedRight = 0;
  for (let q = 0; q < N; q++) {
    const answers = Array.from({ length: n }, () => (rand() < p ? 0 : 1 + Math.floor(rand() * 3)));
    if (answers[0] === 0) single++;
    const bft = new Tally(n, 'bft');
    for (const a of answers) bft.add(String(a));
    const st = bft.state();
    if (st.decision !== null) {
      decided++;
      if (st.decision === '0') decidedRight++;
    }
    const ranking = bft.ranking();
    const top = ranking.filter(([, c]) => c === ranking[0][1]);
    if (top.some(([a]) => a === '0')) plural += 1 / top.length; // ties split evenly, as in the theory
  }
  // Theory for bft: P(at least 3 of 4 agree on the right answer) and on any answer.
  const binom = (k: number) => [1, 4, 6, 4, 1][k] * p ** k * (1 - p) ** (n - k);
  const rightQuorum = binom(3) + binom(4);
  const q3 = (1 - p) / 3;
  const wrongQuorum = 3 * (4 * q3 ** 3 * (1 - q3) + q3 ** 4);
  return [
    {
      figure: `accuracy: 4 independent voters at 70% on ${N} four-choice questions, plurality (ties split)`,
      anchor: `single voter, this run: ${fmt((single / N) * 100, 1)}%`,
      ours: `${fmt((plural / N) * 100, 1)}% (theory ${fmt(pluralityTheory(n, p, 4) * 100, 1)}%)`,
      goal: 'print measured vs theory',
    },
    {
      figure: 'accuracy: same, bft quorum (3 of 4 must agree)',
      anchor: `theory: decides ${fmt((rightQuorum + wrongQuorum) * 100, 1)}%, right when deciding ${fmt((rightQuorum / (rightQuorum + wrongQuorum)) * 100, 2)}%`,
      ours: `decides ${fmt((decided / N) * 100, 1)}%, right when deciding ${fmt((decidedRight / Math.max(1, decided)) * 100, 2)}%`,
      goal: "print; real models' errors correlate, so real gains are smaller",
    },
  ];
}

async function nonCriticalCost(fake: FakeProvider): Promise<Row[]> {
  // Four paid providers: the three clouds at their default prices plus an OpenRouter-style extra
  // provider from config (Ollama is free, which would make the ratio infinite and say nothing).
  const { router, providers, db } = fourProviders(fake, {
    ollama: { enabled: false },
    openrouter: { base_url: fake.baseURL, model: 'v-extra', price_input: 0.15, price_output: 0.6, tier: 2 },
  });
  for (const p of providers) fake.script[p.model] = { answer: 'Paris' };
  const req = { prompt: 'Which is the capital of France? Answer with one word.', maxTokens: 16 };
  const ask = async (v: Voter, signal: AbortSignal) => {
    const r = await router.completeWith(v.name, req, { signal });
    return { answer: r.text, model: r.model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd };
  };
  const voters = providers.map((p) => ({ name: p.name, price: p.priceInput + p.priceOutput }));
  // Unanimous, so every voter answers: the full cost of asking all four.
  const full = (await runVote(voters, ask, { quorum: 'unanimous', format: 'text', tieBreaker: 'none' })).votes.reduce(
    (a, v) => a + v.cost_usd,
    0,
  );
  const one = await router.complete(req, { policy: 'cost' });
  db.close();
  return [
    {
      figure: 'non-critical routing (cheapest provider only) vs a full 4-provider vote, same prompt',
      anchor: 'seeds: 10× saving',
      ours: `${one.provider} $${one.costUsd.toExponential(2)} vs all four $${full.toExponential(2)}: ${fmt(full / one.costUsd, 1)}× cheaper (prices $/Mtok in/out: anthropic 3/15, openai 0.4/1.6, gemini 0.3/2.5, openrouter 0.15/0.6)`,
      goal: 'print the measured ratio',
    },
  ];
}

export async function runVoteBench(): Promise<Row[]> {
  const fake = await startFakeProvider();
  try {
    return [
      ...(await voteLatency(fake)),
      ...(await routerOverhead(fake)),
      ...accuracySimulation(),
      ...(await nonCriticalCost(fake)),
    ];
  } finally {
    await fake.close();
  }
}
