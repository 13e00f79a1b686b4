/**
 * The market-crash example end to end (built runner, its own server, LLM steps on the fake
 * provider with four voters, one of which lies on every contested edge). Asserts the outcome:
 * recovered causal edges score F1 >= 0.8 against the planted graph, the liar never decides a vote,
 * and the graph that is scored is the CRDT document's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeMarket, ASSETS } from '../../../examples/market-crash/market.js';
import type { MarketResult } from '../../../examples/market-crash/index.js';
import { standIn, VOTE_MARKER } from '../../../examples/market-crash/stand-in.js';
import { runExample, startExampleFake, type ExampleFake, type ExampleRun } from '../../helpers/examples.js';

let fake: ExampleFake | undefined;
let run: ExampleRun<MarketResult> | undefined;

afterAll(async () => {
  await fake?.close();
  run?.tmp.remove();
});

describe('example market-crash', { timeout: 180_000 }, () => {
  it('recovers the planted causal graph (F1 >= 0.8); a lying voter cannot decide a contested edge', async () => {
    fake = await startExampleFake((model, prompt) => {
      const honest = standIn(prompt);
      if (model === 'gemini' && prompt.includes(VOTE_MARKER)) return honest === 'causal' ? 'absent' : 'causal';
      return honest;
    });
    run = await runExample<MarketResult>('market-crash', fake.env);
    const r = run.result;
    const planted = makeMarket(1)
      .edges.map((e) => `${ASSETS[e.cause]}->${ASSETS[e.effect]}`)
      .sort();
    expect(r.planted.map((e) => `${e.cause}->${e.effect}`).sort()).toEqual(planted);
    expect(r.f1).toBeGreaterThanOrEqual(0.8);
    expect(r.tp + r.fn).toBe(planted.length);
    const recovered = r.recovered.map((e) => `${e.cause}->${e.effect}`);
    expect(r.tp).toBe(recovered.filter((k) => planted.includes(k)).length);

    expect(r.contested.length).toBeGreaterThan(0);
    for (const c of r.contested) {
      expect(c.votes).toHaveLength(4);
      const liar = c.votes.find((v) => v.provider === 'gemini')!;
      const honest = c.votes.filter((v) => v.provider !== 'gemini').map((v) => v.answer);
      expect(new Set(honest).size).toBe(1);
      expect(liar.answer).not.toBe(honest[0]);
      expect(c.decision).toBe(honest[0]);
    }
    expect(r.tests_source).toBe('generated');
    expect(r.llm.filter((l) => /\(the server's router\)/.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(run.stdout).toMatch(/recovered vs planted: \d+ true positives/);
    expect(run.svg).toContain('Causal graph: F1');
  });
});
