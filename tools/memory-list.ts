import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { memoryShape, namespaceField, tagTimeInput, tierField } from '../src/mcp/fields.js';
import { listMemories } from '../src/memory/upkeep.js';
import { clip, defineTool, toolInput } from '../src/tool-kit.js';

export function registerMemoryListTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_list',
    title: 'List memories',
    description: 'Memories newest first, filtered. Next page: send next_cursor as cursor with the same filters.',
    input: toolInput({
      namespace: namespaceField.optional().describe('default: all'),
      tier: tierField.optional(),
      ...tagTimeInput,
      cursor: z
        .string({ error: 'cursor must be the next_cursor string of the previous page' })
        .refine((c) => c.length <= 200, 'cursor is too long to be one this server issued')
        .optional(),
      limit: z
        .number({ error: 'limit must be a whole number from 1 to 100' })
        .int('limit must be a whole number from 1 to 100')
        .min(1, 'limit must be at least 1')
        .max(100, 'limit must be at most 100')
        .optional()
        .describe('default 20'),
    }),
    output: z.object({ memories: z.array(z.object(memoryShape)), next_cursor: z.string().nullable() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const { cursor, limit, ...filter } = args;
      const page = listMemories(deps.store, filter, limit ?? 20, cursor);
      const lines = page.memories.slice(0, 5).map((m) => `${m.created_at} ${clip(m.content, 80)} (id ${m.id})`);
      const summary = page.memories.length
        ? `${page.memories.length} memor${page.memories.length === 1 ? 'y' : 'ies'}, newest first${page.next_cursor ? ' (more: pass next_cursor as cursor)' : ''}: ${lines.join('; ')}${page.memories.length > 5 ? '; …' : ''}`
        : 'No memories match.';
      return { result: page, summary };
    },
  });
}
