/**
 * Which tools a server loads: tool names grouped into presets, for `tools.enabled` in the config
 * and SIXFOLD_TOOLS. Names only: registration lives in server.ts.
 */
export const PRESET_TOOLS = {
  memory: ['memory_store', 'memory_search', 'memory_get', 'memory_list', 'memory_update', 'memory_delete'],
  codegen: ['generate_code', 'record_outcome', 'apply_edit'],
  coordination: [
    'multi_model_vote', 'spawn_ephemeral', 'list_agents', 'terminate_agent', 'aggregate',
    'byzantine_propose', 'verify_certificate', 'crdt_merge', 'crdt_read', 'gossip_status',
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
