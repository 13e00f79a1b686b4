import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AnswerFormat } from '../vote/normalize.js';
import type { QuorumRule } from '../vote/quorum.js';
import { ballotVote, decideVotes, errorVote, type Decision } from '../vote/vote.js';
import { runAgent, type AgentIO, type AgentOutcome } from './agent.js';
import { AgentStop, type AgentLedger } from './ledger.js';

/**
 * A fan-out of ephemeral agents: one per input (or `count` alike), at most `concurrency` alive at
 * once, each pulled from a queue by one of `concurrency` loops on the event loop. Results come back
 * in input order whatever order the agents finish in; a failed agent never stops the others.
 */
export const REDUCERS = ['none', 'vote', 'concat'] as const;
export type Reducer = (typeof REDUCERS)[number];

export interface RunOptions {
  task: string;
  inputs?: readonly string[];
  count?: number;
  role: string;
  namespace: string;
  memoryK: number;
  persist: boolean;
  ttlMs: number;
  concurrency: number;
  budgetUsd?: number;
  maxTokens: number;
  maxMemoryChars: number;
  reduce: Reducer;
  vote?: { quorum: QuorumRule; format: AnswerFormat };
  /** Called as each agent ends (progress notifications). */
  onFinished?: (agent: AgentOutcome, finished: number, total: number) => void;
  signal?: AbortSignal;
}

export type Reduced = { kind: 'concat'; text: string; agents: number } | ({ kind: 'vote' } & Decision);

export interface RunResult {
  run_id: string;
  agents: AgentOutcome[];
  reduced?: Reduced;
  totals: { spawned: number; succeeded: number; failed: number; expired: number; cancelled: number; cost_usd: number };
}

export async function runEphemeral(opts: RunOptions, io: AgentIO, ledger: AgentLedger): Promise<RunResult> {
  const runId = randomUUID();
  const n = opts.inputs ? opts.inputs.length : (opts.count ?? 1);
  const ids = Array.from({ length: n }, () => randomUUID());
  ledger.enqueue(ids.map((id, i) => ({ id, run_id: runId, role: opts.role, input_index: i })));
  // The run's own signal: the caller's cancellation, or terminate_agent by run id.
  const run = new AbortController();
  const cancel = () => run.abort(new AgentStop('cancelled', 'the spawn_ephemeral call was cancelled'));
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  ledger.openRun(runId, run);
  const signal = run.signal;
  setMaxListeners(0, signal); // one listener per live agent (up to `concurrency`), each removed as it ends
  // Agents with the same recall query (every agent of a `count` run) share one search: they all
  // see the namespace as the first of them found it, and the run pays for one search, not n.
  const recalls = new Map<string, Promise<string[]>>();
  const shared: AgentIO = {
    ...io,
    recall: (query, namespace, k) => {
      const key = `${k}\u0000${query}`;
      let p = recalls.get(key);
      if (!p) {
        recalls.set(key, (p = io.recall(query, namespace, k, signal)));
        p.catch(() => recalls.delete(key));
      }
      return p;
    },
  };
  const agents: AgentOutcome[] = new Array(n);
  let next = 0;
  let finished = 0;

  const worker = async () => {
    while (next < n) {
      const i = next++;
      agents[i] = await runAgent(
        {
          id: ids[i],
          runId,
          role: opts.role,
          task: opts.task,
          input: opts.inputs?.[i],
          index: i,
          total: n,
          namespace: opts.namespace,
          memoryK: opts.memoryK,
          persist: opts.persist,
          ttlMs: opts.ttlMs,
          budgetUsd: opts.budgetUsd,
          maxTokens: opts.maxTokens,
          maxMemoryChars: opts.maxMemoryChars,
        },
        shared,
        ledger,
        signal,
      );
      opts.onFinished?.(agents[i], ++finished, n);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, n) }, worker));
  } finally {
    ledger.closeRun(runId);
    opts.signal?.removeEventListener('abort', cancel);
  }

  const count = (s: AgentOutcome['status']) => agents.filter((a) => a.status === s).length;
  return {
    run_id: runId,
    agents,
    ...(opts.reduce !== 'none' ? { reduced: reduce(agents, opts) } : {}),
    totals: {
      spawned: n,
      succeeded: count('succeeded'),
      failed: count('failed'),
      expired: count('expired'),
      cancelled: count('cancelled'),
      cost_usd: agents.reduce((s, a) => s + a.cost_usd, 0),
    },
  };
}

/** Combines the agents' results: joined in input order, or decided by the vote code multi_model_vote uses. */
export function reduce(agents: readonly AgentOutcome[], opts: Pick<RunOptions, 'reduce' | 'vote'>): Reduced {
  if (opts.reduce === 'concat') {
    const done = agents.filter((a) => a.status === 'succeeded');
    return { kind: 'concat', text: done.map((a) => a.result ?? '').join('\n\n'), agents: done.length };
  }
  const rule = opts.vote ?? { quorum: 'majority', format: 'text' };
  // Every agent is a voter; one that failed is a vote that agrees with nobody.
  const votes = agents.map((a) =>
    a.status === 'succeeded' && a.result !== null
      ? ballotVote(
          a.id,
          { answer: a.result, model: a.provider ?? '', inputTokens: 0, outputTokens: 0, costUsd: a.cost_usd },
          a.elapsed_ms,
          { format: rule.format },
        )
      : errorVote(a.id, a.elapsed_ms, a.error ?? a.status),
  );
  const voters = agents.map((a) => ({ name: a.id, price: 0 }));
  return { kind: 'vote', ...decideVotes(votes, voters, { quorum: rule.quorum, tieBreaker: 'none' }) };
}
