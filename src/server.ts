import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from './deps.js';
import { resolveTools } from './mcp/catalog.js';
import { compactToolsList } from './mcp/compact-list.js';
import { enableSubscriptions, type SubscribableKind } from './mcp/subscriptions.js';
import { registerMemoryStoreTool } from '../tools/memory-store.js';
import { registerMemorySearchTool } from '../tools/memory-search.js';
import { registerMemoryGetTool } from '../tools/memory-get.js';
import { registerMemoryListTool } from '../tools/memory-list.js';
import { registerMemoryUpdateTool } from '../tools/memory-update.js';
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
import { PROTEIN_FOLDING_TOOLS, registerProteinFoldingPrompt } from '../prompts/protein-folding.js';
import { OCEAN_PAGERANK_TOOLS, registerOceanPagerankPrompt } from '../prompts/ocean-pagerank.js';
import { MARKET_CRASH_TOOLS, registerMarketCrashPrompt } from '../prompts/market-crash.js';
import { P2P_GAME_TOOLS, registerP2pGamePrompt } from '../prompts/p2p-game.js';
import { SELF_HEALING_CLUSTER_TOOLS, registerSelfHealingClusterPrompt } from '../prompts/self-healing-cluster.js';

type Register = (server: McpServer, deps: Deps) => void;

/** Every tool by name (the names and presets are in src/mcp/catalog.ts). */
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

/**
 * Resources and prompts go with the tools that use them: a server with only the memory tools
 * offers no crdt:// or reasoningbank://. Each entry: the tools that bring it, the resources'
 * registration, the subscribable kind it adds, and its sentence of the instructions.
 */
const EXTRAS: ReadonlyArray<{ tools: readonly string[]; register?: Register; kind?: SubscribableKind; say: string }> = [
  {
    tools: ['memory_store', 'memory_search', 'memory_get', 'memory_list', 'memory_update', 'memory_delete'], register: registerMemoryResources, kind: 'memory',
    say: 'memory_store saves text (namespaces group it; tiers set its lifetime; tags label it; the same text is stored once), memory_search finds it by meaning ' +
      'and keyword, memory_list and memory_get browse it, memory_update changes it, memory_delete removes it; memory://{namespace} to browse or subscribe to.',
  },
  { tools: ['multi_model_vote'], say: 'multi_model_vote asks several LLM providers and decides by a fault-tolerant vote.' },
  {
    tools: ['generate_code', 'record_outcome'], register: registerReasoningBankResources,
    say: 'generate_code writes code using what earlier attempts taught; record_outcome (after testing it) is how it learns.',
  },
  { tools: ['apply_edit'], say: 'apply_edit merges an edit snippet (unchanged code elided by "... existing code ...") into a file, with no LLM.' },
  { tools: ['aggregate'], say: 'aggregate summarises a value held by many agents (up to 10 million, simulated or given) by tree or gossip aggregation, or a memory field across the real nodes of this server\'s cluster.' },
  {
    tools: ['spawn_ephemeral', 'list_agents', 'terminate_agent'], register: registerAgentsResource, kind: 'agents',
    say: 'spawn_ephemeral fans a task out to short-lived agents that read and write a shared memory namespace; list_agents, ' +
      'terminate_agent and agents://{run_id} show and stop them.',
  },
  {
    tools: ['byzantine_propose', 'verify_certificate'], register: registerConsensusResources,
    say: 'byzantine_propose commits a value by PBFT consensus (tolerating f lying replicas of 3f+1) and returns a certificate that ' +
      'verify_certificate checks with public keys (consensus://{cluster}/keys, consensus://{cluster}/log): across the real nodes ' +
      'of this server\'s cluster (mode "nodes"), or as an in-process simulation that protects against nothing (mode "simulate").',
  },
  {
    tools: ['crdt_merge', 'crdt_read', 'gossip_status'], register: registerCrdtResources, kind: 'crdt',
    say: 'crdt_merge edits a shared CRDT document (JSON ops or raw Yjs updates) that concurrent agents and gossip peers merge without conflicts; ' +
      'crdt_read reads one, crdt:// lists them, gossip_status shows the peers.',
  },
  {
    tools: ['multi_model_vote', 'generate_code', 'record_outcome', 'spawn_ephemeral'], register: registerRouterStatsResource,
    say: 'Without an LLM provider key, a client that supports sampling answers for the LLM-backed tools; sixfold://router/stats shows LLM usage.',
  },
];

/** Prompts go with the tools they walk an agent through: each is registered only when all of them are. */
const PROMPTS: ReadonlyArray<{ tools: readonly string[]; register: Register }> = [
  { tools: ['memory_search'], register: registerRecallPrompt },
  { tools: ['generate_code', 'record_outcome'], register: registerSelfImprovingCodegenPrompt },
  { tools: PROTEIN_FOLDING_TOOLS, register: registerProteinFoldingPrompt },
  { tools: OCEAN_PAGERANK_TOOLS, register: registerOceanPagerankPrompt },
  { tools: MARKET_CRASH_TOOLS, register: registerMarketCrashPrompt },
  { tools: P2P_GAME_TOOLS, register: registerP2pGamePrompt },
  { tools: SELF_HEALING_CLUSTER_TOOLS, register: registerSelfHealingClusterPrompt },
];

/**
 * One MCP server over shared deps. stdio builds one; HTTP builds one per session (the SDK binds a
 * server to one transport), all sharing the same store. Only the tools `tools.enabled` names are
 * registered, with their resources and prompts.
 */
export function createServer(deps: Deps): { server: McpServer; close: () => Promise<void> } {
  const enabled = resolveTools(deps.config.tools.enabled);
  const extras = EXTRAS.filter((e) => e.tools.some((t) => enabled.has(t)));
  const instructions =
    `sixfold gives agents coordination patterns as tools, over a persistent memory. ${extras.map((e) => e.say).join(' ')} ` +
    'Read sixfold://status for what is stored and which tools are loaded.';
  const server = new McpServer(
    { name: 'sixfold', title: 'sixfold', version: deps.version },
    { capabilities: { logging: {} }, instructions },
  );
  for (const [name, register] of TOOLS) if (enabled.has(name)) register(server, deps);
  if (enabled.size) compactToolsList(server);
  registerStatusResource(server, deps);
  for (const e of extras) e.register?.(server, deps);
  for (const p of PROMPTS) if (p.tools.every((t) => enabled.has(t))) p.register(server, deps);
  const kinds = new Set(extras.flatMap((e) => (e.kind ? [e.kind] : [])));
  const unsubscribe = enableSubscriptions(server, deps.changes, kinds);
  const detachLog = deps.clientLog.attach(server);
  return {
    server,
    close: async () => {
      unsubscribe();
      detachLog();
      await server.close();
    },
  };
}
