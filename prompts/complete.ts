import { completable, type CompleteCallback } from '@modelcontextprotocol/sdk/server/completable.js';
import type { z } from 'zod';
import type { Deps } from '../src/deps.js';

/**
 * An optional prompt argument with completions. The SDK looks the completer up on the field as
 * registered (the optional wrapper) but decides whether to offer completions at all by looking
 * inside it, so both carry it.
 */
export function optionalCompletable<T extends z.ZodString>(schema: T, complete: (value: string) => string[] | Promise<string[]>) {
  const cb = complete as unknown as CompleteCallback<T>;
  return completable(completable(schema, cb).optional(), complete as never);
}

/** Completion from a fixed list: the entries that start with what was typed. */
export const fromList = (list: readonly string[]) => (value: string) => list.filter((x) => x.startsWith(value)).slice(0, 100);

/** Existing CRDT document ids that start with what was typed. */
export const crdtDocs = (deps: Deps) => async (value: string) =>
  (await deps.crdt())
    .list(1000)
    .map((d) => d.id)
    .filter((id) => id.startsWith(value))
    .slice(0, 100);

/** Existing consensus clusters (byzantine_propose's `cluster`) that start with what was typed. */
export const consensusClusters = (deps: Deps) => async (value: string) =>
  (await deps.simulatedConsensus())
    .clusters()
    .map((c) => c.name)
    .filter((n) => n.startsWith(value))
    .slice(0, 100);

/** ReasoningBank namespaces (generate_code's `namespace`) that start with what was typed. */
export const codegenNamespaces = (deps: Deps) => async (value: string) =>
  (await deps.bank())
    .namespaces()
    .map((n) => n.namespace)
    .filter((n) => n.startsWith(value))
    .slice(0, 100);
