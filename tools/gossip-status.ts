import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { defineTool, toolInput } from '../src/tool-kit.js';

export function registerGossipStatusTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'gossip_status',
    title: 'Gossip peers and sync state',
    description:
      "Shows CRDT gossip between the nodes of the cluster: whether it is on, this node's id and listen address, each peer by " +
      'node id (address, who dialled, connection state, reconnect attempts, last error, bytes queued to send), when each ' +
      'document last synced, and message counters.',
    input: toolInput({}),
    output: z.object({
      enabled: z.boolean(),
      node_id: z.string().nullable(),
      listen: z.string().nullable(),
      fanout: z.number().int(),
      period_ms: z.number().int(),
      push: z.boolean(),
      peers: z.array(
        z.object({
          peer: z.string(),
          address: z.string().nullable(),
          direction: z.enum(['out', 'in']).nullable(),
          state: z.enum(['connecting', 'open', 'backoff', 'waiting']),
          attempts: z.number().int(),
          connected_since: z.string().nullable(),
          last_error: z.string().nullable(),
          pending_bytes: z.number().int(),
          epoch: z.number().int(),
        }),
      ),
      docs: z.array(z.object({ doc: z.string(), last_sync: z.string().nullable() })),
      counters: z.object({
        rounds: z.number().int(),
        sent: z.number().int(),
        sent_bytes: z.number().int(),
        received: z.number().int(),
        received_bytes: z.number().int(),
      }),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run() {
      const g = deps.config.gossip;
      const result = deps.gossip?.status() ?? {
        enabled: false,
        node_id: null,
        listen: null,
        fanout: g.fanout,
        period_ms: g.period_ms,
        push: g.push,
        peers: [],
        docs: (await deps.crdt()).list(1000).map((d) => ({ doc: d.id, last_sync: null })),
        counters: { rounds: 0, sent: 0, sent_bytes: 0, received: 0, received_bytes: 0 },
      };
      const open = result.peers.filter((p) => p.state === 'open').length;
      return {
        result,
        summary: result.enabled
          ? `Gossip on, node ${result.node_id}${result.listen ? ` listening at ${result.listen}` : ''}: ${open}/${result.peers.length} peer(s) connected, ${result.docs.length} doc(s), ${result.counters.sent} messages sent, ${result.counters.received} received.`
          : 'Gossip is off: this node is not in a cluster. Start sixfold with --cluster-port N and --peer NODE_ID@HOST:PORT for each other node to share CRDT documents.',
      };
    },
  });
}
