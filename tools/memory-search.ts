import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { memoryShape, modeField, namespaceField, tagTimeInput, tierField } from '../src/mcp/fields.js';
import { SEARCH_ORDERS, searchMemories } from '../src/memory/search.js';
import { clip, defineTool, elapsedMs, toolInput } from '../src/tool-kit.js';

export function registerMemorySearchTool(server: McpServer, deps: Deps): void {
  const { expires_at: _e, ...hitShape } = memoryShape;
  defineTool(server, deps, {
    name: 'memory_search',
    title: 'Search memories',
    description:
      'Find memories by meaning and keyword: mode hybrid (default) fuses vector and BM25 ranks. Scores 0..1. ' +
      'order recent: the k newest matches. With the default use-lite embedder, vector similarity is by meaning; ' +
      'with hash-384 it is lexical.',
    input: toolInput({
      query: z
        .string({ error: 'query must be a string' })
        .min(1, 'query is empty; send the words to look for')
        .max(10_000, 'query is over 10000 characters; shorten it'),
      namespace: namespaceField.optional().describe('default: all'),
      tier: tierField.optional(),
      k: z
        .number({ error: 'k must be a whole number from 1 to 100' })
        .int('k must be a whole number from 1 to 100')
        .min(1, 'k must be at least 1')
        .max(100, 'k must be at most 100')
        .optional()
        .describe('default 5'),
      mode: modeField.optional(),
      min_score: z
        .number({ error: 'min_score must be a number from 0 to 1' })
        .min(0, 'min_score must be at least 0')
        .max(1, 'min_score must be at most 1')
        .optional(),
      ...tagTimeInput,
      order: z.enum(SEARCH_ORDERS, { error: `order must be one of ${SEARCH_ORDERS.join(', ')}` }).optional(),
    }),
    output: z.object({
      results: z.array(z.object({ ...hitShape, score: z.number() })),
      mode: modeField,
      elapsed_ms: z.number(),
    }),
    annotations: {
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: deps.config.embedder?.kind === 'openai-compatible',
    },
    async run(args, extra) {
      const start = performance.now();
      const results = await searchMemories(deps.store, args, extra.signal);
      const mode = args.mode ?? 'hybrid';
      const result = { results, mode, elapsed_ms: elapsedMs(start) };
      const lines = results.map((r, i) => `${i + 1}. [${r.score.toFixed(3)}] ${clip(r.content)} (id ${r.id})`);
      const summary = results.length
        ? `${results.length} result(s) for "${clip(args.query, 60)}" (${mode}): ${lines.join(' ')}`
        : `No memories match "${clip(args.query, 60)}" (${mode}${args.namespace ? `, namespace "${args.namespace}"` : ''}).`;
      return { result, summary };
    },
  });
}
