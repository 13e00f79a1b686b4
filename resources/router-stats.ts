import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';

/** `sixfold://router/stats`: per-provider calls, tokens, cost, EWMA latency and breaker state. */
export function registerRouterStatsResource(server: McpServer, deps: Deps): void {
  server.registerResource(
    'router-stats',
    'sixfold://router/stats',
    {
      title: 'LLM router statistics',
      description: 'Per-provider totals (calls, tokens, cost), EWMA latency and circuit-breaker state.',
      mimeType: 'application/json',
    },
    async (uri) => {
      await deps.router.list(); // runs the one-time Ollama probe so the listing is complete
      const stats = { policy: deps.config.router.policy, providers: deps.router.stats() };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(stats, null, 2) }] };
    },
  );
}
