import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { compactToolsList } from '../src/mcp/compact-list.js';
import { registerAggregateTool } from './aggregate.js';
import { registerApplyEditTool } from './apply-edit.js';
import { registerByzantineProposeTool } from './byzantine-propose.js';
import { registerCrdtMergeTool } from './crdt-merge.js';
import { registerCrdtReadTool } from './crdt-read.js';
import { registerGenerateCodeTool } from './generate-code.js';
import { registerGossipStatusTool } from './gossip-status.js';
import { registerListAgentsTool } from './list-agents.js';
import { registerMemoryDeleteTool } from './memory-delete.js';
import { registerMemoryGetTool } from './memory-get.js';
import { registerMemoryListTool } from './memory-list.js';
import { registerMemorySearchTool } from './memory-search.js';
import { registerMemoryStoreTool } from './memory-store.js';
import { registerMemoryUpdateTool } from './memory-update.js';
import { registerMultiModelVoteTool } from './multi-model-vote.js';
import { registerRecordOutcomeTool } from './record-outcome.js';
import { registerSpawnEphemeralTool } from './spawn-ephemeral.js';
import { registerTerminateAgentTool } from './terminate-agent.js';
import { registerVerifyCertificateTool } from './verify-certificate.js';

type Register = (server: McpServer, deps: Deps) => void;

/** Every tool by name, in the order tools/list shows them (names and presets: src/mcp/catalog.ts). */
const TOOLS: ReadonlyMap<string, Register> = new Map([
  ['memory_store', registerMemoryStoreTool],
  ['memory_search', registerMemorySearchTool],
  ['memory_get', registerMemoryGetTool],
  ['memory_list', registerMemoryListTool],
  ['memory_update', registerMemoryUpdateTool],
  ['memory_delete', registerMemoryDeleteTool],
  ['multi_model_vote', registerMultiModelVoteTool],
  ['apply_edit', registerApplyEditTool],
  ['generate_code', registerGenerateCodeTool],
  ['record_outcome', registerRecordOutcomeTool],
  ['aggregate', registerAggregateTool],
  ['spawn_ephemeral', registerSpawnEphemeralTool],
  ['list_agents', registerListAgentsTool],
  ['terminate_agent', registerTerminateAgentTool],
  ['byzantine_propose', registerByzantineProposeTool],
  ['verify_certificate', registerVerifyCertificateTool],
  ['crdt_merge', registerCrdtMergeTool],
  ['crdt_read', registerCrdtReadTool],
  ['gossip_status', registerGossipStatusTool],
]);

/** Registers the tools `enabled` names, and trims what tools/list sends of their schemas. */
export function registerTools(server: McpServer, deps: Deps, enabled: ReadonlySet<string>): void {
  for (const [name, register] of TOOLS) if (enabled.has(name)) register(server, deps);
  if (enabled.size) compactToolsList(server);
}
