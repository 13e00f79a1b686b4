import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { notFound } from '../src/errors.js';
import { memoryLink } from '../src/mcp/links.js';
import { idField, memoryShape } from '../src/mcp/fields.js';
import { clip, defineTool, toolInput } from '../src/tool-kit.js';

export function registerMemoryGetTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_get',
    title: 'Get a memory',
    description: 'One memory by id.',
    input: toolInput({ id: idField }),
    output: z.object(memoryShape),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const m = deps.store.get(args.id);
      if (!m)
        throw notFound(
          `No memory with id "${clip(args.id, 80)}" (never stored, deleted, or expired).`,
          'Find ids with memory_search or memory_list.',
        );
      return {
        result: m,
        summary: `Memory ${m.id} in "${m.namespace}" (${m.tier}${m.tags.length ? `, tags ${m.tags.join(', ')}` : ''}): ${clip(m.content)}`,
        links: [memoryLink(m)],
      };
    },
  });
}
