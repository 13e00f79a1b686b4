import { describe, expect, it } from 'vitest';
import {
  SETTLED,
  ballotVote,
  decideVotes,
  errorVote,
  runVote,
  type Ballot,
  type Voter,
} from '../../../../src/patterns/vote/vote.js';

/** A voter whose answer the test releases by hand, and which records whether it was aborted. */
function controlled(names: string[]) {
  const pending = new Map<string, { resolve: (b: Ballot) => void; reject: (e: Error) => void; aborted: boolean }>();
  const voters: Voter[] = names.map((name, i) => ({ name, price: i + 1 }));
  const ask = (voter: Voter, signal: AbortSignal) =>
    new Promise<Ballot>((resolve, reject) => {
      const entry = { resolve, reject, aborted: false };
      pending.set(voter.name, entry);
      signal.addEventListener('abort', () => {
        entry.aborted = true;
        reject(new Error('aborted'));
      });
    });
  const answer = async (name: string, text: string) => {
    pending.get(name)!.resolve({ answer: text, model: `${name}-model`, inputTokens: 10, outputTokens: 2, costUsd: 0.001 });
    await new Promise((r) => setImmediate(r));
  };
  const fail = async (name: string, message: string) => {
    pending.get(name)!.reject(new Error(message));
    await new Promise((r) => setImmediate(r));
  };
  return { voters, ask, answer, fail, pending };
}

describe('runVote', () => {
  it('decides at quorum and aborts the slow voter', async () => {
    const c = controlled(['a', 'b', 'c', 'slow']);
    const progress: number[] = [];
    const done = runVote(c.voters, c.ask, {
      quorum: 'bft',
      format: 'text',
      tieBreaker: 'none',
      onVote: (_v, k) => progress.push(k),
    });
    await new Promise((r) => setImmediate(r));
    await c.answer('a', 'Paris');
    await c.answer('b', '"paris."');
    await c.answer('c', 'PARIS');
    const out = await done;
    expect(out.decision).toBe('paris');
    expect(out.quorum_reached).toBe(true);
    expect(out.quorum).toBe(3);
    expect(out.agreement).toBe(0.75);
    expect(c.pending.get('slow')!.aborted).toBe(true);
    expect(out.votes[3]).toMatchObject({ provider: 'slow', error: SETTLED, answer: null });
    expect(out.aborted).toBe(1);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('one liar among four does not change the decision', async () => {
    const c = controlled(['liar', 'a', 'b', 'c']);
    const done = runVote(c.voters, c.ask, { quorum: 'bft', format: 'text', tieBreaker: 'none' });
    await new Promise((r) => setImmediate(r));
    await c.answer('liar', 'Lyon');
    await c.answer('a', 'Paris');
    await c.answer('b', 'Paris');
    await c.answer('c', 'Paris');
    const out = await done;
    expect(out.decision).toBe('paris');
    expect(out.votes[0].normalized).toBe('lyon');
  });

  it('stops as soon as the quorum cannot be reached, with no decision', async () => {
    const c = controlled(['a', 'b', 'c', 'd']);
    const done = runVote(c.voters, c.ask, { quorum: 'bft', format: 'text', tieBreaker: 'none' });
    await new Promise((r) => setImmediate(r));
    await c.answer('a', 'x');
    await c.answer('b', 'y');
    await c.fail('c', 'HTTP 500');
    const out = await done;
    expect(out.decision).toBeNull();
    expect(out.quorum_reached).toBe(false);
    expect(out.votes[2].error).toBe('HTTP 500');
    expect(c.pending.get('d')!.aborted).toBe(true);
  });

  it('tie-breakers pick among the leading answers: cheapest voter or first to arrive', async () => {
    for (const [how, expected] of [
      ['cheapest', 'x'],
      ['fastest', 'y'],
    ] as const) {
      const c = controlled(['a', 'b']); // a is cheaper (price 1)
      const done = runVote(c.voters, c.ask, { quorum: 'unanimous', format: 'text', tieBreaker: how });
      await new Promise((r) => setImmediate(r));
      await c.answer('b', 'y');
      await c.answer('a', 'x');
      const out = await done;
      expect(out.quorum_reached).toBe(false);
      expect(out.decision).toBe(expected);
    }
  });

  it('an answer outside the choices is a non-agreeing vote with a reason', async () => {
    const c = controlled(['a', 'b', 'c']);
    const done = runVote(c.voters, c.ask, { quorum: 'majority', format: 'text', choices: ['yes', 'no'], tieBreaker: 'none' });
    await new Promise((r) => setImmediate(r));
    await c.answer('a', 'maybe');
    await c.answer('b', 'Yes.');
    await c.answer('c', 'I would say yes');
    const out = await done;
    expect(out.decision).toBe('yes');
    expect(out.votes[0]).toMatchObject({ normalized: null, error: 'answer is not one of the choices (yes, no)' });
  });

  it('the caller cancelling aborts every voter', async () => {
    const c = controlled(['a', 'b']);
    const ac = new AbortController();
    const done = runVote(c.voters, c.ask, { quorum: 'majority', format: 'text', tieBreaker: 'none', signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    const out = await done;
    expect(c.pending.get('a')!.aborted && c.pending.get('b')!.aborted).toBe(true);
    expect(out.decision).toBeNull();
  });
});

describe('decideVotes (answers gathered by the caller, e.g. spawn_ephemeral)', () => {
  const voters = (n: number): Voter[] => Array.from({ length: n }, (_, i) => ({ name: `v${i}`, price: n - i }));
  const ballot = (answer: string): Ballot => ({ answer, model: 'm', inputTokens: 1, outputTokens: 1, costUsd: 0 });

  it('counts normalised answers against the quorum, errors agreeing with nobody', () => {
    const votes = [
      ballotVote('v0', ballot('Paris.'), 1, { format: 'text' }),
      ballotVote('v1', ballot('"paris"'), 1, { format: 'text' }),
      errorVote('v2', 1, 'timed out'),
      ballotVote('v3', ballot('Lyon'), 1, { format: 'text' }),
    ];
    expect(decideVotes(votes, voters(4), { quorum: 'majority', tieBreaker: 'none' })).toEqual({
      decision: null,
      quorum_reached: false,
      agreement: 0.5,
      quorum: 3,
    });
    expect(decideVotes(votes, voters(4), { quorum: 'majority', tieBreaker: 'fastest' }).decision).toBe('paris');
    const more = [...votes, ballotVote('v4', ballot('PARIS'), 1, { format: 'text' })];
    expect(decideVotes(more, voters(5), { quorum: 'majority', tieBreaker: 'none' })).toEqual({
      decision: 'paris',
      quorum_reached: true,
      agreement: 0.6,
      quorum: 3,
    });
  });

  it('breaks a tie by the cheapest backer or the earliest', () => {
    const votes = ['a', 'b'].map((x, i) => ballotVote(`v${i}`, ballot(x), 1, { format: 'text' }));
    expect(decideVotes(votes, voters(2), { quorum: 'majority', tieBreaker: 'fastest' }).decision).toBe('a');
    expect(decideVotes(votes, voters(2), { quorum: 'majority', tieBreaker: 'cheapest' }).decision).toBe('b');
  });
});
