import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { PROMPT_TOOLS } from '../src/mcp/catalog.js';
import { registerRecallPrompt } from './recall.js';
import { registerSelfImprovingCodegenPrompt } from './self-improving-codegen.js';
import { registerProteinFoldingPrompt } from './protein-folding.js';
import { registerOceanPagerankPrompt } from './ocean-pagerank.js';
import { registerMarketCrashPrompt } from './market-crash.js';
import { registerP2pGamePrompt } from './p2p-game.js';
import { registerSelfHealingClusterPrompt } from './self-healing-cluster.js';

type Register = (server: McpServer, deps: Deps) => void;

/** Every prompt by name (the tools each needs: src/mcp/catalog.ts). */
const PROMPTS: ReadonlyMap<string, Register> = new Map([
  ['recall', registerRecallPrompt],
  ['self_improving_codegen', registerSelfImprovingCodegenPrompt],
  ['protein_folding', registerProteinFoldingPrompt],
  ['ocean_pagerank', registerOceanPagerankPrompt],
  ['market_crash', registerMarketCrashPrompt],
  ['p2p_game', registerP2pGamePrompt],
  ['self_healing_cluster', registerSelfHealingClusterPrompt],
]);

/** Registers each prompt whose tools are all loaded. */
export function registerPrompts(server: McpServer, deps: Deps, enabled: ReadonlySet<string>): void {
  for (const [name, register] of PROMPTS) if (PROMPT_TOOLS.get(name)!.every((t) => enabled.has(t))) register(server, deps);
}
