import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Deps } from '../deps.js';
import { createServer } from '../server.js';

/** Serves one client over stdin/stdout. `onEnd` fires when the client closes stdin. */
export async function startStdio(deps: Deps, onEnd: () => void): Promise<{ close: () => Promise<void> }> {
  const { server, close } = createServer(deps);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  process.stdin.once('end', onEnd);
  process.stdin.once('close', onEnd);
  deps.log.info({ transport: 'stdio', db: deps.store.path }, 'sixfold ready');
  return { close };
}
