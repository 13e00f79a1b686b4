import { completable, type CompleteCallback } from '@modelcontextprotocol/sdk/server/completable.js';
import type { z } from 'zod';

/**
 * An optional prompt argument with completions. The SDK looks the completer up on the field as
 * registered (the optional wrapper) but decides whether to offer completions at all by looking
 * inside it, so both carry it.
 */
export function optionalCompletable<T extends z.ZodString>(schema: T, complete: (value: string) => string[] | Promise<string[]>) {
  const cb = complete as unknown as CompleteCallback<T>;
  return completable(completable(schema, cb).optional(), complete as never);
}
