import { affordableTokens, checkSpend, type Price } from './budget.js';
import { AgentStop, type AgentLedger, type FinalStatus } from './ledger.js';
import { agentPrompt, agentSystem, estimateTokens, memoryContent, recallQuery } from './prompt.js';

/**
 * One ephemeral agent's lifecycle: spawn → load memory → execute (one model call) → persist →
 * terminate. An agent is a few objects and a promise on the event loop, not a thread or process;
 * once it ends nothing of it stays in memory but its result. Its TTL or a cancellation aborts
 * whatever it is doing, including the HTTP request to the model.
 */

/** The I/O an agent does, passed in (the tool wires memory search, the router and the store). */
export interface AgentIO {
  recall(query: string, namespace: string, k: number, signal: AbortSignal): Promise<string[]>;
  execute(req: { system: string; prompt: string; maxTokens: number }, signal: AbortSignal): Promise<Execution>;
  remember(
    memory: { content: string; namespace: string; persist: boolean; metadata: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<void>;
  /** Price of the provider expected to answer, for capping tokens by budget; null when unknown. */
  price: Price | null;
}

export interface Execution {
  text: string;
  provider: string;
  costUsd: number;
}

export interface AgentSpec {
  id: string;
  runId: string;
  role: string;
  task: string;
  input?: string;
  index: number;
  total: number;
  namespace: string;
  memoryK: number;
  persist: boolean;
  ttlMs: number;
  budgetUsd?: number;
  maxTokens: number;
  /** Longest memory content written. */
  maxMemoryChars: number;
}

export interface AgentOutcome {
  id: string;
  input_index: number;
  status: FinalStatus;
  result: string | null;
  memories_loaded: number;
  memories_written: number;
  spawn_ms: number;
  elapsed_ms: number;
  cost_usd: number;
  /** Which provider answered (for the vote reduction); null when none did. */
  provider: string | null;
  error?: string;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Rejects as soon as `signal` aborts, so a phase that ignores signals still cannot outlive the TTL. */
function raced<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Runs one agent to its end; never rejects: every way of ending is an outcome. */
export async function runAgent(spec: AgentSpec, io: AgentIO, ledger: AgentLedger, runSignal: AbortSignal): Promise<AgentOutcome> {
  const start = performance.now();
  const controller = new AbortController();
  const signal = controller.signal;
  const stopRun = () =>
    controller.abort(runSignal.reason instanceof AgentStop ? runSignal.reason : new AgentStop('cancelled', 'cancelled'));
  runSignal.addEventListener('abort', stopRun, { once: true });
  const ttl = setTimeout(() => controller.abort(new AgentStop('expired', `TTL of ${spec.ttlMs} ms expired`)), spec.ttlMs);
  // Cancelled or terminated while it was queued: it ends without starting (no started_at).
  const early = ledger.takeStop(spec.id);
  if (runSignal.aborted) stopRun();
  else if (early) controller.abort(early);
  else ledger.start(spec.id, controller);

  let spawnMs = 0;
  let loaded = 0;
  let written = 0;
  let cost = 0;
  let provider: string | null = null;
  let result: string | null = null;
  let status: FinalStatus = 'succeeded';
  let error: string | undefined;
  try {
    const brief = { role: spec.role, task: spec.task, input: spec.input, index: spec.index, total: spec.total };
    signal.throwIfAborted(); // cancelled while queued: never starts its work
    const memories =
      spec.memoryK > 0 ? await raced(io.recall(recallQuery(brief), spec.namespace, spec.memoryK, signal), signal) : [];
    loaded = memories.length;
    spawnMs = performance.now() - start;

    ledger.phase(spec.id, 'executing');
    const system = agentSystem(brief);
    const prompt = agentPrompt({ ...brief, memories });
    const maxTokens = affordableTokens(spec.budgetUsd, io.price, estimateTokens(system) + estimateTokens(prompt), spec.maxTokens);
    signal.throwIfAborted();
    const r = await raced(io.execute({ system, prompt, maxTokens }, signal), signal);
    cost = r.costUsd;
    provider = r.provider;
    checkSpend(spec.budgetUsd, r.costUsd, r.provider);
    result = r.text;

    // An empty answer taught nothing: no memory is written for it.
    if (result.trim()) {
      ledger.phase(spec.id, 'persisting');
      signal.throwIfAborted();
      await raced(
        io.remember(
          {
            content: memoryContent(brief, result, spec.maxMemoryChars),
            namespace: spec.namespace,
            persist: spec.persist,
            metadata: {
              source: 'spawn_ephemeral',
              run_id: spec.runId,
              agent_id: spec.id,
              role: spec.role,
              input_index: spec.index,
            },
          },
          signal,
        ),
        signal,
      );
      written = 1;
    }
  } catch (err) {
    // The abort reason wins over whatever error the aborted operation surfaced as.
    const stop = signal.aborted && signal.reason instanceof AgentStop ? signal.reason : err instanceof AgentStop ? err : null;
    status = stop ? stop.status : 'failed';
    error = stop ? stop.message : err instanceof Error ? err.message : String(err);
    if (!spawnMs) spawnMs = performance.now() - start;
    result = null; // only a finished agent has a result
  } finally {
    clearTimeout(ttl);
    runSignal.removeEventListener('abort', stopRun);
  }
  ledger.end(spec.id, {
    status,
    result,
    memories_loaded: loaded,
    memories_written: written,
    cost_usd: cost,
    error: error ?? null,
  });
  return {
    id: spec.id,
    input_index: spec.index,
    status,
    result,
    memories_loaded: loaded,
    memories_written: written,
    spawn_ms: round(spawnMs),
    elapsed_ms: round(performance.now() - start),
    cost_usd: cost,
    provider,
    ...(error !== undefined ? { error } : {}),
  };
}
