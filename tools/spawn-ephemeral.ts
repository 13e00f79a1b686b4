import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput } from '../src/errors.js';
import { MAX_CONTENT, namespaceField } from '../src/mcp/fields.js';
import type { AgentIO } from '../src/patterns/ephemeral/agent.js';
import { memoryIO } from '../src/patterns/ephemeral/memory-io.js';
import { AGENT_STATUSES } from '../src/patterns/ephemeral/ledger.js';
import { REDUCERS, runEphemeral } from '../src/patterns/ephemeral/run.js';
import { FORMATS } from '../src/patterns/vote/normalize.js';
import { QUORUMS } from '../src/patterns/vote/quorum.js';
import { clip, defineTool, elapsedMs, toolInput, sendProgress } from '../src/tool-kit.js';
import { agentsLink } from '../src/mcp/links.js';
import { samplingFallback } from '../src/mcp/sampling.js';

const MAX_AGENTS = 1000;
const MAX_TASK = 20_000;
const MAX_INPUT = 20_000;
const MAX_INPUTS_TOTAL = 2_000_000;

const agentOut = z.object({
  id: z.string(),
  input_index: z.number().int(),
  status: z.enum(AGENT_STATUSES),
  result: z.string().nullable(),
  memories_loaded: z.number().int(),
  memories_written: z.number().int(),
  spawn_ms: z.number(),
  elapsed_ms: z.number(),
  cost_usd: z.number(),
  provider: z.string().nullable(),
  error: z.string().optional(),
});

const reducedOut = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('concat'), text: z.string(), agents: z.number().int() }),
  z.object({
    kind: z.literal('vote'),
    decision: z.string().nullable(),
    quorum_reached: z.boolean(),
    agreement: z.number(),
    quorum: z.number().int(),
  }),
]);

export function registerSpawnEphemeralTool(server: McpServer, deps: Deps): void {
  const ledger = deps.ledger;
  defineTool(server, deps, {
    name: 'spawn_ephemeral',
    title: 'Fan a task out to short-lived agents that share a memory',
    description:
      'Spawns one short-lived agent per input (or `count` agents on the same task). Each loads the memory_k memories of the ' +
      'namespace most relevant to its task and input, makes one LLM call, saves its result to that namespace (working tier, ' +
      'or long_term with persist: true; tagged with the run id) and ends, so the next run starts from what this one learned. ' +
      "At most `concurrency` agents run at once; ttl_ms or cancellation aborts an agent's LLM request; budget_usd caps each " +
      "agent's spend. Results come back in input order, optionally reduced by a vote (the multi_model_vote rules) or joined. " +
      'See running and recent agents with list_agents or agents://{run_id}; stop them with terminate_agent.',
    input: toolInput({
      task: z
        .string({ error: 'task must be a string saying what every agent should do' })
        .min(1, 'task is empty; say what every agent should do, e.g. "Summarise this file in one sentence"')
        .max(MAX_TASK, `task is over ${MAX_TASK} characters; put per-agent material in inputs`),
      inputs: z
        .array(
          z.string({ error: 'each input must be a string' }).max(MAX_INPUT, `an input is over ${MAX_INPUT} characters; split it`),
          {
            error: 'inputs must be an array of strings, one agent per input',
          },
        )
        .min(1, 'inputs is empty; send at least one input, or use count')
        .max(MAX_AGENTS, `inputs has more than ${MAX_AGENTS} items; split the work into several calls`)
        .refine(
          (a) => a.reduce((n, s) => n + s.length, 0) <= MAX_INPUTS_TOTAL,
          `inputs total over ${MAX_INPUTS_TOTAL} characters; split the work into several calls`,
        )
        .optional()
        .describe('One agent per input; results come back in this order.'),
      count: z
        .number({ error: `count must be a whole number from 1 to ${MAX_AGENTS}` })
        .int(`count must be a whole number from 1 to ${MAX_AGENTS}`)
        .min(1, 'count must be at least 1')
        .max(MAX_AGENTS, `count must be at most ${MAX_AGENTS}`)
        .optional()
        .describe('Spawn this many agents on the same task (instead of inputs).'),
      role: z
        .string({ error: 'role must be a string such as "reviewer"' })
        .regex(/^[A-Za-z0-9 _.-]{1,64}$/, 'role must be 1-64 letters, digits, spaces, ".", "_" or "-", e.g. "reviewer"')
        .optional()
        .describe('What the agents are, told to the model; default "worker".'),
      namespace: namespaceField.optional().describe('Memory namespace the agents read and write; default "agents".'),
      memory_k: z
        .number({ error: 'memory_k must be a whole number from 0 to 20' })
        .int('memory_k must be a whole number from 0 to 20')
        .min(0, 'memory_k must be at least 0')
        .max(20, 'memory_k must be at most 20')
        .optional()
        .describe('Memories each agent loads; default 3, 0 for none.'),
      persist: z
        .boolean({ error: 'persist must be true or false' })
        .optional()
        .describe('true: results are long_term memories; default false: working tier (expires).'),
      ttl_ms: z
        .number({ error: 'ttl_ms must be a whole number of milliseconds' })
        .int('ttl_ms must be a whole number of milliseconds')
        .min(100, 'ttl_ms must be at least 100')
        .max(3_600_000, 'ttl_ms must be at most 3600000 (an hour)')
        .optional()
        .describe("Each agent's lifetime; default 60000."),
      concurrency: z
        .number({ error: 'concurrency must be a whole number from 1 to 64' })
        .int('concurrency must be a whole number from 1 to 64')
        .min(1, 'concurrency must be at least 1')
        .max(64, 'concurrency must be at most 64')
        .optional()
        .describe('Agents alive at once; default 8.'),
      budget_usd: z
        .number({ error: 'budget_usd must be a number of US dollars' })
        .positive('budget_usd must be more than 0')
        .max(100, 'budget_usd must be at most 100')
        .optional()
        .describe('Most each agent may spend; caps its max_tokens, and an agent whose call cost more fails.'),
      max_tokens: z
        .number({ error: 'max_tokens must be a whole number' })
        .int('max_tokens must be a whole number')
        .min(1, 'max_tokens must be at least 1')
        .max(32_000, 'max_tokens must be at most 32000')
        .optional()
        .describe('Output tokens per agent; default 1024 (lowered further by budget_usd).'),
      provider: z
        .string({ error: 'provider must be a provider name such as "anthropic"' })
        .regex(
          /^[a-z0-9_-]{1,32}$/,
          'provider must be a configured provider name, e.g. "anthropic", "openai", "gemini" or "ollama"',
        )
        .optional()
        .describe('Ask this provider only; default: the router policy.'),
      reduce: z
        .enum(REDUCERS, { error: `reduce must be one of ${REDUCERS.join(', ')}` })
        .optional()
        .describe('Combine the results: "vote" (as multi_model_vote decides), "concat", or "none" (default).'),
      quorum: z
        .enum(QUORUMS, { error: `quorum must be one of ${QUORUMS.join(', ')}` })
        .optional()
        .describe('For reduce "vote": votes needed; default "majority".'),
      format: z
        .enum(FORMATS, { error: `format must be one of ${FORMATS.join(', ')}` })
        .optional()
        .describe('For reduce "vote": how results are compared; default "text".'),
    }),
    output: z.object({
      run_id: z.string(),
      agents: z.array(agentOut),
      reduced: reducedOut.optional(),
      totals: z.object({
        spawned: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        expired: z.number().int(),
        cancelled: z.number().int(),
        cost_usd: z.number(),
      }),
      via: z
        .enum(['router', 'sampling'])
        .describe("how the LLM was reached: configured providers, or the client's model (sampling)"),
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run(args, extra) {
      const start = performance.now();
      if (args.inputs !== undefined && args.count !== undefined) {
        throw invalidInput(
          'Send inputs or count, not both.',
          'Use {"inputs": [...]} for one agent per input, or {"count": N} for N agents on the same task.',
        );
      }
      if ((args.quorum !== undefined || args.format !== undefined) && args.reduce !== 'vote') {
        throw invalidInput('quorum and format apply only to reduce: "vote".', 'Add "reduce": "vote", or drop quorum and format.');
      }
      const sampler = await samplingFallback(server, extra, deps, args.provider);
      let io: AgentIO;
      if (sampler) {
        // No provider configured: the client's model answers each agent (sampling); it costs sixfold nothing.
        io = {
          ...memoryIO(deps.store),
          price: null,
          execute: async (req, signal) => {
            const r = await sampler.complete(req, { signal });
            return { text: r.text, provider: r.provider, costUsd: 0 };
          },
        };
      } else {
        // Resolved before any agent exists: no provider is an error, not a thousand failed agents.
        const [first] = await deps.router.chain(args.provider ? { provider: args.provider } : {});
        io = {
          ...memoryIO(deps.store),
          price: { provider: first.name, input: first.priceInput, output: first.priceOutput },
          execute: async (req, signal) => {
            const r = await deps.router.complete(req, { provider: args.provider, signal, purpose: 'ephemeral' });
            return { text: r.text, provider: r.provider, costUsd: r.costUsd };
          },
        };
      }
      const r = await runEphemeral(
        {
          task: args.task,
          inputs: args.inputs,
          count: args.count,
          role: args.role ?? 'worker',
          namespace: args.namespace ?? 'agents',
          memoryK: args.memory_k ?? 3,
          persist: args.persist ?? false,
          ttlMs: args.ttl_ms ?? 60_000,
          concurrency: args.concurrency ?? 8,
          budgetUsd: args.budget_usd,
          maxTokens: args.max_tokens ?? 1024,
          maxMemoryChars: MAX_CONTENT,
          reduce: args.reduce ?? 'none',
          vote: args.reduce === 'vote' ? { quorum: args.quorum ?? 'majority', format: args.format ?? 'text' } : undefined,
          signal: extra.signal,
          onFinished: (a, done, total) =>
            sendProgress(
              extra,
              done,
              total,
              `agent ${a.input_index + 1}: ${a.status}${a.error ? ` (${clip(a.error, 80)})` : ''}`,
            ),
        },
        io,
        ledger,
      );
      const t = r.totals;
      const counts = [
        `${t.succeeded} succeeded`,
        t.failed && `${t.failed} failed`,
        t.expired && `${t.expired} expired`,
        t.cancelled && `${t.cancelled} cancelled`,
      ]
        .filter(Boolean)
        .join(', ');
      const written = r.agents.reduce((s, a) => s + a.memories_written, 0);
      let reduced = '';
      if (r.reduced?.kind === 'vote')
        reduced =
          r.reduced.decision !== null
            ? ` Vote: "${clip(r.reduced.decision, 80)}" (agreement ${r.reduced.agreement.toFixed(2)}, quorum ${r.reduced.quorum}).`
            : ` Vote: no answer reached the quorum of ${r.reduced.quorum}.`;
      if (r.reduced?.kind === 'concat') reduced = ` Joined ${r.reduced.agents} result(s) in reduced.text.`;
      const failures = r.agents
        .filter((a) => a.error)
        .slice(0, 2)
        .map((a) => ` Agent ${a.input_index + 1}: ${clip(a.error!, 100)}.`)
        .join('');
      return {
        result: { ...r, via: sampler ? ('sampling' as const) : ('router' as const), elapsed_ms: elapsedMs(start) },
        links: [agentsLink(r.run_id)],
        summary: `Run ${r.run_id}${sampler ? " (answered by your client's model through sampling: no LLM provider is configured)" : ''}: ${t.spawned} agent(s), ${counts}; ${written} memor${written === 1 ? 'y' : 'ies'} written to "${args.namespace ?? 'agents'}"; $${t.cost_usd.toFixed(6)}.${reduced}${failures} Results are in structuredContent.agents, in input order.`,
      };
    },
  });
}
