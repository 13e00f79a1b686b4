import type { Deps } from '../deps.js';
import { createServer } from '../server.js';
import { guardTransport } from './edge.js';
import { StdioLineTransport } from './stdio-transport.js';

/**
 * Serves one client over stdin/stdout. `onEnd` fires once, with the reason, when the transport
 * closes: stdin ended, or a message over the read cap (the server then shuts down and the client
 * sees the process exit, instead of a server that stays alive but never reads again).
 */
export async function startStdio(deps: Deps, onEnd: (why: string) => void): Promise<{ close: () => Promise<void> }> {
  const { server, close } = createServer(deps);
  const transport = new StdioLineTransport(deps.log);
  await server.connect(transport);
  guardTransport(transport);
  void transport.closed.then(onEnd);
  deps.log.info({ transport: 'stdio', db: deps.store.path }, 'sixfold ready');
  return { close };
}
