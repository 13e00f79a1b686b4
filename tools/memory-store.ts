import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput } from '../src/errors.js';
import { contentField, metadataField, namespaceField, salienceField, tierField, ttlField } from '../src/mcp/fields.js';
import { tagsField } from '../src/memory/tags.js';
import { storeMemory } from '../src/memory/upkeep.js';
import { toolInput, defineTool } from '../src/tool-kit.js';
import { memoryLink } from '../src/mcp/links.js';

export function registerMemoryStoreTool(server: McpServer, deps: Deps): void {
  const near = deps.config.memory.dedup_threshold;
  defineTool(server, deps, {
    name: 'memory_store',
    title: 'Store a memory',
    description:
      'Save text to persistent memory. Tiers: working (expires in 24 h), long_term ' +
      '(default), flashbulb (never). Storing the same text in a namespace again refreshes the memory ' +
      `already there (deduplicated: true)${near === null ? '' : `, as does one with cosine >= ${near}`}.`,
    input: toolInput({
      content: contentField,
      namespace: namespaceField.optional().describe('default "default"'),
      tier: tierField.optional(),
      salience: salienceField.optional().describe('0..1, default 0.5'),
      metadata: metadataField.optional().describe('JSON object, max 16 KiB'),
      tags: tagsField('tags').optional(),
      ttl_seconds: ttlField.optional().describe('expire after; not with flashbulb'),
      allow_duplicate: z.boolean({ error: 'allow_duplicate must be true or false' }).optional().describe('store a second copy'),
    }),
    output: z.object({
      id: z.string(),
      namespace: z.string(),
      tier: tierField,
      tags: z.array(z.string()),
      created_at: z.string(),
      updated_at: z.string(),
      expires_at: z.string().nullable(),
      deduplicated: z.boolean(),
      similarity: z.number().optional(),
    }),
    annotations: {
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: deps.config.embedder?.kind === 'openai-compatible',
    },
    async run(args, extra) {
      if (args.tier === 'flashbulb' && args.ttl_seconds !== undefined) {
        throw invalidInput(
          'flashbulb memories never expire, so ttl_seconds cannot be set with tier "flashbulb".',
          'Drop ttl_seconds, or use tier "long_term" or "working".',
        );
      }
      const { allow_duplicate, ...item } = args;
      const r = await storeMemory(deps.store, item, { nearThreshold: near, allowDuplicate: allow_duplicate }, extra.signal);
      const m = r.memory;
      const result = {
        id: m.id,
        namespace: m.namespace,
        tier: m.tier,
        tags: m.tags,
        created_at: m.created_at,
        updated_at: m.updated_at,
        expires_at: m.expires_at,
        deduplicated: r.deduplicated,
        ...(r.similarity !== undefined ? { similarity: r.similarity } : {}),
      };
      const expiry = m.expires_at ? `expires ${m.expires_at}` : 'never expires';
      const summary = r.deduplicated
        ? `Already stored as memory ${m.id} in namespace "${m.namespace}" (${r.similarity === 1 ? 'same content' : `similarity ${r.similarity}`}); refreshed it instead of storing a duplicate (${m.tier}, ${expiry}). Send allow_duplicate: true to store a second copy.`
        : `Stored memory ${m.id} in namespace "${m.namespace}" (${m.tier}, ${expiry}).`;
      return { result, summary, links: [memoryLink(m)] };
    },
  });
}
