import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import type { Deps } from './deps.js';
import { SixfoldError, describeError } from './errors.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  /** Returns the structured result and a one-paragraph summary for clients that show text only. */
  run(args: z.infer<I>, extra: ToolExtra): Promise<{ result: z.infer<O>; summary: string }>;
}

/** Tool names registered on any server built in this process, for `sixfold://status`. */
export const registeredTools: string[] = [];

/** Tool calls still running; shutdown waits for them so an acknowledged write is never cut off. */
const inflight = new Set<Promise<unknown>>();

export async function drainToolCalls(timeoutMs: number): Promise<number> {
  if (!inflight.size) return 0;
  const pending = inflight.size;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...inflight]),
    new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
  ]);
  clearTimeout(timer);
  return pending;
}

/**
 * Registers one tool: the SDK validates input and output against the zod schemas; every thrown
 * error becomes an `isError` result with the message and hint, never a crash. Errors that are not
 * ours are logged with their stack (stderr) and shown to the caller without one.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(server: McpServer, deps: Deps, spec: ToolSpec<I, O>): void {
  if (!registeredTools.includes(spec.name)) registeredTools.push(spec.name);
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input,
      outputSchema: spec.output,
      annotations: { title: spec.title, ...spec.annotations },
    },
    (async (args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult> => {
      // A call that has to wait for the embedding model to load says so (progress stays below 1,
      // so a tool's own progress, counted from 1, still only increases).
      let waits = 0;
      const embedder = deps.store?.embedder;
      const call = embedder?.withProgress
        ? embedder.withProgress((message) => sendProgress(extra, ++waits / (waits + 1), undefined, message), () => spec.run(args, extra))
        : spec.run(args, extra);
      inflight.add(call);
      try {
        const { result, summary } = await call;
        return { structuredContent: result as Record<string, unknown>, content: [{ type: 'text', text: summary }] };
      } catch (err) {
        if (!(err instanceof SixfoldError)) deps.log.error({ err, tool: spec.name }, 'tool failed');
        const text = err instanceof SixfoldError ? err.describe() : `${spec.name} failed: ${describeError(err)}`;
        return { isError: true, content: [{ type: 'text', text }] };
      } finally {
        inflight.delete(call);
      }
    }) as never,
  );
}

/**
 * A tool's input object: unknown fields are refused (a typo such as `contnet` must not be
 * silently dropped), with a message listing the fields the tool accepts.
 */
export function toolInput<S extends z.ZodRawShape>(shape: S) {
  const accepted = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        return `Unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}: remove them. Accepted fields: ${accepted}.`;
      }
      if (iss.code === 'invalid_type') return `Arguments must be a JSON object with fields: ${accepted}.`;
      return undefined;
    },
  });
}

/** A progress notification, when the caller sent a progressToken (`total` left out when unknown). */
export function sendProgress(extra: ToolExtra, done: number, total: number | undefined, message: string): void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return;
  const params = total === undefined ? { progressToken: token, progress: done, message } : { progressToken: token, progress: done, total, message };
  void extra.sendNotification({ method: 'notifications/progress', params }).catch(() => {});
}

export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

/** Trims text for one-paragraph summaries. */
export function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
