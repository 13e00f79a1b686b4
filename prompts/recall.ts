import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { NAMESPACE_RE } from '../src/mcp/fields.js';
import { optionalCompletable } from './complete.js';

/** `recall`: asks the agent to check memory before answering, and to store what it learns. */
export function registerRecallPrompt(server: McpServer, deps: Deps): void {
  const namespaces = (value: string) =>
    deps.store
      .namespaces()
      .map((n) => n.namespace)
      .filter((n) => n.startsWith(value))
      .slice(0, 100);
  server.registerPrompt(
    'recall',
    {
      title: 'Answer with memory',
      description: 'Search sixfold memory for what is known about a topic before answering, then store new facts.',
      argsSchema: {
        topic: completable(z.string().min(1).max(2000).describe('What the question is about'), (value) =>
          topicsLike(deps, value),
        ),
        namespace: optionalCompletable(z.string().regex(NAMESPACE_RE).describe('Namespace to search, default all'), namespaces),
      },
    },
    ({ topic, namespace }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Before answering about "${topic}", call memory_search with query "${topic}"` +
              `${namespace ? ` and namespace "${namespace}"` : ''} (mode "hybrid", k 5) and use what it returns. ` +
              'Say which memories you relied on. If you learn a durable fact while answering, save it with memory_store ' +
              '(tier "long_term"; "working" for scratch notes that may expire).',
          },
        },
      ],
    }),
  );
}

/** Tags that start with what was typed: the words memories are labelled with make good topics. */
function topicsLike(deps: Deps, value: string): string[] {
  const rows = deps.store
    .statement('SELECT DISTINCT tag FROM memory_tags WHERE tag >= ? AND tag < ? ORDER BY tag LIMIT 100')
    .all(value.toLowerCase(), `${value.toLowerCase()}\uffff`) as Array<{ tag: string }>;
  return rows.map((r) => r.tag);
}
