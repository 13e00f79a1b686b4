import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { AgentLedger } from '../src/patterns/ephemeral/ledger.js';
import { UUID_RE, agentView } from '../src/mcp/fields.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

/** `agents://{run_id}`: every agent of one spawn_ephemeral run, in input order, with results and its transitions. */
export function registerAgentsResource(server: McpServer, deps: Deps): void {
  const ledger = deps.ledger;
  server.registerResource(
    'agents-run',
    new ResourceTemplate('agents://{run_id}', { list: undefined }),
    {
      title: 'Agents of a spawn_ephemeral run',
      description:
        'Every agent of one run in input order: status, phase, times, result, memories loaded/written, cost, error, and its lifecycle transitions.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const runId = decodeURIComponent(uri.host);
      if (!UUID_RE.test(runId))
        throw new ResourceError(ErrorCode.InvalidParams, `"${runId}" is not a run id: use the run_id spawn_ephemeral returned.`);
      const rows = ledger.run(runId);
      if (!rows.length) throw new ResourceError(RESOURCE_NOT_FOUND, `No run ${runId}; list_agents shows recent runs.`);
      const agents = rows.map((r) => ({
        ...agentView(r),
        result: r.result,
        memories_loaded: r.memories_loaded,
        memories_written: r.memories_written,
        cost_usd: r.cost_usd,
        transitions: AgentLedger.transitions(r).map((e) => ({ phase: e.phase, at: new Date(e.at).toISOString() })),
      }));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ run_id: runId, agents }) }] };
    },
  );
}
