/**
 * The p2p-game example end to end: two sixfold processes gossiping over the cluster's peer network,
 * designers, votes and the generated validator on the fake provider. Asserts the outcome: the final
 * world validates (one key per level, budgets kept, every item on a reachable floor square, no
 * square shared), both replicas are identical, items from both servers made it in, and each planted
 * defect was caught by the step meant to catch it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { GameResult } from '../../../examples/p2p-game/index.js';
import { standIn } from '../../../examples/p2p-game/stand-in.js';
import { checkWorld, makeTerrain } from '../../../examples/p2p-game/world.js';
import { runExample, startExampleFake, type ExampleFake, type ExampleRun } from '../../helpers/examples.js';

let fake: ExampleFake | undefined;
let run: ExampleRun<GameResult> | undefined;

afterAll(async () => {
  await fake?.close();
  run?.tmp.remove();
});

describe('example p2p-game', { timeout: 180_000 }, () => {
  it("two gossiping servers build one valid world from agents' proposals", async () => {
    fake = await startExampleFake((_model, prompt) => standIn(prompt));
    run = await runExample<GameResult>('p2p-game', fake.env);
    const r = run.result;
    expect(r.replicas_identical).toBe(true);
    expect(r.problems).toEqual([]);
    // Checked again here against the terrain the seed makes.
    expect(checkWorld({ levels: [1, 2, 3].map((l) => makeTerrain(1, l)), items: r.world })).toEqual([]);
    expect(new Set(r.world.map((it) => it.server))).toEqual(new Set(['A', 'B']));
    for (const level of [1, 2, 3]) expect(r.world.filter((it) => it.level === level && it.kind === 'key')).toHaveLength(1);
    const squares = r.world.map((it) => `${it.level}:${it.x},${it.y}`);
    expect(new Set(squares).size).toBe(squares.length);

    const review = (id: string) => r.proposals.find((p) => p.id === id)!;
    expect(review('a2.4')).toMatchObject({ vote: 'accept', valid: false, reason: 'on a wall', accepted: false });
    expect(review('b3.2')).toMatchObject({ vote: 'accept', valid: false, accepted: false });
    expect(review('b3.2').reason).toMatch(/^power out of range/);
    expect(review('b1.1')).toMatchObject({ vote: 'reject', accepted: false });
    expect(
      r.proposals.filter((p) => p.server === 'B' && p.kind === 'key').every((p) => p.reason === 'level already has a key'),
    ).toBe(true);
    expect(r.validator).toBe('generated');
    expect(r.llm.some((l) => /\(the server's router\)/.test(l))).toBe(true);
    expect(run.stdout).toMatch(/world check: valid/);
    expect(run.svg).toContain('P2P game world');
  });
});
