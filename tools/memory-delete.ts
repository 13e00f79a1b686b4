import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput } from '../src/errors.js';
import { idField, namespaceField } from '../src/mcp/fields.js';
import { toolInput, defineTool } from '../src/tool-kit.js';

export function registerMemoryDeleteTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'memory_delete',
    title: 'Delete memories',
    description:
      'Delete one memory by {id}, or every memory in a namespace with {namespace, confirm: true}. Deletion is permanent.',
    input: toolInput({
      id: idField.optional(),
      namespace: namespaceField.optional(),
      confirm: z.boolean({ error: 'confirm must be true or false' }).optional(),
    }),
    output: z.object({ deleted: z.number().int() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run(args) {
      if (args.id !== undefined && args.namespace !== undefined) {
        throw invalidInput(
          'Send either id or namespace, not both.',
          'Use {"id": "..."} for one memory or {"namespace": "...", "confirm": true} for a whole namespace.',
        );
      }
      if (args.id !== undefined) {
        const deleted = deps.store.deleteById(args.id);
        return { result: { deleted }, summary: `Deleted memory ${args.id}.` };
      }
      if (args.namespace !== undefined) {
        if (args.confirm !== true) {
          throw invalidInput(
            `Deleting namespace "${args.namespace}" removes all its memories, so it needs confirm: true.`,
            `Send {"namespace": "${args.namespace}", "confirm": true}.`,
          );
        }
        const deleted = deps.store.deleteNamespace(args.namespace);
        return { result: { deleted }, summary: `Deleted ${deleted} memories from namespace "${args.namespace}".` };
      }
      throw invalidInput(
        'memory_delete needs an id or a namespace.',
        'Send {"id": "..."} or {"namespace": "...", "confirm": true}.',
      );
    },
  });
}
