import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import { SixfoldError } from '../../errors.js';
import type { Deps } from '../../deps.js';
import { hashEmbed } from '../../memory/embed/hash.js';
import { DEFAULT_NAMESPACE, type NewItem, type ReasoningBank, type ReasoningItem, type UsedMemory } from './bank.js';
import type { CompletionRequest } from '../../router/providers/types.js';
import { planConsolidation } from './consolidate.js';
import { FAILURE_DELTA, SUCCESS_DELTA, distil } from './distil.js';
import { extractCode, normalizeLanguage } from './extract.js';
import { codegenPrompt, judgePrompt, parseJudgement } from './prompt.js';
import { memoryScore, mmr } from './score.js';
import { scrubText } from './scrub.js';

/**
 * The self-improving code generation loop (ReasoningBank): retrieve what was learned on similar
 * tasks, answer a near-repeat of a task that already succeeded straight from memory, otherwise
 * ask the router with the best memories in the prompt; later, learn from the outcome.
 *
 * No MCP here: the tools in tools/ validate input and call these functions.
 */

export type CodegenConfig = Config['codegen'];

export interface Completion {
  text: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The router's `complete`, narrowed to what this loop needs. */
export type Complete = (
  req: CompletionRequest,
  opts: { signal?: AbortSignal; provider?: string; purpose: string },
) => Promise<Completion>;

export interface CodegenDeps {
  bank: ReasoningBank;
  complete: Complete;
  config: CodegenConfig;
}

/** KNN depth before scoring and MMR pick the few that go into the prompt. */
export const CANDIDATES = 32;

export interface GenerateInput {
  task: string;
  language: string;
  context?: string;
  namespace?: string;
  use_memory?: boolean;
  provider?: string;
}

export interface GenerateResult {
  code: string;
  trajectory_id: string;
  source: 'memory' | 'llm';
  language: string;
  memories_used: UsedMemory[];
  provider?: string;
  model?: string;
  tokens?: number;
  cost_usd?: number;
}

/** The existing code a task was solved against: a near-repeat must match it exactly. */
export function contextHash(context: string | undefined): string {
  return createHash('sha256')
    .update(context ?? '')
    .digest('hex')
    .slice(0, 32);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function used(item: ReasoningItem, score: number, similarity: number): UsedMemory {
  return { id: item.id, title: item.title, kind: item.kind, score: round(score), similarity: round(similarity) };
}

export async function generateCode(deps: CodegenDeps, input: GenerateInput, signal?: AbortSignal): Promise<GenerateResult> {
  const { bank, config } = deps;
  const namespace = input.namespace ?? DEFAULT_NAMESPACE;
  const language = normalizeLanguage(input.language);
  const hash = contextHash(input.context);
  const task = scrubText(input.task);
  const now = bank.now();

  let picked: Array<{ item: ReasoningItem; score: number; similarity: number }> = [];
  if (input.use_memory !== false) {
    const [query] = await bank.embed([input.task], signal);
    const near = bank.nearest({ namespace, language, vector: query, k: CANDIDATES });
    const scored = near.map((n) => ({
      ...n,
      score: memoryScore({
        similarity: n.similarity,
        ageMs: now - Math.max(n.item.created_at, n.item.last_used_at ?? 0),
        confidence: n.item.confidence,
      }),
    }));

    // A near-repeat of a task that already succeeded, on the same code: answer from memory. The
    // wording must also agree (hash-384, lexical): a semantic embedder scores opposite tasks
    // ("camelCase to snake_case" / "snake_case to camelCase") as near-identical.
    const lexical = hashEmbed(task);
    const sameWords = (other: string) => {
      const v = hashEmbed(other);
      return lexical.reduce((s, x, i) => s + x * v[i], 0) >= config.repeat_threshold;
    };
    const repeat = scored
      .filter(
        (n) =>
          n.item.kind === 'strategy' &&
          n.item.code !== null &&
          n.item.context_hash === hash &&
          n.similarity >= config.repeat_threshold &&
          n.item.confidence >= config.repeat_min_confidence &&
          sameWords(n.item.task),
      )
      .sort((a, b) => b.similarity - a.similarity || b.item.confidence - a.item.confidence)[0];
    if (repeat) {
      const memories_used = [used(repeat.item, repeat.score, repeat.similarity)];
      const t = bank.addTrajectory({
        namespace,
        task,
        language,
        context_hash: hash,
        prompt: null,
        code: repeat.item.code!,
        source: 'memory',
        provider: null,
        model: null,
        tokens: null,
        cost_usd: null,
        memories_used,
      });
      return { code: repeat.item.code!, trajectory_id: t.id, source: 'memory', language, memories_used };
    }

    const relevant = scored
      .filter((n) => n.similarity >= config.min_similarity)
      .sort((a, b) => b.score - a.score || a.item.id.localeCompare(b.item.id));
    const vectors = bank.vectors(relevant.map((n) => n.item.id));
    picked = mmr(
      relevant.map((n) => ({ ...n, vector: vectors.get(n.item.id) ?? new Float32Array(0) })),
      config.top_k,
    );
  }

  const { system, prompt } = codegenPrompt({
    task: input.task,
    language,
    context: input.context,
    memories: picked.map((p) => p.item),
  });
  const r = await deps.complete(
    { system, prompt, maxTokens: config.max_tokens, temperature: 0.2 },
    { signal, provider: input.provider, purpose: 'codegen' },
  );
  const code = extractCode(r.text, language);
  if (code === null) {
    throw new SixfoldError(
      'unavailable',
      `${r.provider} (${r.model}) replied without a code block, so there is no code to return (reply began: ${JSON.stringify(r.text.slice(0, 120))}).`,
      'Retry, state the task more concretely, or pass another provider.',
    );
  }
  const memories_used = picked.map((p) => used(p.item, p.score, p.similarity));
  const tokens = r.inputTokens + r.outputTokens;
  const t = bank.addTrajectory({
    namespace,
    task,
    language,
    context_hash: hash,
    prompt: scrubText(`${system}\n\n${prompt}`),
    code: scrubText(code),
    source: 'llm',
    provider: r.provider,
    model: r.model,
    tokens,
    cost_usd: r.costUsd,
    memories_used,
  });
  return {
    code,
    trajectory_id: t.id,
    source: 'llm',
    language,
    memories_used,
    provider: r.provider,
    model: r.model,
    tokens,
    cost_usd: r.costUsd,
  };
}

export interface OutcomeInput {
  trajectory_id: string;
  success?: boolean;
  notes?: string;
  final_code?: string;
  judge?: boolean;
  /** Consolidate the namespace now, whatever the count of new items. */
  consolidate?: boolean;
}

export interface OutcomeResult {
  trajectory_id: string;
  success: boolean;
  judged: boolean;
  judge_reason?: string;
  memories_created: Array<{ id: string; kind: 'strategy' | 'pitfall'; title: string; confidence: number }>;
  memories_updated: Array<{ id: string; title: string; confidence: number }>;
  consolidation?: { merged: number; pruned: number };
}

export async function recordOutcome(deps: CodegenDeps, input: OutcomeInput, signal?: AbortSignal): Promise<OutcomeResult> {
  const { bank, config } = deps;
  if (input.success !== undefined && input.judge) {
    throw new SixfoldError(
      'invalid_input',
      'Send either success or judge: true, not both.',
      'Use success when you know whether the code worked; judge: true asks an LLM when you do not.',
    );
  }
  if (input.success === undefined && !input.judge) {
    throw new SixfoldError(
      'invalid_input',
      'record_outcome needs success (true or false), or judge: true to let an LLM decide.',
      'Send {"trajectory_id": "...", "success": true} after the code passed its tests.',
    );
  }
  const t = bank.trajectory(input.trajectory_id);
  if (!t) {
    throw new SixfoldError(
      'not_found',
      `No trajectory with id "${input.trajectory_id}".`,
      'Pass the trajectory_id that generate_code returned; see trajectory://{id}.',
    );
  }
  if (t.outcome !== 'pending') {
    throw new SixfoldError(
      'conflict',
      `Trajectory ${t.id} already has its outcome (${t.outcome}).`,
      'Each trajectory takes one outcome; call generate_code again for a new attempt.',
    );
  }

  let success = input.success;
  let judgeReason: string | undefined;
  if (input.judge) {
    const code = input.final_code ?? t.code;
    const { system, prompt } = judgePrompt({ task: t.task, language: t.language, code, notes: input.notes });
    const r = await deps.complete({ system, prompt, maxTokens: 200, temperature: 0 }, { signal, purpose: 'judge' });
    const verdict = parseJudgement(r.text);
    if (!verdict) {
      throw new SixfoldError(
        'unavailable',
        `The judge (${r.provider}) did not answer PASS or FAIL (reply began: ${JSON.stringify(r.text.slice(0, 120))}).`,
        'Send success: true or false yourself, or retry.',
      );
    }
    success = verdict.success;
    judgeReason = verdict.reason;
  }

  const notes =
    [input.notes?.trim(), judgeReason !== undefined ? `Judge (${success ? 'PASS' : 'FAIL'}): ${judgeReason}` : undefined]
      .filter(Boolean)
      .join('\n') || undefined;
  const distilled = distil({
    task: t.task,
    language: t.language,
    code: t.code,
    source: t.source,
    success: success!,
    final_code: input.final_code,
    notes,
    judged: input.judge === true,
  }).map((d) => ({
    ...d,
    title: scrubText(d.title),
    description: scrubText(d.description),
    content: scrubText(d.content),
    code: scrubText(d.code),
  }));
  const vectors = distilled.length
    ? await bank.embed(
        distilled.map(() => t.task),
        signal,
      )
    : [];
  const items: NewItem[] = distilled.map((d, i) => ({ ...d, task: t.task, context_hash: t.context_hash, vector: vectors[i] }));

  const done = bank.finish({
    id: t.id,
    outcome: success ? 'success' : 'failure',
    notes: scrubText(notes ?? null),
    final_code: scrubText(input.final_code ?? null),
    judged: input.judge === true,
    items,
    adjust: { ids: t.memories_used.map((m) => m.id), delta: success ? SUCCESS_DELTA : FAILURE_DELTA },
  });

  const result: OutcomeResult = {
    trajectory_id: t.id,
    success: success!,
    judged: input.judge === true,
    ...(judgeReason !== undefined ? { judge_reason: judgeReason } : {}),
    memories_created: done.created.map((c) => ({ id: c.id, kind: c.kind, title: c.title, confidence: c.confidence })),
    memories_updated: done.updated,
  };
  if (input.consolidate || bank.itemsSinceConsolidation(t.namespace) >= config.consolidate_every) {
    result.consolidation = consolidate(deps, t.namespace);
  }
  return result;
}

/** Merges near-duplicates and prunes distrusted or long-unused items of one namespace. */
export function consolidate(deps: Pick<CodegenDeps, 'bank' | 'config'>, namespace: string): { merged: number; pruned: number } {
  const { bank, config } = deps;
  return bank.consolidate(namespace, (items) =>
    planConsolidation(items, {
      now: bank.now(),
      mergeThreshold: config.merge_threshold,
      pruneConfidence: config.prune_confidence,
      pruneUnusedDays: config.prune_unused_days,
    }),
  );
}

/** The loop's dependencies from the server's: the bank, the router's complete. */
export async function codegenDeps(deps: Pick<Deps, 'bank' | 'router' | 'config'>): Promise<CodegenDeps> {
  return {
    bank: await deps.bank(),
    complete: (req, opts) => deps.router.complete(req, opts),
    config: deps.config.codegen,
  };
}
