import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { agentView, runIdField } from '../src/mcp/fields.js';
import { AGENT_STATUSES } from '../src/patterns/ephemeral/ledger.js';
import { defineTool, toolInput } from '../src/tool-kit.js';

export function registerListAgentsTool(server: McpServer, deps: Deps): void {
  const ledger = deps.ledger;
  defineTool(server, deps, {
    name: 'list_agents',
    title: 'List running and recent ephemeral agents',
    description:
      'Lists ephemeral agents from spawn_ephemeral, newest run first: queued, running (with the phase: loading, executing, ' +
      'persisting) and finished ones of the last 7 days, from every concurrent call. Filter by run_id or status. ' +
      'Results are in agents://{run_id}.',
    input: toolInput({
      run_id: runIdField.optional().describe('Only this run.'),
      status: z.enum(AGENT_STATUSES, { error: `status must be one of ${AGENT_STATUSES.join(', ')}` }).optional(),
      limit: z
        .number({ error: 'limit must be a whole number from 1 to 500' })
        .int('limit must be a whole number from 1 to 500')
        .min(1, 'limit must be at least 1')
        .max(500, 'limit must be at most 500')
        .optional()
        .describe('At most this many agents; default 100.'),
    }),
    output: z.object({
      agents: z.array(
        z.object({
          id: z.string(),
          run_id: z.string(),
          role: z.string(),
          status: z.enum(AGENT_STATUSES),
          phase: z.string(),
          input_index: z.number().int(),
          started_at: z.string().nullable(),
          ended_at: z.string().nullable(),
          error: z.string().optional(),
        }),
      ),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const agents = ledger.list({ run_id: args.run_id, status: args.status, limit: args.limit ?? 100 }).map(agentView);
      const by = new Map<string, number>();
      for (const a of agents) by.set(a.status, (by.get(a.status) ?? 0) + 1);
      const tally = [...by].map(([s, n]) => `${n} ${s}`).join(', ');
      return { result: { agents }, summary: agents.length ? `${agents.length} agent(s): ${tally}.` : 'No agents match.' };
    },
  });
}
