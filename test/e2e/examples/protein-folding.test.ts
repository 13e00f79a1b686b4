/**
 * The protein-folding example end to end: the built runner, its own sixfold server over stdio, LLM
 * steps through the router to the fake provider. Asserts the outcome: the committed fold is the
 * best fold of the honest predictors (recomputed here from the same seeded folders), verified by
 * the reference scorer; the faulty predictor's fold is rejected; PBFT replaced the faulty primary
 * and the certificate verifies. A second run with no provider shows the labelled stand-in path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fold, hpEnergy, makeSequence } from '../../../examples/protein-folding/hp.js';
import { predictors, SEQUENCE_LENGTH, type ProteinResult } from '../../../examples/protein-folding/index.js';
import { standIn } from '../../../examples/protein-folding/stand-in.js';
import { runExample, startExampleFake, type ExampleFake, type ExampleRun } from '../../helpers/examples.js';

const runs: ExampleRun<ProteinResult>[] = [];
let fake: ExampleFake | undefined;

afterAll(async () => {
  await fake?.close();
  for (const r of runs) r.tmp.remove();
});

describe('example protein-folding', { timeout: 180_000 }, () => {
  it("commits the honest predictors' best fold by PBFT despite the faulty predictor (LLM steps on the fake provider)", async () => {
    fake = await startExampleFake((_model, prompt) => standIn(prompt));
    const run = await runExample<ProteinResult>('protein-folding', fake.env);
    runs.push(run);
    const r = run.result;

    const sequence = makeSequence(1, SEQUENCE_LENGTH);
    expect(r.sequence).toBe(sequence);
    const honestBest = Math.min(
      ...predictors(1)
        .filter((p) => !p.broken)
        .map((p) => Math.min(...fold(sequence, p).map((x) => x.claimed))),
    );
    expect(r.consensus.energy).toBe(honestBest);
    expect(hpEnergy(sequence, r.consensus.moves)).toEqual({ valid: true, energy: honestBest });
    expect(r.consensus.proposer).not.toMatch(/faulty/);
    const faulty = r.proposals.find((p) => p.predictor.includes('faulty'))!;
    expect(faulty).toMatchObject({ valid: false, accepted: false });
    expect(faulty.claimed).toBeLessThan(honestBest); // it claimed better than physics allowed
    expect(r.commit).toMatchObject({ committed: true, faulty_replicas: [0] });
    expect(r.commit.view_changes).toBeGreaterThanOrEqual(1);
    expect(r.commit.signatures).toBeGreaterThanOrEqual(3);
    expect(r.certificate_valid).toBe(true);
    expect(r.scorer).toMatchObject({ source: 'generated', passed: r.scorer.tests });
    expect(r.aggregate.min).toBe(faulty.claimed);

    // Through the router: the fake provider answered generate_code.
    expect(r.llm.some((l) => /\(the server's router\)/.test(l))).toBe(true);
    expect(fake.fake.requests.some((q) => JSON.stringify(q.body).includes('function hpEnergy(sequence, moves)'))).toBe(true);
    expect(run.stdout).toMatch(/predictor\s+replica\s+runs\s+claimed best/);
    expect(run.svgPath).toMatch(/protein-folding\.svg$/);
    expect(run.svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });

  it("without a provider key the client's scripted stand-in answers, and the output says so", async () => {
    const run = await runExample<ProteinResult>('protein-folding', {});
    runs.push(run);
    expect(run.stdout).toContain('LLM steps answered by: scripted stand-in for an LLM');
    expect(run.stdout).toContain('Simulated: ');
    expect(run.result.llm).toEqual([expect.stringMatching(/^scripted stand-in for an LLM/)]);
    expect(run.result.consensus).toEqual(runs[0].result.consensus);
  });
});
