import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { SixfoldError } from '../src/errors.js';
import { FORMATS } from '../src/patterns/vote/normalize.js';
import { votePrompt } from '../src/patterns/vote/prompt.js';
import { QUORUMS, quorumSize } from '../src/patterns/vote/quorum.js';
import { TIE_BREAKERS, ballotVote, runVote, type Ballot, type Vote } from '../src/patterns/vote/vote.js';
import type { CallResult } from '../src/router/router.js';
import { costUsd } from '../src/router/providers/types.js';
import { clip, defineTool, elapsedMs, toolInput, sendProgress } from '../src/tool-kit.js';
import { CLIENT_PROVIDER, samplingFallback } from '../src/mcp/sampling.js';

const voteOut = z.object({
  provider: z.string(),
  model: z.string().nullable(),
  answer: z.string().nullable(),
  normalized: z.string().nullable(),
  latency_ms: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost_usd: z.number(),
  error: z.string().optional(),
});

function toBallot(r: CallResult): Ballot {
  return { answer: r.text, model: r.model, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd };
}

/** A vote's error with its provider named once (router errors already start with the name). */
function voteError(v: Vote): string {
  return v.error?.startsWith(`${v.provider}:`) ? v.error : `${v.provider}: ${v.error}`;
}

export function registerMultiModelVoteTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'multi_model_vote',
    title: 'Ask several LLM providers and take a fault-tolerant vote',
    description:
      'Sends one prompt to several LLM providers at once and decides by vote on their normalised answers. ' +
      'quorum "bft" (default) decides only when 2f+1 of n agree (f = floor((n-1)/3)), so one lying or broken model of ' +
      'four cannot decide; the vote ends as soon as the outcome is settled and outstanding calls are cancelled. ' +
      'critical: false asks only the cheapest healthy provider and reports the saving. Use choices or format to make ' +
      'answers comparable.',
    input: toolInput({
      prompt: z
        .string({ error: 'prompt must be a string' })
        .min(1, 'prompt is empty; send the question to vote on')
        .max(100_000, 'prompt is over 100000 characters'),
      system: z.string({ error: 'system must be a string' }).max(20_000, 'system is over 20000 characters').optional(),
      providers: z
        .array(z.string().min(1).max(32), { error: 'providers must be an array of provider names, e.g. ["anthropic", "openai"]' })
        .min(1, 'providers is empty; omit it to use every configured provider')
        .max(16, 'at most 16 providers')
        .superRefine((a, ctx) => {
          const dup = a.find((name, i) => a.indexOf(name) !== i);
          if (dup) ctx.addIssue({ code: 'custom', message: `providers lists "${dup}" twice; name each provider once` });
        })
        .optional(),
      critical: z.boolean({ error: 'critical must be true or false' }).optional(),
      choices: z
        .array(z.string().min(1).max(500), { error: 'choices must be an array of strings' })
        .min(2, 'give at least 2 choices')
        .max(50, 'at most 50 choices')
        .optional(),
      format: z.enum(FORMATS, { error: `format must be one of ${FORMATS.join(', ')}` }).optional(),
      quorum: z.enum(QUORUMS, { error: `quorum must be one of ${QUORUMS.join(', ')}` }).optional(),
      tie_breaker: z.enum(TIE_BREAKERS, { error: `tie_breaker must be one of ${TIE_BREAKERS.join(', ')}` }).optional(),
      max_tokens: z
        .number({ error: 'max_tokens must be a whole number' })
        .int('max_tokens must be a whole number')
        .min(1, 'max_tokens must be at least 1')
        .max(32_000, 'max_tokens must be at most 32000')
        .optional(),
      temperature: z
        .number({ error: 'temperature must be a number from 0 to 2' })
        .min(0, 'temperature must be at least 0')
        .max(2, 'temperature must be at most 2')
        .optional(),
      timeout_ms: z
        .number({ error: 'timeout_ms must be a whole number of milliseconds' })
        .int()
        .min(100, 'timeout_ms must be at least 100')
        .max(600_000, 'timeout_ms must be at most 600000')
        .optional(),
    }),
    output: z.object({
      decision: z.string().nullable(),
      quorum_reached: z.boolean(),
      agreement: z.number(),
      quorum: z.number().int(),
      strategy: z.string(),
      votes: z.array(voteOut),
      total_cost_usd: z.number(),
      cost_saved_usd: z.number(),
      via: z
        .enum(['router', 'sampling'])
        .describe('configured providers, or the client\'s model as the one voter "client" (sampling)'),
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run(args, extra) {
      const start = performance.now();
      const format = args.format ?? 'text';
      const rule = args.quorum ?? 'bft';
      // No provider configured and a client that samples: its model is the one voter, "client".
      const sampler = await samplingFallback(
        server,
        extra,
        deps,
        args.providers?.find((p) => p !== CLIENT_PROVIDER),
      );
      const providers = sampler
        ? [{ name: CLIENT_PROVIDER, priceInput: 0, priceOutput: 0 }]
        : args.providers
          ? await deps.router.chain({ only: args.providers, policy: 'cost' })
          : await deps.router.chain({ policy: 'cost' });
      const via = sampler ? ('sampling' as const) : ('router' as const);
      const req = {
        system: args.system,
        prompt: votePrompt(args.prompt, format, args.choices),
        maxTokens: args.max_tokens ?? 512,
        temperature: args.temperature,
      };
      const ask = async (name: string, signal: AbortSignal) => {
        if (sampler) return toBallot({ ...(await sampler.complete(req, { signal })), latencyMs: 0, attempts: 1 });
        return toBallot(await deps.router.completeWith(name, req, { signal, timeoutMs: args.timeout_ms, purpose: 'vote' }));
      };

      if (args.critical === false && sampler) {
        const s = performance.now();
        const r = await sampler.complete(req, { signal: extra.signal });
        const vote = ballotVote(CLIENT_PROVIDER, toBallot({ ...r, latencyMs: 0, attempts: 1 }), performance.now() - s, {
          format,
          choices: args.choices,
        });
        const result = {
          decision: vote.normalized,
          quorum_reached: vote.normalized !== null,
          agreement: vote.normalized !== null ? 1 : 0,
          quorum: 1,
          strategy: "single (non-critical): the client's model (sampling)",
          votes: [vote],
          total_cost_usd: 0,
          cost_saved_usd: 0,
          via,
          elapsed_ms: elapsedMs(start),
        };
        return {
          result,
          summary: `Non-critical: asked your client's model (${r.model}, sampling: no LLM provider is configured); answer "${clip(vote.normalized ?? r.text, 80)}".`,
        };
      }

      if (args.critical === false) {
        // One call to the cheapest provider that answers; the saving is against asking them all.
        const r = await deps.router.complete(req, {
          only: providers.map((p) => p.name),
          policy: 'cost',
          signal: extra.signal,
          timeoutMs: args.timeout_ms,
          purpose: 'vote',
        });
        const vote = ballotVote(r.provider, toBallot(r), r.latencyMs, { format, choices: args.choices });
        const normalized = vote.normalized;
        // The same tokens at every selected provider's price: what a full vote would have cost.
        const full = providers.reduce((sum, p) => sum + costUsd(p, r.inputTokens, r.outputTokens), 0);
        const result = {
          decision: normalized,
          quorum_reached: normalized !== null,
          agreement: normalized !== null ? 1 : 0,
          quorum: 1,
          strategy: `single (non-critical): cheapest healthy provider ${r.provider}`,
          votes: [vote],
          total_cost_usd: r.costUsd,
          cost_saved_usd: Math.max(0, full - r.costUsd),
          via,
          elapsed_ms: elapsedMs(start),
        };
        return {
          result,
          summary: `Non-critical: asked ${r.provider} only; answer "${clip(normalized ?? r.text, 80)}" for $${r.costUsd.toFixed(6)} (saved $${result.cost_saved_usd.toFixed(6)} against a ${providers.length}-provider vote).`,
        };
      }

      const n = providers.length;
      const outcome = await runVote(
        providers.map((p) => ({ name: p.name, price: p.priceInput + p.priceOutput })),
        (voter, signal) => ask(voter.name, signal),
        {
          quorum: rule,
          format,
          choices: args.choices,
          tieBreaker: args.tie_breaker ?? 'none',
          signal: extra.signal,
          onVote: (v: Vote, k, total) =>
            sendProgress(
              extra,
              k,
              total,
              `${v.provider}: ${v.error ? `error (${clip(voteError(v).slice(v.provider.length + 2), 60)})` : clip(v.normalized ?? '', 60)}`,
            ),
        },
      );
      // Some failures are ordinary votes; only when nobody answered at all is the call an error.
      if (outcome.votes.every((v) => v.answer === null)) {
        throw new SixfoldError(
          'unavailable',
          `No provider answered: ${outcome.votes.map(voteError).join('; ')}.`,
          'Check the providers in sixfold://router/stats, or retry later.',
        );
      }
      const total = outcome.votes.reduce((s, v) => s + v.cost_usd, 0);
      const result = {
        decision: outcome.decision,
        quorum_reached: outcome.quorum_reached,
        agreement: outcome.agreement,
        quorum: outcome.quorum,
        strategy: `${rule} quorum: ${quorumSize(rule, n)} of ${n}${outcome.aborted ? `, ${outcome.aborted} cancelled once settled` : ''}${!outcome.quorum_reached && outcome.decision !== null ? `, tie-breaker ${args.tie_breaker}` : ''}`,
        votes: outcome.votes,
        total_cost_usd: total,
        cost_saved_usd: 0,
        via,
        elapsed_ms: elapsedMs(start),
      };
      const tally = outcome.votes
        .map((v) => `${v.provider}=${v.error ? 'error' : JSON.stringify(clip(v.normalized ?? '', 40))}`)
        .join(', ');
      const how = sampler ? " (one voter: your client's model, through sampling; no LLM provider is configured)" : '';
      const summary =
        outcome.decision !== null
          ? `Decision "${clip(outcome.decision, 120)}" (${outcome.quorum_reached ? 'quorum reached' : 'no quorum; tie-breaker'}, agreement ${outcome.agreement.toFixed(2)}). Votes: ${tally}.`
          : `No decision: no answer reached the ${rule} quorum of ${outcome.quorum}/${n}. Votes: ${tally}.`;
      return { result, summary: summary + how };
    },
  });
}
