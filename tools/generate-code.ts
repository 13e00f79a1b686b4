import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { namespaceField } from '../src/mcp/fields.js';
import { lazy } from '../src/lazy.js';
import { DEFAULT_NAMESPACE } from '../src/patterns/codegen/bank.js';
import { defineTool, elapsedMs, toolInput } from '../src/tool-kit.js';
import { trajectoryLink } from '../src/mcp/links.js';
import { samplingFallback } from '../src/mcp/sampling.js';

/** The loop, loaded on the first call. */
const loop = lazy(() => import('../src/patterns/codegen/generate.js'));

const MAX_TASK = 20_000;
const MAX_CONTEXT = 200_000;

const usedMemoryOut = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['strategy', 'pitfall']),
  score: z.number(),
  similarity: z.number(),
});

export function registerGenerateCodeTool(server: McpServer, deps: Deps): void {
  const cfg = deps.config.codegen;
  defineTool(server, deps, {
    name: 'generate_code',
    title: 'Generate code, learning from earlier attempts',
    description:
      'Writes code for a task with an LLM, using what earlier attempts taught (the ReasoningBank): the most relevant ' +
      `strategies and pitfalls from the namespace (similarity, recency and confidence, diversified) go into the prompt. ` +
      `A near-repeat of a task that already succeeded (similarity >= ${cfg.repeat_threshold}, same language and context) ` +
      'is answered from memory with no LLM call (source "memory"). Every call records a trajectory: test the code, then ' +
      'call record_outcome with its trajectory_id so the next attempt learns from this one.',
    input: toolInput({
      task: z
        .string({ error: `task must be a string describing the code to write (1..${MAX_TASK} characters)` })
        .min(1, 'task is empty; describe the code to write, e.g. "a function that parses ISO 8601 durations"')
        .max(MAX_TASK, `task is over ${MAX_TASK} characters; put existing code in context instead`),
      language: z
        .string({ error: 'language must be a string such as "python" or "typescript"' })
        .regex(
          /^[A-Za-z0-9+#._ -]{1,40}$/,
          'language must be 1-40 characters naming a language, e.g. "python", "typescript", "c++"',
        ),
      context: z
        .string({ error: 'context must be a string holding the existing code' })
        .max(MAX_CONTEXT, `context is over ${MAX_CONTEXT} characters; send only the relevant files or functions`)
        .optional()
        .describe('Existing code the task changes or extends.'),
      namespace: namespaceField.optional().describe(`ReasoningBank namespace, default "${DEFAULT_NAMESPACE}".`),
      use_memory: z
        .boolean({ error: 'use_memory must be true or false' })
        .optional()
        .describe(
          'Default true. false: no retrieval and no answer from memory (a fresh generation); the trajectory is still recorded.',
        ),
      provider: z
        .string({ error: 'provider must be a provider name such as "anthropic"' })
        .regex(
          /^[a-z0-9_-]{1,32}$/,
          'provider must be a configured provider name, e.g. "anthropic", "openai", "gemini" or "ollama"',
        )
        .optional()
        .describe('Ask this provider only; default: the router policy.'),
    }),
    output: z.object({
      code: z.string(),
      trajectory_id: z.string(),
      source: z.enum(['memory', 'llm']),
      language: z.string(),
      memories_used: z.array(usedMemoryOut),
      provider: z.string().optional(),
      model: z.string().optional(),
      tokens: z.number().int().optional(),
      cost_usd: z.number().optional(),
      via: z
        .enum(['router', 'sampling'])
        .optional()
        .describe("how the LLM was reached: a configured provider, or the client's model (sampling)"),
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run(args, extra) {
      const start = performance.now();
      const { codegenDeps, generateCode } = await loop();
      const cd = await codegenDeps(deps);
      const sampler = await samplingFallback(server, extra, deps, args.provider);
      if (sampler) cd.complete = (req, opts) => sampler.complete(req, opts);
      const r = await generateCode(cd, sampler ? { ...args, provider: undefined } : args, extra.signal);
      const via = r.source === 'llm' ? (sampler ? ('sampling' as const) : ('router' as const)) : undefined;
      const result = { ...r, ...(via ? { via } : {}), elapsed_ms: elapsedMs(start) };
      const lines = r.code.split('\n').length;
      const learned = r.memories_used.length
        ? ` using ${r.memories_used.length} memor${r.memories_used.length === 1 ? 'y' : 'ies'} (${r.memories_used.map((m) => m.kind).join(', ')})`
        : '';
      const from =
        r.source === 'memory'
          ? `from memory (a near-repeat of a task that succeeded, similarity ${r.memories_used[0]?.similarity.toFixed(3)}; no LLM call)`
          : sampler
            ? `with your client's model ${r.model} (sampling: no LLM provider is configured)${learned}`
            : `with ${r.provider} (${r.model}, ${r.tokens} tokens, $${(r.cost_usd ?? 0).toFixed(6)})${learned}`;
      return {
        result,
        summary: `Generated ${lines} line(s) of ${r.language} ${from}. Trajectory ${r.trajectory_id}: test the code, then call record_outcome with this trajectory_id and success true or false. The code is in structuredContent.code.`,
        links: [trajectoryLink(r.trajectory_id)],
      };
    },
  });
}
