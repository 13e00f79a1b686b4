import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { fromBase64 } from '../src/patterns/crdt/codec.js';
import { docField, docViewSchema, sinceField } from '../src/patterns/crdt/schemas.js';
import { defineTool, toolInput } from '../src/tool-kit.js';

export function registerCrdtReadTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'crdt_read',
    title: 'Read a shared CRDT document',
    description:
      'Reads a persisted Yjs document without changing it: the snapshot (doc.toJSON()), the state vector, and the update ' +
      'since `since` (a base64 state vector; the full state when omitted), so a Yjs client can catch up. crdt:// lists documents.',
    input: toolInput({ doc: docField, since: sinceField.optional() }),
    output: docViewSchema,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const view = (await deps.crdt()).view(args.doc, args.since === undefined ? undefined : fromBase64(args.since, 'since'));
      return {
        result: view,
        summary: `"${args.doc}": ${Object.keys(view.snapshot).length} top-level type(s), ${view.size_bytes} bytes, ${view.clients} writer(s). Snapshot: ${JSON.stringify(view.snapshot).slice(0, 200)}`,
      };
    },
  });
}
