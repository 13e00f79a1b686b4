import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../src/deps.js';
import { NAMESPACE_RE } from '../src/mcp/fields.js';
import type { ReasoningItem, Trajectory } from '../src/patterns/codegen/bank.js';
import { RESOURCE_NOT_FOUND, ResourceError } from './errors.js';

const PAGE_DEFAULT = 100;
const PAGE_MAX = 500;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function itemOut(i: ReasoningItem) {
  return {
    id: i.id,
    kind: i.kind,
    language: i.language,
    title: i.title,
    description: i.description,
    content: i.content,
    confidence: i.confidence,
    uses: i.uses,
    created_at: iso(i.created_at),
    last_used_at: iso(i.last_used_at),
    has_solution: i.code !== null,
    trajectory_id: i.trajectory_id,
  };
}

function trajectoryOut(t: Trajectory) {
  return { ...t, created_at: iso(t.created_at), outcome_at: iso(t.outcome_at) };
}

/**
 * `reasoningbank://{namespace}`: the namespace's learned items, most trusted first, with
 * confidence and use counts (`?limit=N`, 1..500, default 100). `trajectory://{id}`: one
 * generate_code call, its prompt, code, memories used and outcome.
 */
export function registerReasoningBankResources(server: McpServer, deps: Deps): void {
  server.registerResource(
    'reasoning-bank',
    new ResourceTemplate('reasoningbank://{namespace}', {
      list: async () => ({
        resources: (await deps.bank()).namespaces().map((n) => ({
          uri: `reasoningbank://${n.namespace}`,
          name: `learned code strategies and pitfalls in ${n.namespace}`,
          description: `${n.count} items, most trusted first`,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        namespace: async (value) =>
          (await deps.bank())
            .namespaces()
            .map((n) => n.namespace)
            .filter((n) => n.startsWith(value))
            .slice(0, 100),
      },
    }),
    {
      title: 'ReasoningBank items in a namespace',
      description:
        'Strategies and pitfalls that generate_code learned from record_outcome, most trusted first, with confidence and use counts. ?limit=N (1..500, default 100).',
      mimeType: 'application/json',
    },
    async (uri) => {
      const namespace = decodeURIComponent(uri.host);
      if (!NAMESPACE_RE.test(namespace)) {
        throw new ResourceError(
          ErrorCode.InvalidParams,
          `"${namespace}" is not a namespace: use 1-64 characters of a-z, 0-9, ".", "_" or "-".`,
        );
      }
      const raw = uri.searchParams.get('limit');
      const limit = raw === null ? PAGE_DEFAULT : Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
        throw new ResourceError(ErrorCode.InvalidParams, `limit must be a whole number from 1 to ${PAGE_MAX}, got "${raw}".`);
      }
      const { items, total } = (await deps.bank()).list(namespace, limit);
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify({ namespace, total, items: items.map(itemOut) }, null, 2),
          },
        ],
      };
    },
  );

  server.registerResource(
    'trajectory',
    new ResourceTemplate('trajectory://{id}', { list: undefined }),
    {
      title: 'One generate_code trajectory',
      description: 'A generate_code call: task, prompt, code, memories used, provider, cost and outcome.',
      mimeType: 'application/json',
    },
    async (uri, vars) => {
      const id = decodeURIComponent(String(vars.id));
      const t = (await deps.bank()).trajectory(id);
      if (!t) throw new ResourceError(RESOURCE_NOT_FOUND, `No trajectory ${id}.`, { uri: uri.href });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(trajectoryOut(t), null, 2) }] };
    },
  );
}
