import { EventEmitter } from 'node:events';
import type { MemoryChange } from './memory/store.js';

/**
 * What changed in the server's state, for resource subscriptions. One feed per process (built in
 * main.ts, passed in Deps); every MCP session listens to it and forwards what its client
 * subscribed to. Writers report after their transaction commits.
 */
export type Change =
  | { kind: 'memory'; changes: readonly MemoryChange[] }
  /** A CRDT document changed; `origin` names the gossip peer it came from, if any. */
  | { kind: 'crdt'; doc: string; created: boolean; origin?: string }
  /** Agents of a spawn_ephemeral run changed state. */
  | { kind: 'agents'; runIds: readonly string[] }
  /** A resource list changed: the namespaces of memory://, the documents of crdt://. */
  | { kind: 'list'; of: 'memory' | 'crdt' };

export class ChangeFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per connected session; HTTP may hold many.
    this.emitter.setMaxListeners(0);
  }

  emit(change: Change): void {
    this.emitter.emit('change', change);
  }

  /** Listens until the returned function is called. */
  listen(listener: (change: Change) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  listeners(): number {
    return this.emitter.listenerCount('change');
  }
}

/**
 * Turns memory writes into memory:// list changes: a namespace's first memory adds it to the list,
 * deleting its last removes it. The set of namespaces is read once (at start), then kept from the writes.
 */
export function watchNamespaces(
  feed: ChangeFeed,
  store: { namespaces(): Array<{ namespace: string }>; hasNamespace(ns: string): boolean },
): () => void {
  const known = new Set(store.namespaces().map((n) => n.namespace));
  return feed.listen((c) => {
    if (c.kind !== 'memory') return;
    let changed = false;
    for (const m of c.changes) {
      if (m.op === 'insert' && !known.has(m.namespace)) {
        known.add(m.namespace);
        changed = true;
      } else if (m.op === 'delete' && known.has(m.namespace) && !store.hasNamespace(m.namespace)) {
        known.delete(m.namespace);
        changed = true;
      }
    }
    if (changed) feed.emit({ kind: 'list', of: 'memory' });
  });
}
