import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerPrompts } from '../prompts/index.js';
import { registerResources } from '../resources/index.js';
import { registerTools } from '../tools/index.js';
import type { Deps } from './deps.js';
import { resolveTools, serverInstructions } from './mcp/catalog.js';
import { enableSubscriptions } from './mcp/subscriptions.js';

/**
 * One MCP server over shared deps. stdio builds one; HTTP builds one per session (the SDK binds a
 * server to one transport), all sharing the same store. Only the tools `tools.enabled` names are
 * registered, with the resources and prompts they bring (src/mcp/catalog.ts).
 */
export function createServer(deps: Deps): { server: McpServer; close: () => Promise<void> } {
  const enabled = resolveTools(deps.config.tools.enabled);
  const server = new McpServer(
    { name: 'sixfold', title: 'sixfold', version: deps.version },
    { capabilities: { logging: {} }, instructions: serverInstructions(enabled) },
  );
  registerTools(server, deps, enabled);
  const kinds = registerResources(server, deps, enabled);
  registerPrompts(server, deps, enabled);
  const unsubscribe = enableSubscriptions(server, deps.changes, kinds);
  const detachLog = deps.clientLog.attach(server);
  return {
    server,
    close: async () => {
      unsubscribe();
      detachLog();
      await server.close();
    },
  };
}
