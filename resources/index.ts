import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Deps } from '../src/deps.js';
import { extrasFor, type ResourceGroup } from '../src/mcp/catalog.js';
import type { SubscribableKind } from '../src/mcp/subscriptions.js';
import { registerAgentsResource } from './agents.js';
import { registerConsensusResources } from './consensus.js';
import { registerCrdtResources } from './crdt.js';
import { registerMemoryResources } from './memory.js';
import { registerReasoningBankResources } from './reasoning-bank.js';
import { registerRouterStatsResource } from './router-stats.js';
import { registerStatusResource } from './status.js';

type Register = (server: McpServer, deps: Deps) => void;

/** Every resource group by name (which tools bring which: src/mcp/catalog.ts). */
const GROUPS: ReadonlyMap<ResourceGroup, Register> = new Map([
  ['memory', registerMemoryResources],
  ['reasoning-bank', registerReasoningBankResources],
  ['agents', registerAgentsResource],
  ['consensus', registerConsensusResources],
  ['crdt', registerCrdtResources],
  ['router-stats', registerRouterStatsResource],
]);

/**
 * sixfold://status, then the resources the loaded tools bring. Returns the kinds of resource a
 * client may subscribe to on this server.
 */
export function registerResources(server: McpServer, deps: Deps, enabled: ReadonlySet<string>): Set<SubscribableKind> {
  registerStatusResource(server, deps);
  const extras = extrasFor(enabled);
  for (const e of extras) if (e.resources) GROUPS.get(e.resources)!(server, deps);
  return new Set(extras.flatMap((e) => (e.kind ? [e.kind] : [])));
}
