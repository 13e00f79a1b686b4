import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { SixfoldError } from '../src/errors.js';
import { NAMESPACE_RE } from '../src/mcp/fields.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

const PAGE_MAX = 100;

function badParams(message: string): ResourceError {
  return new ResourceError(ErrorCode.InvalidParams, message);
}

function checkNamespace(ns: string): string {
  if (!NAMESPACE_RE.test(ns)) throw badParams(`"${ns}" is not a namespace: use 1-64 characters of a-z, 0-9, ".", "_" or "-".`);
  return ns;
}

/**
 * `memory://{namespace}` lists a namespace newest first, 100 per page at most
 * (`?limit=N&cursor=<next_cursor>`); `memory://{namespace}/{id}` is one memory.
 */
export function registerMemoryResources(server: McpServer, deps: Deps): void {
  const completeNamespace = (value: string) =>
    deps.store
      .namespaces()
      .map((n) => n.namespace)
      .filter((n) => n.startsWith(value))
      .slice(0, 100);

  server.registerResource(
    'memory-namespace',
    new ResourceTemplate('memory://{namespace}', {
      list: async () => ({
        resources: deps.store.namespaces().map((n) => ({
          uri: `memory://${n.namespace}`,
          name: `memories in ${n.namespace}`,
          description: `${n.count} memories, newest first`,
          mimeType: 'application/json',
        })),
      }),
      complete: { namespace: completeNamespace },
    }),
    {
      title: 'Memories in a namespace',
      description:
        'Memories of one namespace, newest first; at most 100 per page. Add ?cursor=<next_cursor> for the next page and ?limit=N (1..100, default 100).',
      mimeType: 'application/json',
    },
    async (uri) => {
      const namespace = checkNamespace(decodeURIComponent(uri.host));
      const limitRaw = uri.searchParams.get('limit');
      const limit = limitRaw === null ? PAGE_MAX : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX)
        throw badParams(`limit must be a whole number from 1 to ${PAGE_MAX}, got "${limitRaw}".`);
      let page;
      try {
        page = deps.store.list(namespace, limit, uri.searchParams.get('cursor') ?? undefined);
      } catch (err) {
        if (err instanceof SixfoldError) throw badParams(err.describe());
        throw err;
      }
      const next = page.next_cursor
        ? `memory://${namespace}?cursor=${page.next_cursor}${limitRaw ? `&limit=${limit}` : ''}`
        : null;
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify({ namespace, memories: page.items, next_cursor: page.next_cursor, next }),
          },
        ],
      };
    },
  );

  server.registerResource(
    'memory',
    new ResourceTemplate('memory://{namespace}/{id}', { list: undefined, complete: { namespace: completeNamespace } }),
    { title: 'One memory', description: 'A single memory by namespace and id.', mimeType: 'application/json' },
    async (uri, vars) => {
      const namespace = checkNamespace(decodeURIComponent(uri.host));
      const id = decodeURIComponent(String(vars.id));
      const m = deps.store.get(id);
      if (!m || m.namespace !== namespace)
        throw new ResourceError(RESOURCE_NOT_FOUND, `No memory ${id} in namespace "${namespace}".`, { uri: uri.href });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(m) }] };
    },
  );
}
