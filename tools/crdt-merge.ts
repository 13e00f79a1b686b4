import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput } from '../src/errors.js';
import { fromBase64 } from '../src/patterns/crdt/codec.js';
import { MAX_OPS, docField, docViewSchema, opSchema, sinceField, updatesField } from '../src/patterns/crdt/schemas.js';
import { defineTool, toolInput } from '../src/tool-kit.js';
import { crdtLink } from '../src/mcp/links.js';

export function registerCrdtMergeTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'crdt_merge',
    title: 'Merge edits into a shared CRDT document',
    description:
      'Merges edits into a persisted Yjs document (created on first use); concurrent edits from any number of agents or ' +
      'servers merge deterministically, and gossip peers receive them. Send `ops` (JSON edits: map_set, map_delete, ' +
      'text_insert, text_delete, array_push, array_insert, array_delete on a named top-level type, optionally down a path ' +
      'of nested map keys) and/or `updates` (base64 Yjs v1 updates from any Yjs client). All-or-nothing: a bad op or ' +
      'update changes nothing. Returns the snapshot (doc.toJSON()), the state vector, and the update since `since` ' +
      '(or the full state). The change is on disk before the call returns.',
    input: toolInput({
      doc: docField,
      ops: z
        .array(opSchema, { error: 'ops must be an array of op objects' })
        .max(MAX_OPS, `at most ${MAX_OPS} ops per call`)
        .optional(),
      updates: updatesField.optional(),
      since: sinceField.optional(),
      actor: z
        .string({ error: 'actor must be a string' })
        .min(1, 'actor is empty')
        .max(128, 'actor is over 128 characters')
        .optional()
        .describe('Who makes the ops (one Yjs client per actor on this server); default: a shared one.'),
    }),
    output: docViewSchema.extend({
      changed: z.boolean().describe('False when everything sent was already in the document.'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(args) {
      if (!args.ops?.length && !args.updates?.length) {
        throw invalidInput(
          'Nothing to merge: ops and updates are both empty.',
          'Send ops (JSON edits) or updates (base64 Yjs updates); use crdt_read to only read.',
        );
      }
      const since = args.since === undefined ? undefined : fromBase64(args.since, 'since');
      const updates = args.updates?.map((u, i) => fromBase64(u, `updates[${i}]`));
      const crdt = await deps.crdt();
      const { changed } = crdt.merge(args.doc, { ops: args.ops, updates, actor: args.actor });
      const view = crdt.view(args.doc, since);
      const what = [args.ops?.length ? `${args.ops.length} op(s)` : '', updates?.length ? `${updates.length} update(s)` : '']
        .filter(Boolean)
        .join(' and ');
      return {
        result: { ...view, changed },
        summary: `Merged ${what} into "${args.doc}" (${changed ? 'changed' : 'nothing new'}); it now holds ${Object.keys(view.snapshot).length} top-level type(s), ${view.size_bytes} bytes, ${view.clients} writer(s). Snapshot: ${JSON.stringify(view.snapshot).slice(0, 200)}`,
        links: [crdtLink(args.doc)],
      };
    },
  });
}
