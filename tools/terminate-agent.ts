import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { SixfoldError, invalidInput, notFound } from '../src/errors.js';
import { defineTool, toolInput } from '../src/tool-kit.js';
import { agentIdField, runIdField } from '../src/mcp/fields.js';

export function registerTerminateAgentTool(server: McpServer, deps: Deps): void {
  const ledger = deps.ledger;
  defineTool(server, deps, {
    name: 'terminate_agent',
    title: 'Stop ephemeral agents',
    description:
      'Stops one ephemeral agent by {id} (running or still queued), or every agent of a run not yet finished by {run_id}. ' +
      'Their LLM requests are aborted and they end as "cancelled"; agents already finished are left as they are.',
    input: toolInput({
      id: agentIdField.optional().describe('Stop this agent.'),
      run_id: runIdField.optional().describe('Stop every unfinished agent of this run.'),
    }),
    output: z.object({ terminated: z.number().int() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run(args) {
      if ((args.id === undefined) === (args.run_id === undefined)) {
        throw invalidInput(
          'terminate_agent needs exactly one of id or run_id.',
          'Send {"id": "<agent id>"} or {"run_id": "<run id>"} (from spawn_ephemeral or list_agents).',
        );
      }
      const why = 'terminated by terminate_agent';
      const target = args.id !== undefined ? { id: args.id } : { run_id: args.run_id! };
      const terminated = ledger.terminate(target, why);
      const what = args.id !== undefined ? `agent ${args.id}` : `run ${args.run_id}`;
      if (terminated) return { result: { terminated }, summary: `Terminated ${terminated} agent(s) of ${what}.` };
      const rows =
        args.id !== undefined ? [ledger.get(args.id)].filter((r) => r !== undefined) : ledger.list({ run_id: args.run_id });
      if (!rows.length) throw notFound(`No ${what}.`, 'Find ids and run ids with list_agents.');
      const foreign = rows.find((r) => (r.status === 'running' || r.status === 'queued') && r.owner_pid !== ledger.pid);
      if (foreign) {
        throw new SixfoldError(
          'conflict',
          `${what} is run by another sixfold process (pid ${foreign.owner_pid}) on the same database.`,
          'Call terminate_agent on the server that spawned it.',
        );
      }
      return { result: { terminated: 0 }, summary: `Nothing to terminate: ${what} has already finished.` };
    },
  });
}
