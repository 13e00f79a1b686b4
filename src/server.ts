import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from './deps.js';
import { registerMemoryStoreTool } from '../tools/memory-store.js';
import { registerMemorySearchTool } from '../tools/memory-search.js';
import { registerMemoryDeleteTool } from '../tools/memory-delete.js';
import { registerMultiModelVoteTool } from '../tools/multi-model-vote.js';
import { registerApplyEditTool } from '../tools/apply-edit.js';
import { registerGenerateCodeTool } from '../tools/generate-code.js';
import { registerRecordOutcomeTool } from '../tools/record-outcome.js';
import { registerAggregateTool } from '../tools/aggregate.js';
import { registerSpawnEphemeralTool } from '../tools/spawn-ephemeral.js';
import { registerListAgentsTool } from '../tools/list-agents.js';
import { registerTerminateAgentTool } from '../tools/terminate-agent.js';
import { registerAgentsResource } from '../resources/agents.js';
import { registerByzantineProposeTool } from '../tools/byzantine-propose.js';
import { registerVerifyCertificateTool } from '../tools/verify-certificate.js';
import { registerCrdtMergeTool } from '../tools/crdt-merge.js';
import { registerCrdtReadTool } from '../tools/crdt-read.js';
import { registerGossipStatusTool } from '../tools/gossip-status.js';
import { registerCrdtResources } from '../resources/crdt.js';
import { registerRouterStatsResource } from '../resources/router-stats.js';
import { registerMemoryResources } from '../resources/memory.js';
import { registerStatusResource } from '../resources/status.js';
import { registerReasoningBankResources } from '../resources/reasoning-bank.js';
import { registerConsensusResources } from '../resources/consensus.js';
import { registerRecallPrompt } from '../prompts/recall.js';
import { registerSelfImprovingCodegenPrompt } from '../prompts/self-improving-codegen.js';

const INSTRUCTIONS =
  'sixfold gives agents coordination patterns as tools, over a persistent memory. ' +
  'memory_store saves text (namespaces group it; tiers set its lifetime), memory_search finds it by meaning and keyword, ' +
  'memory_delete removes it. multi_model_vote asks several LLM providers and decides by a fault-tolerant vote. ' +
  'generate_code writes code using what earlier attempts taught; record_outcome (after testing it) is how it learns. ' +
  'aggregate summarises a value held by many agents (up to 10 million, simulated or given) by tree or gossip aggregation, ' +
  'or a memory field across the real nodes of this server\'s cluster. ' +
  'spawn_ephemeral fans a task out to short-lived agents that read and write a shared memory namespace; list_agents, ' +
  'terminate_agent and agents://{run_id} show and stop them. ' +
  'byzantine_propose commits a value by PBFT consensus (tolerating f lying replicas of 3f+1) and returns a certificate that ' +
  'verify_certificate checks with public keys (consensus://{cluster}/keys, consensus://{cluster}/log): across the real nodes ' +
  'of this server\'s cluster (mode "nodes"), or as an in-process simulation that protects against nothing (mode "simulate"). ' +
  'crdt_merge edits a shared CRDT document (JSON ops or raw Yjs updates) that concurrent agents and gossip peers merge without conflicts; ' +
  'crdt_read reads one, crdt:// lists them, gossip_status shows the peers. ' +
  'Read sixfold://status for what is stored, memory://{namespace} to browse, sixfold://router/stats for LLM usage.';

/**
 * One MCP server over shared deps. stdio builds one; HTTP builds one per session (the SDK binds a
 * server to one transport), all sharing the same store.
 */
export function createServer(deps: Deps): { server: McpServer; close: () => Promise<void> } {
  const server = new McpServer(
    { name: 'sixfold', title: 'sixfold', version: deps.version },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  registerMemoryStoreTool(server, deps);
  registerMemorySearchTool(server, deps);
  registerMemoryDeleteTool(server, deps);
  registerMultiModelVoteTool(server, deps);
  registerApplyEditTool(server, deps);
  registerGenerateCodeTool(server, deps);
  registerRecordOutcomeTool(server, deps);
  registerAggregateTool(server, deps);
  registerSpawnEphemeralTool(server, deps);
  registerListAgentsTool(server, deps);
  registerTerminateAgentTool(server, deps);
  registerByzantineProposeTool(server, deps);
  registerVerifyCertificateTool(server, deps);
  registerCrdtMergeTool(server, deps);
  registerCrdtReadTool(server, deps);
  registerGossipStatusTool(server, deps);
  registerMemoryResources(server, deps);
  registerStatusResource(server, deps);
  registerRouterStatsResource(server, deps);
  registerReasoningBankResources(server, deps);
  registerAgentsResource(server, deps);
  registerConsensusResources(server, deps);
  registerCrdtResources(server, deps);
  registerRecallPrompt(server);
  registerSelfImprovingCodegenPrompt(server);
  return { server, close: () => server.close() };
}
