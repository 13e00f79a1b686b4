import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { PROMPT_TOOLS } from '../src/mcp/catalog.js';
import { registerRecallPrompt } from './recall.js';
import { registerSelfImprovingCodegenPrompt } from './self-improving-codegen.js';

type Register = (server: McpServer, deps: Deps) => void;

/** Every prompt by name (the tools each needs: src/mcp/catalog.ts). */
const PROMPTS: ReadonlyMap<string, Register> = new Map([
  ['recall', registerRecallPrompt],
  ['self_improving_codegen', registerSelfImprovingCodegenPrompt],
]);

/** Registers each prompt whose tools are all loaded. */
export function registerPrompts(server: McpServer, deps: Deps, enabled: ReadonlySet<string>): void {
  for (const [name, register] of PROMPTS) if (PROMPT_TOOLS.get(name)!.every((t) => enabled.has(t))) register(server, deps);
}
