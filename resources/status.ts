import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { registeredTools } from '../src/tool-kit.js';

/** `sixfold://status`: what is running, on which DB, with which embedder, holding how much. */
export function registerStatusResource(server: McpServer, deps: Deps): void {
  server.registerResource(
    'status',
    'sixfold://status',
    {
      title: 'Server status',
      description: 'Version, database, embedder, memory counts and registered tools.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const namespaces = deps.store.namespaces();
      const status = {
        name: 'sixfold',
        version: deps.version,
        uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
        db: deps.store.path,
        embedder: { id: deps.store.embedder.id, dims: deps.store.vec.dims },
        counts: {
          memories: namespaces.reduce((a, n) => a + n.count, 0),
          by_tier: deps.store.tierCounts(),
          by_namespace: Object.fromEntries(namespaces.map((n) => [n.namespace, n.count])),
        },
        tools: [...registeredTools],
      };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(status, null, 2) }] };
    },
  );
}
