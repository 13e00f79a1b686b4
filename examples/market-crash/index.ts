/**
 * Causal market crash (patterns 1, 3, 4, 5): find which assets drive which in a synthetic market
 * with a planted causal graph and a crash. generate_code writes the Granger test (checked against
 * a given function before it is trusted; record_outcome closes the loop); one ephemeral agent per
 * candidate edge judges its evidence (spawn_ephemeral); multi_model_vote decides the contested
 * edges on split-half evidence; every verdict is merged into a CRDT document, the causal graph is
 * read back from it, and recovered edges are scored against the planted ones.
 */
import type { Example, ExampleOptions, ExampleReport } from '../lib/example.js';
import { runGenerated } from '../lib/sandbox.js';
import { Sixfold } from '../lib/server.js';
import { formatTable, sig } from '../lib/table.js';
import { drawMarket } from './draw.js';
import { grangerTest } from './granger.js';
import { ASSETS, CRASH_AT, DAYS, LAGS, makeMarket, type Edge } from './market.js';
import { AGENT_MARKER, CODEGEN_MARKER, VOTE_MARKER, standIn } from './stand-in.js';

export const DOC = 'market.causal-graph';

type Test = { f: number; p: number; coef: number };
type Verdict = 'causal' | 'absent' | 'contested';

export interface EdgeRecord {
  cause: string;
  effect: string;
  f: number;
  p: number;
  coef: number;
  agent: Verdict;
  verdict: 'causal' | 'absent';
  decided_by: 'agent' | 'vote' | 'vote (no quorum)';
  votes?: string;
}

export interface MarketResult {
  planted: Array<{ cause: string; effect: string; lag: number; b: number }>;
  recovered: Array<{ cause: string; effect: string; decided_by: string }>;
  contested: Array<{
    cause: string;
    effect: string;
    decision: string | null;
    votes: Array<{ provider: string; answer: string | null }>;
  }>;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  tests_source: 'generated' | 'given';
  crash_root: string;
}

interface VoteOut {
  decision: string | null;
  quorum_reached: boolean;
  votes: Array<{ provider: string; answer: string | null }>;
}

const key = (c: number, e: number) => `${ASSETS[c]}->${ASSETS[e]}`;
const fmtP = (p: number) => p.toExponential(1);

function evidence(c: number, e: number, full: Test): string {
  return `edge ${ASSETS[c]} -> ${ASSETS[e]}: full sample: F ${full.f.toFixed(2)}, p ${fmtP(full.p)}, lag-coefficient sum ${full.coef.toFixed(3)}`;
}

async function run(opts: ExampleOptions): Promise<ExampleReport> {
  const market = makeMarket(opts.seed);
  const K = ASSETS.length;
  const pairs: Array<[number, number]> = [];
  for (let c = 0; c < K; c++) for (let e = 0; e < K; e++) if (c !== e) pairs.push([c, e]);
  const sixfold = await Sixfold.start({ dir: opts.workDir, standIn, env: opts.env });
  try {
    await sixfold.call('crdt_merge', {
      doc: DOC,
      actor: 'setup',
      ops: [
        {
          op: 'map_set',
          target: 'meta',
          key: 'study',
          value: { assets: ASSETS, days: DAYS, lags: LAGS, crash_at: CRASH_AT, test: 'conditional Granger, F-test' },
        },
      ],
    });

    // Pattern 1: the test itself is generated code, trusted only once it agrees with the given function.
    opts.progress('generate_code: the Granger test');
    const gen = await sixfold.call<{ code: string; trajectory_id: string }>('generate_code', {
      task:
        `Write a JavaScript function \`${CODEGEN_MARKER}\`: a conditional Granger causality test. series is an array of K arrays of daily returns. ` +
        'Regress series[effect][t] for t in [max(start, lags), end) on a constant and lags 1..lags of all K series (unrestricted), and again without ' +
        'the lags of series[cause] (restricted). Return {f, p, coef}: the F statistic ((RSS_r - RSS_u)/lags)/(RSS_u/(N - K*lags - 1)), its p-value ' +
        "from the F(lags, N - K*lags - 1) distribution, and the sum of cause's lag coefficients in the unrestricted model. Plain JavaScript, Math only, no imports.",
      language: 'javascript',
      namespace: 'market-crash',
    });
    const half = DAYS / 2;
    const calls = pairs.flatMap(([c, e]) => [
      [c, e, LAGS, 0, DAYS],
      [c, e, LAGS, 0, half],
      [c, e, LAGS, half, DAYS],
    ]);
    const sandbox = await runGenerated<Test>(gen.code, 'grangerTest', market.returns, calls);
    const checks = [0, 1, 2, 3, 4, 5].map((i) => i * 9); // six pairs spread over the list, full sample
    let mismatch: string | undefined;
    if (!sandbox.ok) mismatch = sandbox.error;
    else {
      for (const i of checks) {
        const [c, e] = pairs[i];
        const want = grangerTest(market.returns, c, e, LAGS, 0, DAYS);
        const got = sandbox.results[i * 3];
        if (!got || !(Math.abs(got.f - want.f) <= 1e-6 * Math.max(1, want.f)) || !(Math.abs(got.p - want.p) <= 1e-6)) {
          mismatch = `${key(c, e)}: F ${got?.f} p ${got?.p}, expected F ${want.f} p ${want.p}`;
          break;
        }
      }
    }
    const trusted = mismatch === undefined;
    await sixfold.call('record_outcome', {
      trajectory_id: gen.trajectory_id,
      success: trusted,
      notes: trusted
        ? `agreed with the given function on ${checks.length} pairs (F within 1e-6 relative, p within 1e-6)`
        : `disagreed with the given function: ${mismatch}`,
    });
    const tests = pairs.map(([c, e], i) =>
      trusted && sandbox.ok
        ? { full: sandbox.results[3 * i], first: sandbox.results[3 * i + 1], second: sandbox.results[3 * i + 2] }
        : {
            full: grangerTest(market.returns, c, e, LAGS, 0, DAYS),
            first: grangerTest(market.returns, c, e, LAGS, 0, half),
            second: grangerTest(market.returns, c, e, LAGS, half, DAYS),
          },
    );

    // Pattern 4: one short-lived agent per candidate edge judges its evidence.
    opts.progress(`spawn_ephemeral: ${pairs.length} edge-testing agents`);
    const agents = await sixfold.call<{ agents: Array<{ status: string; result: string | null }> }>('spawn_ephemeral', {
      task:
        `${AGENT_MARKER} Judge whether the cause Granger-causes the effect in this synthetic market, from the test below (56 candidate edges are tested at once). ` +
        'Reply with one word first, causal, absent or contested, then one short reason.',
      inputs: pairs.map(([c, e], i) => evidence(c, e, tests[i].full)),
      role: 'edge tester',
      namespace: 'market-crash',
      memory_k: 0,
      concurrency: 8,
      max_tokens: 100,
    });
    const records = new Map<string, EdgeRecord>();
    // Pattern 3: each agent writes its verdict into the shared graph as its own actor.
    for (let i = 0; i < pairs.length; i++) {
      const [c, e] = pairs[i];
      const a = agents.agents[i];
      const word = /^\W*(causal|absent|contested)\b/i.exec(a.result ?? '')?.[1]?.toLowerCase() as Verdict | undefined;
      const agent: Verdict = a.status === 'succeeded' && word ? word : 'contested';
      const t = tests[i].full;
      const rec: EdgeRecord = {
        cause: ASSETS[c],
        effect: ASSETS[e],
        f: t.f,
        p: t.p,
        coef: t.coef,
        agent,
        verdict: agent === 'causal' ? 'causal' : 'absent',
        decided_by: 'agent',
      };
      records.set(key(c, e), rec);
      await sixfold.call('crdt_merge', {
        doc: DOC,
        actor: `edge-agent-${i}`,
        ops: [{ op: 'map_set', target: 'edges', key: key(c, e), value: rec }],
      });
    }

    // Pattern 5: contested edges are decided by a vote on split-half evidence.
    const contested: MarketResult['contested'] = [];
    for (let i = 0; i < pairs.length; i++) {
      const [c, e] = pairs[i];
      const rec = records.get(key(c, e))!;
      if (rec.agent !== 'contested') continue;
      const { first, second } = tests[i];
      opts.progress(`multi_model_vote: ${key(c, e)}`);
      const vote = await sixfold.call<VoteOut>('multi_model_vote', {
        prompt:
          `${VOTE_MARKER} In a synthetic market, is ${ASSETS[c]} -> ${ASSETS[e]} a real causal edge? The full-sample Granger test was inconclusive ` +
          `(p ${fmtP(rec.p)}). Split-half replication: first half: p ${fmtP(first.p)}, coefficient sum ${first.coef.toFixed(3)}; ` +
          `second half: p ${fmtP(second.p)}, coefficient sum ${second.coef.toFixed(3)}. A real edge should show in both halves with the same sign.`,
        choices: ['causal', 'absent'],
        quorum: 'bft',
        max_tokens: 20,
      });
      rec.verdict = vote.decision === 'causal' ? 'causal' : 'absent';
      rec.decided_by = vote.quorum_reached ? 'vote' : 'vote (no quorum)';
      rec.votes = vote.votes.map((v) => `${v.provider}: ${v.answer ?? '-'}`).join(', ');
      contested.push({
        cause: rec.cause,
        effect: rec.effect,
        decision: vote.decision,
        votes: vote.votes.map((v) => ({ provider: v.provider, answer: v.answer })),
      });
      await sixfold.call('crdt_merge', {
        doc: DOC,
        actor: 'vote',
        ops: [{ op: 'map_set', target: 'edges', key: key(c, e), value: rec }],
      });
    }

    // The causal graph is what the document holds.
    const doc = await sixfold.call<{ snapshot: { edges: Record<string, EdgeRecord> }; clients: number; size_bytes: number }>(
      'crdt_read',
      { doc: DOC },
    );
    const recovered = Object.values(doc.snapshot.edges).filter((r) => r.verdict === 'causal');
    const plantedKeys = new Set(market.edges.map((e) => key(e.cause, e.effect)));
    const recoveredKeys = new Set(recovered.map((r) => `${r.cause}->${r.effect}`));
    const tp = [...recoveredKeys].filter((k) => plantedKeys.has(k)).length;
    const fp = recoveredKeys.size - tp;
    const fn = plantedKeys.size - tp;
    const precision = recoveredKeys.size ? tp / recoveredKeys.size : 0;
    const recall = tp / plantedKeys.size;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    const result: MarketResult = {
      planted: market.edges.map((e) => ({ cause: ASSETS[e.cause], effect: ASSETS[e.effect], lag: e.lag, b: e.b })),
      recovered: recovered.map((r) => ({ cause: r.cause, effect: r.effect, decided_by: r.decided_by })),
      contested,
      tp,
      fp,
      fn,
      precision,
      recall,
      f1,
      tests_source: trusted ? 'generated' : 'given',
      crash_root: ASSETS[market.root],
    };

    const plantedBy = new Map<string, Edge>(market.edges.map((e) => [key(e.cause, e.effect), e]));
    const shown = Object.values(doc.snapshot.edges)
      .filter((r) => r.verdict === 'causal' || r.agent === 'contested' || plantedBy.has(`${r.cause}->${r.effect}`))
      .sort((a, b) => a.p - b.p);
    const table = formatTable(
      ['edge', 'planted', 'F', 'p', 'agent', 'final', 'decided by', 'score'],
      shown.map((r) => {
        const k = `${r.cause}->${r.effect}`;
        const pe = plantedBy.get(k);
        const score = r.verdict === 'causal' ? (pe ? 'TP' : 'FP') : pe ? 'FN' : 'TN';
        return [
          `${r.cause} -> ${r.effect}`,
          pe ? `b=${pe.b.toFixed(2)} lag ${pe.lag}` : 'no',
          r.f.toFixed(1),
          fmtP(r.p),
          r.agent,
          r.verdict,
          r.decided_by,
          score,
        ];
      }),
    );
    const notes = [
      `Granger tests: ${trusted ? `generated by generate_code, agreed with the given function on ${checks.length} pairs` : `the given function (the generated one was rejected: ${mismatch})`}; outcome recorded with record_outcome`,
      `${pairs.length} candidate edges judged by ${pairs.length} ephemeral agents: ${[...records.values()].filter((r) => r.agent === 'causal').length} causal, ` +
        `${[...records.values()].filter((r) => r.agent === 'absent').length} absent, ${contested.length} contested, decided by multi_model_vote (${contested.map((c) => `${c.cause}->${c.effect}: ${c.decision ?? 'no quorum'}`).join(', ') || 'none'})`,
      `causal graph in CRDT document ${DOC}: ${doc.clients} writers, ${doc.size_bytes} bytes`,
      `recovered vs planted: ${tp} true positives, ${fp} false positives, ${fn} missed: precision ${sig(precision)}, recall ${sig(recall)}, F1 ${sig(f1)}`,
      `crash: ${ASSETS[market.root]} fell ${sig(100 * (1 - market.prices[market.root][CRASH_AT + 2] / market.prices[market.root][CRASH_AT - 1]), 3)}% over days ${CRASH_AT}-${CRASH_AT + 2} and spread along the planted edges`,
    ];
    const svg = drawMarket({
      assets: ASSETS,
      prices: market.prices,
      crashAt: CRASH_AT,
      root: market.root,
      planted: market.edges.map((e) => key(e.cause, e.effect)),
      recovered: recovered.map((r) => ({ key: `${r.cause}->${r.effect}`, byVote: r.decided_by !== 'agent' })),
      score: { tp, fp, fn, f1 },
    });
    return {
      simulated: `the market is synthetic: ${ASSETS.length} made-up assets, ${DAYS} days of returns from a vector autoregression with a planted causal graph and a crash injected at day ${CRASH_AT}; no market data is used.`,
      table,
      notes,
      llm: [...sixfold.answeredBy],
      svg,
      result,
    };
  } finally {
    await sixfold.close();
  }
}

export const marketCrash: Example = { name: 'market-crash', title: 'Causal market crash', run };
