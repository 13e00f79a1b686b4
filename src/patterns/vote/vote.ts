import { normalizeAnswer, type AnswerFormat } from './normalize.js';
import { Tally, quorumSize, type QuorumRule } from './quorum.js';

export const TIE_BREAKERS = ['none', 'cheapest', 'fastest'] as const;
export type TieBreaker = (typeof TIE_BREAKERS)[number];

export interface Voter {
  name: string;
  /** USD per million input+output tokens, for the `cheapest` tie-breaker. */
  price: number;
}

/** What a voter's call returns: its answer and what it cost. */
export interface Ballot {
  answer: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface Vote {
  provider: string;
  model: string | null;
  answer: string | null;
  normalized: string | null;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  error?: string;
}

export interface VoteOptions {
  quorum: QuorumRule;
  format: AnswerFormat;
  choices?: readonly string[];
  tieBreaker: TieBreaker;
  signal?: AbortSignal;
  /** Called as each vote arrives (for progress notifications). */
  onVote?: (vote: Vote, received: number, total: number) => void;
}

export interface VoteOutcome {
  decision: string | null;
  quorum_reached: boolean;
  agreement: number;
  quorum: number;
  votes: Vote[];
  /** Votes abandoned because the outcome was already settled. */
  aborted: number;
}

export const SETTLED = 'vote settled before this answer arrived';

/**
 * Asks every voter at once and counts normalised answers as they arrive. As soon as one answer
 * has the quorum, or none can reach it any more, the outstanding calls are aborted: latency is the
 * quorum-th fastest voter's, not the slowest's. Errors are votes that agree with nobody.
 */
export async function runVote(
  voters: readonly Voter[],
  ask: (voter: Voter, signal: AbortSignal) => Promise<Ballot>,
  opts: VoteOptions,
): Promise<VoteOutcome> {
  const n = voters.length;
  const tally = new Tally(n, opts.quorum);
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const votes: Vote[] = new Array(n);
  const arrival: number[] = [];
  let received = 0;
  let settledAt = -1;

  await Promise.all(
    voters.map(async (voter, i) => {
      const start = performance.now();
      let vote: Vote;
      try {
        vote = ballotVote(voter.name, await ask(voter, signal), performance.now() - start, opts);
      } catch (err) {
        const abandoned = stop.signal.aborted && settledAt >= 0;
        vote = errorVote(voter.name, performance.now() - start, abandoned ? SETTLED : (err as Error).message);
      }
      votes[i] = vote;
      if (settledAt >= 0) return; // arrived after the outcome was fixed: reported, not counted
      received++;
      arrival.push(i);
      const state = tally.add(vote.normalized);
      opts.onVote?.(vote, received, n);
      if (state.settled) {
        settledAt = received;
        stop.abort(new Error(SETTLED));
      }
    }),
  );

  return { ...conclude(tally, votes, voters, arrival, opts), votes, aborted: votes.filter((v) => v.error === SETTLED).length };
}

export type Decision = Pick<VoteOutcome, 'decision' | 'quorum_reached' | 'agreement' | 'quorum'>;

/** The outcome of a finished tally, with the tie-breaker applied when no answer has the quorum. */
function conclude(
  tally: Tally,
  votes: Vote[],
  voters: readonly Voter[],
  arrival: number[],
  opts: Pick<VoteOptions, 'quorum' | 'tieBreaker'>,
): Decision {
  const state = tally.state();
  let decision = state.decision;
  if (decision === null && opts.tieBreaker !== 'none') decision = breakTie(tally, votes, voters, arrival, opts.tieBreaker);
  return {
    decision,
    quorum_reached: state.quorumReached,
    agreement: state.agreement,
    quorum: quorumSize(opts.quorum, voters.length),
  };
}

/**
 * Decides among votes already collected (in arrival order) by the same tally and tie-breaker
 * runVote uses, for callers that gather the answers themselves (spawn_ephemeral's reduce: "vote").
 */
export function decideVotes(
  votes: readonly Vote[],
  voters: readonly Voter[],
  opts: Pick<VoteOptions, 'quorum' | 'tieBreaker'>,
): Decision {
  const tally = new Tally(votes.length, opts.quorum);
  for (const v of votes) tally.add(v.normalized);
  return conclude(
    tally,
    [...votes],
    voters,
    votes.map((_, i) => i),
    opts,
  );
}

/** A provider's answer as a vote: normalised, or flagged with why it counts for nobody. */
export function ballotVote(provider: string, b: Ballot, latencyMs: number, opts: Pick<VoteOptions, 'format' | 'choices'>): Vote {
  const normalized = normalizeAnswer(b.answer, opts.format, opts.choices);
  return {
    provider,
    model: b.model,
    answer: b.answer,
    normalized,
    latency_ms: round(latencyMs),
    input_tokens: b.inputTokens,
    output_tokens: b.outputTokens,
    cost_usd: b.costUsd,
    ...(normalized === null ? { error: invalidAnswer(opts) } : {}),
  };
}

/** A voter that gave no answer (an error, a cancellation): a vote that agrees with nobody. */
export function errorVote(provider: string, latencyMs: number, error: string): Vote {
  return {
    provider,
    model: null,
    answer: null,
    normalized: null,
    latency_ms: round(latencyMs),
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    error,
  };
}

/** Among the answers with the most votes: the one backed by the cheapest voter, or the earliest. */
function breakTie(tally: Tally, votes: Vote[], voters: readonly Voter[], arrival: number[], how: TieBreaker): string | null {
  const ranking = tally.ranking();
  if (!ranking.length) return null;
  const top = new Set(ranking.filter(([, c]) => c === ranking[0][1]).map(([a]) => a));
  const backers = arrival.filter((i) => votes[i].normalized !== null && top.has(votes[i].normalized!));
  if (how === 'fastest') return votes[backers[0]].normalized;
  backers.sort((a, b) => voters[a].price - voters[b].price || a - b);
  return votes[backers[0]].normalized;
}

function invalidAnswer(opts: Pick<VoteOptions, 'format' | 'choices'>): string {
  if (opts.choices?.length) return `answer is not one of the choices (${opts.choices.join(', ')})`;
  return `answer is not valid ${opts.format}`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
