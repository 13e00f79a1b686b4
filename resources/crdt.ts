import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { DOC_ID_RE } from '../src/patterns/crdt/codec.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

const docUri = (id: string) => `crdt://${encodeURIComponent(id)}`;

/** `crdt://` lists documents; `crdt://{doc}` is one document's snapshot (doc.toJSON()). Ids with ":" are percent-encoded. */
export function registerCrdtResources(server: McpServer, deps: Deps): void {
  server.registerResource(
    'crdt-docs',
    'crdt://',
    {
      title: 'CRDT documents',
      description: 'Every CRDT document (id, last update, stored bytes), by id; at most 1000.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const docs = (await deps.crdt()).list(1000).map((d) => ({
        doc: d.id,
        uri: docUri(d.id),
        updated_at: new Date(d.updated_at).toISOString(),
        state_bytes: d.state_bytes,
        log_updates: d.pending,
      }));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ docs }) }] };
    },
  );

  server.registerResource(
    'crdt-doc',
    new ResourceTemplate('crdt://{doc}', {
      list: async () => ({
        resources: (await deps.crdt())
          .list(1000)
          .map((d) => ({ uri: docUri(d.id), name: d.id, description: 'CRDT document snapshot', mimeType: 'application/json' })),
      }),
      complete: {
        doc: async (value) =>
          (await deps.crdt())
            .list(1000)
            .map((d) => d.id)
            .filter((id) => id.startsWith(value))
            .slice(0, 100),
      },
    }),
    { title: 'CRDT document', description: 'One CRDT document as JSON (doc.toJSON()).', mimeType: 'application/json' },
    async (uri, vars) => {
      const id = decodeURIComponent(String(vars.doc));
      if (!DOC_ID_RE.test(id))
        throw new ResourceError(
          ErrorCode.InvalidParams,
          `"${id}" is not a document id: use 1-128 characters of a-z, A-Z, 0-9, ".", "_", ":" or "-".`,
        );
      const crdt = await deps.crdt();
      if (!crdt.has(id)) throw new ResourceError(RESOURCE_NOT_FOUND, `No CRDT document "${id}".`, { uri: uri.href });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(crdt.view(id).snapshot) }] };
    },
  );
}
