import type { SubscribableKind } from './subscriptions.js';

/**
 * Which tools a server loads: tool names grouped into presets, for `tools.enabled` in the config
 * and SIXFOLD_TOOLS; and what each tool brings with it (resources, prompts, a sentence of the
 * server's instructions). Names only: tools/index.ts, resources/index.ts and prompts/index.ts
 * register them.
 */
export const PRESET_TOOLS = {
  memory: ['memory_store', 'memory_search', 'memory_get', 'memory_list', 'memory_update', 'memory_delete'],
  codegen: ['generate_code', 'record_outcome', 'apply_edit'],
  coordination: [
    'multi_model_vote',
    'spawn_ephemeral',
    'list_agents',
    'terminate_agent',
    'aggregate',
    'byzantine_propose',
    'verify_certificate',
    'crdt_merge',
    'crdt_read',
    'gossip_status',
  ],
} as const;

export const TOOL_NAMES: readonly string[] = Object.values(PRESET_TOOLS).flat();
export const PRESETS = [...Object.keys(PRESET_TOOLS), 'all'] as const;

/** Every entry is a tool name or a preset; anything else is named with what is accepted. */
export function unknownToolEntries(entries: readonly string[]): string[] {
  return entries.filter((e) => e !== 'all' && !Object.hasOwn(PRESET_TOOLS, e) && !TOOL_NAMES.includes(e));
}

export const TOOLS_HELP = `presets: ${PRESETS.join(', ')}; tools: ${TOOL_NAMES.join(', ')}`;

/** The tool names a list of names and presets stands for, in catalog order. */
export function resolveTools(entries: readonly string[]): ReadonlySet<string> {
  const want = new Set<string>();
  for (const e of entries) {
    if (e === 'all') TOOL_NAMES.forEach((t) => want.add(t));
    else if (Object.hasOwn(PRESET_TOOLS, e)) PRESET_TOOLS[e as keyof typeof PRESET_TOOLS].forEach((t) => want.add(t));
    else if (TOOL_NAMES.includes(e)) want.add(e);
  }
  return new Set(TOOL_NAMES.filter((t) => want.has(t)));
}

/** Resource groups by name (resources/index.ts registers each); sixfold://status is always there. */
export type ResourceGroup = 'memory' | 'reasoning-bank' | 'agents' | 'consensus' | 'crdt' | 'router-stats';

/**
 * Resources go with the tools that use them: a server with only the memory tools offers no crdt://
 * or reasoningbank://. Each entry applies when any of its tools is loaded: the resource group it
 * brings, the subscribable kind that adds, and its sentence of the instructions. In this order.
 */
export const TOOL_EXTRAS: ReadonlyArray<{
  tools: readonly string[];
  resources?: ResourceGroup;
  kind?: SubscribableKind;
  say: string;
}> = [
  {
    tools: PRESET_TOOLS.memory,
    resources: 'memory',
    kind: 'memory',
    say:
      'memory_store saves text (namespaces group it; tiers set its lifetime; tags label it; the same text is stored once), memory_search finds it by meaning ' +
      'and keyword, memory_list and memory_get browse it, memory_update changes it, memory_delete removes it; memory://{namespace} to browse or subscribe to.',
  },
  { tools: ['multi_model_vote'], say: 'multi_model_vote asks several LLM providers and decides by a fault-tolerant vote.' },
  {
    tools: ['generate_code', 'record_outcome'],
    resources: 'reasoning-bank',
    say: 'generate_code writes code using what earlier attempts taught; record_outcome (after testing it) is how it learns.',
  },
  {
    tools: ['apply_edit'],
    say: 'apply_edit merges an edit snippet (unchanged code elided by "... existing code ...") into a file, with no LLM.',
  },
  {
    tools: ['aggregate'],
    say: "aggregate summarises a value held by many agents (up to 10 million, simulated or given) by tree or gossip aggregation, or a memory field across the real nodes of this server's cluster.",
  },
  {
    tools: ['spawn_ephemeral', 'list_agents', 'terminate_agent'],
    resources: 'agents',
    kind: 'agents',
    say:
      'spawn_ephemeral fans a task out to short-lived agents that read and write a shared memory namespace; list_agents, ' +
      'terminate_agent and agents://{run_id} show and stop them.',
  },
  {
    tools: ['byzantine_propose', 'verify_certificate'],
    resources: 'consensus',
    say:
      'byzantine_propose commits a value by PBFT consensus (tolerating f lying replicas of 3f+1) and returns a certificate that ' +
      'verify_certificate checks with public keys (consensus://{cluster}/keys, consensus://{cluster}/log): across the real nodes ' +
      'of this server\'s cluster (mode "nodes"), or as an in-process simulation that protects against nothing (mode "simulate").',
  },
  {
    tools: ['crdt_merge', 'crdt_read', 'gossip_status'],
    resources: 'crdt',
    kind: 'crdt',
    say:
      'crdt_merge edits a shared CRDT document (JSON ops or raw Yjs updates) that concurrent agents and gossip peers merge without conflicts; ' +
      'crdt_read reads one, crdt:// lists them, gossip_status shows the peers.',
  },
  {
    tools: ['multi_model_vote', 'generate_code', 'record_outcome', 'spawn_ephemeral'],
    resources: 'router-stats',
    say: 'Without an LLM provider key, a client that supports sampling answers for the LLM-backed tools; sixfold://router/stats shows LLM usage.',
  },
];

/** The extras of a set of loaded tools, in TOOL_EXTRAS order. */
export function extrasFor(enabled: ReadonlySet<string>): typeof TOOL_EXTRAS {
  return TOOL_EXTRAS.filter((e) => e.tools.some((t) => enabled.has(t)));
}

/** The server's instructions for a set of loaded tools. */
export function serverInstructions(enabled: ReadonlySet<string>): string {
  return (
    `sixfold gives agents coordination patterns as tools, over a persistent memory. ${extrasFor(enabled)
      .map((e) => e.say)
      .join(' ')} ` + 'Read sixfold://status for what is stored and which tools are loaded.'
  );
}

/** Prompts go with the tools they walk an agent through: each is registered only when all of them are loaded. */
export const PROMPT_TOOLS: ReadonlyMap<string, readonly string[]> = new Map([
  ['recall', ['memory_search']],
  ['self_improving_codegen', ['generate_code', 'record_outcome']],
  // The five applications (docs/prompts/): each walks through several patterns.
  ['protein_folding', ['generate_code', 'record_outcome', 'aggregate', 'byzantine_propose', 'verify_certificate']],
  ['ocean_pagerank', ['spawn_ephemeral', 'crdt_merge', 'crdt_read', 'aggregate']],
  ['market_crash', ['generate_code', 'record_outcome', 'spawn_ephemeral', 'multi_model_vote', 'crdt_merge', 'crdt_read']],
  [
    'p2p_game',
    ['crdt_merge', 'crdt_read', 'gossip_status', 'spawn_ephemeral', 'multi_model_vote', 'generate_code', 'record_outcome'],
  ],
  [
    'self_healing_cluster',
    [
      'aggregate',
      'generate_code',
      'record_outcome',
      'spawn_ephemeral',
      'multi_model_vote',
      'byzantine_propose',
      'crdt_merge',
      'crdt_read',
    ],
  ],
]);
