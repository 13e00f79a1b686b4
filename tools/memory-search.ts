import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { isoTime, modeField, namespaceField, tierField } from '../src/memory/schemas.js';
import { searchMemories } from '../src/memory/search.js';
import { clip, defineTool, elapsedMs, toolInput } from '../src/tool-kit.js';

export function registerMemorySearchTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_search',
    title: 'Search memories',
    description:
      'Find stored memories. mode "hybrid" (default) fuses vector similarity and keyword (BM25) ranks with reciprocal ' +
      'rank fusion; "vector" ranks by embedding cosine similarity; "keyword" by full-text BM25. Scores are 0..1 ' +
      '(hybrid: 1 = ranked first by both). With the default use-lite embedder, "vector" similarity is by meaning ' +
      '(paraphrases match); with hash-384 it is lexical (shared words and word fragments).',
    input: toolInput({
      query: z.string({ error: 'query must be a string' }).min(1, 'query is empty; send the words to look for').max(10_000, 'query is over 10000 characters; shorten it'),
      namespace: namespaceField.optional().describe('Only this namespace; all namespaces when omitted.'),
      tier: tierField.optional().describe('Only this tier.'),
      k: z.number({ error: 'k must be a whole number from 1 to 100' }).int('k must be a whole number from 1 to 100').min(1, 'k must be at least 1').max(100, 'k must be at most 100').optional().describe('How many results, 1..100, default 5.'),
      mode: modeField.optional().describe('hybrid (default) | vector | keyword'),
      min_score: z.number({ error: 'min_score must be a number from 0 to 1' }).min(0, 'min_score must be at least 0').max(1, 'min_score must be at most 1').optional().describe('Drop results scoring below this, 0..1.'),
    }),
    output: z.object({
      results: z.array(z.object({
        id: z.string(), content: z.string(), score: z.number(), namespace: z.string(), tier: tierField,
        salience: z.number(), metadata: z.record(z.string(), z.unknown()), created_at: isoTime,
      })),
      mode: modeField,
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: deps.config.embedder?.kind === 'openai-compatible' },
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
