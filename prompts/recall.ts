import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** `recall`: asks the agent to check memory before answering, and to store what it learns. */
export function registerRecallPrompt(server: McpServer): void {
  server.registerPrompt(
    'recall',
    {
      title: 'Answer with memory',
      description: 'Search sixfold memory for what is known about a topic before answering, then store new facts.',
      argsSchema: {
        topic: z.string().min(1).max(2000).describe('What the question is about'),
        namespace: z.string().regex(/^[a-z0-9._-]{1,64}$/).optional().describe('Namespace to search, default all'),
      },
    },
    ({ topic, namespace }) => ({
      messages: [{
        role: 'user',
        content: {
          type: 'text',
          text:
            `Before answering about "${topic}", call memory_search with query "${topic}"` +
            `${namespace ? ` and namespace "${namespace}"` : ''} (mode "hybrid", k 5) and use what it returns. ` +
            'Say which memories you relied on. If you learn a durable fact while answering, save it with memory_store ' +
            '(tier "long_term"; "working" for scratch notes that may expire).',
        },
      }],
    }),
  );
}
