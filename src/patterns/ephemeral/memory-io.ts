import { searchMemories } from '../../memory/search.js';
import type { MemoryStore, NewMemory } from '../../memory/store.js';
import type { AgentIO } from './agent.js';
import { batcher } from './batch.js';

/**
 * Agents' memory over the store: recall is the memory_search hybrid search; results are written
 * working tier (long_term with persist), agents finishing in the same turn sharing one embed call
 * and one transaction. What the tool runs and what the benchmark measures.
 */
export function memoryIO(store: MemoryStore): Pick<AgentIO, 'recall' | 'remember'> {
  const insert = batcher((items: NewMemory[]) => store.insert(items));
  return {
    recall: async (query, namespace, k, signal) =>
      (await searchMemories(store, { query, namespace, k }, signal)).map((h) => h.content),
    remember: async (m, signal) => {
      await insert(
        { content: m.content, namespace: m.namespace, tier: m.persist ? 'long_term' : 'working', metadata: m.metadata },
        signal,
      );
    },
  };
}
