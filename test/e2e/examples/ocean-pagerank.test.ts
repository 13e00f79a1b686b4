/**
 * The ocean-pagerank example end to end (built runner, its own server, the partition reporters'
 * LLM calls on the fake provider). Asserts the outcome against a reference: a plain Float64 power
 * iteration on the same generated graph, run here to a far tighter residual, gives the same top
 * pages in the same order and the same ranks within the tolerance the example stops at.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeGraph, pageName } from '../../../examples/ocean-pagerank/graph.js';
import { DAMPING, PAGES, PARTITIONS, TOLERANCE, type OceanResult } from '../../../examples/ocean-pagerank/index.js';
import { standIn } from '../../../examples/ocean-pagerank/stand-in.js';
import { runExample, startExampleFake, type ExampleFake, type ExampleRun } from '../../helpers/examples.js';

let fake: ExampleFake | undefined;
let run: ExampleRun<OceanResult> | undefined;

afterAll(async () => {
  await fake?.close();
  run?.tmp.remove();
});

/** The reference: power iteration in Float64 with dangling mass spread evenly, to an L1 residual of 1e-12. */
function referenceRanks(): Float64Array {
  const g = makeGraph(1, PAGES);
  const n = g.n;
  let r = new Float64Array(n).fill(1 / n);
  for (let k = 0; k < 500; k++) {
    let dangling = 0;
    for (let v = 0; v < n; v++) if (g.outDeg[v] === 0) dangling += r[v];
    const base = (1 - DAMPING) / n + (DAMPING * dangling) / n;
    const next = new Float64Array(n);
    let res = 0;
    for (let v = 0; v < n; v++) {
      let s = 0;
      for (let e = g.inStart[v]; e < g.inStart[v + 1]; e++) s += r[g.inSrc[e]] / g.outDeg[g.inSrc[e]];
      next[v] = base + DAMPING * s;
      res += Math.abs(next[v] - r[v]);
    }
    r = next;
    if (res < 1e-12) break;
  }
  return r;
}

describe('example ocean-pagerank', { timeout: 180_000 }, () => {
  it('converges on 100,000 pages through CRDT documents to the reference PageRank', async () => {
    fake = await startExampleFake((_model, prompt) => standIn(prompt));
    run = await runExample<OceanResult>('ocean-pagerank', fake.env);
    const r = run.result;
    expect(r.pages).toBeGreaterThanOrEqual(100_000);
    expect(r.converged).toBe(true);
    expect(r.residuals.at(-1)).toBeLessThan(TOLERANCE);
    // The residual falls round after round (power iteration contracts by about the damping factor).
    for (let i = 1; i < r.residuals.length; i++) expect(r.residuals[i]).toBeLessThan(r.residuals[i - 1]);

    const ref = referenceRanks();
    const refTop = Array.from({ length: ref.length }, (_, i) => i)
      .sort((a, b) => ref[b] - ref[a])
      .slice(0, 20);
    expect(r.top.slice(0, 10).map((t) => t.page)).toEqual(refTop.slice(0, 10));
    for (const t of r.top) expect(Math.abs(t.rank - ref[t.page])).toBeLessThan(TOLERANCE);
    // One document per round, each about 13 Float32 chunks (~535 kB), not 100k JSON keys.
    expect(r.doc_bytes).toBeLessThan(700_000);

    expect(r.reports).toHaveLength(PARTITIONS);
    r.reports.forEach((line, p) => expect(line).toMatch(new RegExp(`^Partition ${p} is led by page-\\d{6}`)));
    expect(r.llm.some((l) => /\(the server's router\)/.test(l))).toBe(true);
    expect(run.stdout).toContain(pageName(refTop[0]));
    expect(run.svg).toContain('Global residual per round');
  });
});
