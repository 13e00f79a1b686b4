import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput } from '../src/errors.js';
import { contentField, isoTime, metadataField, namespaceField, salienceField, tierField } from '../src/memory/schemas.js';
import { toolInput, defineTool } from '../src/tool-kit.js';

const MAX_TTL = 10 * 365 * 24 * 3600;

export function registerMemoryStoreTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_store',
    title: 'Store a memory',
    description:
      'Store a piece of text in persistent memory so it can be found later by meaning (vector) or by keyword. ' +
      'Tiers: "working" (expires after 24 h unless ttl_seconds says otherwise), "long_term" (default, kept until deleted ' +
      'or its ttl_seconds passes), "flashbulb" (never expires). Memories survive restarts.',
    input: toolInput({
      content: contentField.describe('The text to remember (1..100000 characters).'),
      namespace: namespaceField.optional().describe('Group of memories, default "default".'),
      tier: tierField.optional().describe('working | long_term (default) | flashbulb'),
      salience: salienceField.optional().describe('Importance 0..1, default 0.5.'),
      metadata: metadataField.optional().describe('Any JSON object up to 16 KiB.'),
      ttl_seconds: z
        .number({ error: 'ttl_seconds must be a whole number of seconds' })
        .int('ttl_seconds must be a whole number of seconds')
        .min(1, 'ttl_seconds must be at least 1')
        .max(MAX_TTL, `ttl_seconds must be at most ${MAX_TTL} (10 years); omit it to keep the memory`)
        .optional()
        .describe('Seconds until the memory expires. Not allowed for flashbulb memories.'),
    }),
    output: z.object({ id: z.string(), namespace: z.string(), tier: tierField, created_at: isoTime, expires_at: isoTime.nullable() }),
    annotations: {
      readOnlyHint: false, destructiveHint: false, idempotentHint: false,
      openWorldHint: deps.config.embedder?.kind === 'openai-compatible',
    },
    async run(args, extra) {
      if (args.tier === 'flashbulb' && args.ttl_seconds !== undefined) {
        throw invalidInput('flashbulb memories never expire, so ttl_seconds cannot be set with tier "flashbulb".', 'Drop ttl_seconds, or use tier "long_term" or "working".');
      }
      const [m] = await deps.store.insert([args], extra.signal);
      const result = { id: m.id, namespace: m.namespace, tier: m.tier, created_at: m.created_at, expires_at: m.expires_at };
      const expiry = m.expires_at ? `expires ${m.expires_at}` : 'never expires';
      return { result, summary: `Stored memory ${m.id} in namespace "${m.namespace}" (${m.tier}, ${expiry}).` };
    },
  });
}
