/**
 * The self-healing-cluster example end to end (built runner, its own server, LLM steps on the fake
 * provider with four voters). Asserts the outcome: every incident heals; a symptom seen before is
 * healed from memory with no LLM request; and for every kind of fault the time to heal of its last
 * occurrence is shorter than that of its first: the run learns.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULTS } from '../../../examples/self-healing-cluster/cluster.js';
import type { HealingResult } from '../../../examples/self-healing-cluster/index.js';
import { standIn } from '../../../examples/self-healing-cluster/stand-in.js';
import { runExample, startExampleFake, type ExampleFake, type ExampleRun } from '../../helpers/examples.js';

let fake: ExampleFake | undefined;
let run: ExampleRun<HealingResult> | undefined;

afterAll(async () => {
  await fake?.close();
  run?.tmp.remove();
});

describe('example self-healing-cluster', { timeout: 180_000 }, () => {
  it('heals every incident, and heals repeats faster, from memory', async () => {
    fake = await startExampleFake((_model, prompt) => standIn(prompt));
    run = await runExample<HealingResult>('self-healing-cluster', fake.env);
    const inc = run.result.incidents;
    expect(inc).toHaveLength(12);
    for (const i of inc) expect(i.time_to_heal, i.id).not.toBeNull();
    for (const kind of FAULTS) {
      const mine = inc.filter((i) => i.fault === kind);
      expect(mine.length, kind).toBeGreaterThanOrEqual(2);
      expect(mine[0].path, kind).toBe('llm');
      expect(mine[0].llm_requests, kind).toBeGreaterThan(0);
      expect(mine.at(-1)!.time_to_heal!, kind).toBeLessThan(mine[0].time_to_heal!);
      for (const later of mine.slice(1))
        expect({ id: later.id, path: later.path, llm: later.llm_requests }).toEqual({ id: later.id, path: 'memory', llm: 0 });
    }
    // Learning from failure: the first leak was restarted first, which did not hold, then rolled back.
    expect(inc[0].actions).toEqual([expect.stringMatching(/^restart_pod\(/), expect.stringMatching(/^rollback_deploy\(/)]);
    // Four voters on the fake: a written runbook costs 1 codegen + 3 agents + 4 votes per attempt.
    expect(inc.find((i) => i.fault === 'bad_deploy')!.llm_requests).toBe(8);
    expect(run.result.llm.some((l) => /\(the server's router\)/.test(l))).toBe(true);
    expect(run.stdout).toMatch(/all 12 incidents healed/);
    expect(run.svg).toContain('time to heal per incident');
  });
});
