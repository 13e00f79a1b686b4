import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { memoryLink } from '../src/mcp/links.js';
import { contentField, idField, memoryShape, metadataField, salienceField, tierField, ttlField } from '../src/mcp/fields.js';
import { tagsField } from '../src/memory/tags.js';
import { updateMemory } from '../src/memory/upkeep.js';
import { defineTool, toolInput } from '../src/tool-kit.js';

export function registerMemoryUpdateTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_update',
    title: 'Update a memory',
    description:
      'Change a memory in place; fields sent replace the old (metadata and tags whole). ' +
      "A tier change resets expiry to the tier's default unless ttl_seconds is sent.",
    input: toolInput({
      id: idField,
      content: contentField.optional(),
      metadata: metadataField.optional(),
      tags: tagsField('tags').optional(),
      salience: salienceField.optional(),
      tier: tierField.optional(),
      ttl_seconds: ttlField.nullable().optional().describe('from now; null: never expires'),
    }),
    output: z.object(memoryShape),
    annotations: {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: deps.config.embedder?.kind === 'openai-compatible',
    },
    async run(args, extra) {
      const { id, ...patch } = args;
      const m = await updateMemory(deps.store, id, patch, extra.signal);
      const changed = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
      return {
        result: m,
        summary: `Updated memory ${m.id} in "${m.namespace}" (${changed.join(', ')}); ${m.tier}, ${m.expires_at ? `expires ${m.expires_at}` : 'never expires'}.`,
        links: [memoryLink(m)],
      };
    },
  });
}
