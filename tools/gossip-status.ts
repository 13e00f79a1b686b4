import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { defineTool, toolInput } from '../src/tool-kit.js';

export function registerGossipStatusTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'gossip_status',
    title: 'Gossip peers and sync state',
    description:
      'Shows CRDT gossip between sixfold servers: whether it is on, the listen URL, each peer (direction, connection state, ' +
      'reconnect attempts, last error, bytes queued to send), when each document last synced, and message counters.',
    input: toolInput({}),
    output: z.object({
      enabled: z.boolean(),
      listen_url: z.string().nullable(),
      fanout: z.number().int(),
      period_ms: z.number().int(),
      peers: z.array(z.object({
        peer: z.string(),
        direction: z.enum(['out', 'in']),
        state: z.enum(['connecting', 'open', 'backoff', 'closed']),
        attempts: z.number().int(),
        connected_since: z.string().nullable(),
        last_error: z.string().nullable(),
        pending_bytes: z.number().int(),
      })),
      docs: z.array(z.object({ doc: z.string(), last_sync: z.string().nullable() })),
      counters: z.object({ rounds: z.number().int(), sent: z.number().int(), sent_bytes: z.number().int(), received: z.number().int(), received_bytes: z.number().int() }),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run() {
      const g = deps.config.gossip;
      const result = deps.gossip?.status() ?? {
        enabled: false, listen_url: null, fanout: g.fanout, period_ms: g.period_ms, peers: [],
        docs: deps.crdt.list(1000).map((d) => ({ doc: d.id, last_sync: null })),
        counters: { rounds: 0, sent: 0, sent_bytes: 0, received: 0, received_bytes: 0 },
      };
      const open = result.peers.filter((p) => p.state === 'open').length;
      return {
        result,
        summary: result.enabled
          ? `Gossip on${result.listen_url ? ` at ${result.listen_url}` : ''}: ${open}/${result.peers.length} peer(s) connected, ${result.docs.length} doc(s), ${result.counters.sent} messages sent, ${result.counters.received} received.`
          : 'Gossip is off: start sixfold with --gossip-port N and/or --peer ws://host:port to share CRDT documents with other servers.',
      };
    },
  });
}
