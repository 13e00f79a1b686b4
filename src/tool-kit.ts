import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type {
  CallToolResult,
  ResourceLink,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import type { Deps } from './deps.js';
import { SixfoldError, describeError, echo, unknownKeys } from './errors.js';
import { PROTO_KEYS_META } from './proto-keys.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
  /**
   * Returns the structured result, a one-paragraph summary for clients that show text only, and
   * links to the resources the call made or changed (sent as resource_link content).
   */
  run(args: z.infer<I>, extra: ToolExtra): Promise<{ result: z.infer<O>; summary: string; links?: ResourceLink[] }>;
}

/** Tool names registered on any server built in this process, for `sixfold://status`. */
export const registeredTools: string[] = [];

/**
 * Largest arguments a call may carry, as JSON text in UTF-8 (as JSON.stringify writes it). Below
 * the stdio read cap (10 MiB) with room for the JSON-RPC envelope, so no call a tool accepts can
 * be cut off by the transport; each tool's per-field limits are in docs/tools.
 */
export const MAX_ARGUMENT_BYTES = 8 * 1024 * 1024;

/** Refusals every tool shares, checked before it runs: "__proto__" keys (see proto-keys.ts) and the size cap. */
function sharedRefusal(name: string, accepted: string[], args: unknown, extra: ToolExtra): string | undefined {
  const marked = extra._meta?.[PROTO_KEYS_META];
  if (Array.isArray(marked) && marked.length) {
    const paths = marked.filter((p): p is string => typeof p === 'string');
    const nested = paths.filter((p) => p !== 'arguments');
    const parts: string[] = [];
    if (paths.includes('arguments'))
      parts.push(`Unknown field(s) "__proto__": remove them. Accepted fields: ${accepted.join(', ')}.`);
    if (nested.length)
      parts.push(
        `The key "__proto__" is not accepted inside ${nested.map((p) => echo(p.replace(/^arguments\./, ''), 80)).join(', ')}: rename or remove it (JavaScript objects cannot hold it as data).`,
      );
    return `MCP error -32602: Input validation error: Invalid arguments for tool ${name}: ${parts.join(' ')}`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(args ?? {}));
  if (bytes > MAX_ARGUMENT_BYTES) {
    return `MCP error -32602: Input validation error: Invalid arguments for tool ${name}: the arguments are ${bytes} bytes as JSON, over the ${MAX_ARGUMENT_BYTES}-byte (8 MiB) limit per call. Split the work over several calls.`;
  }
  return undefined;
}

/** Tool calls still running; shutdown waits for them so an acknowledged write is never cut off. */
const inflight = new Set<Promise<unknown>>();

export async function drainToolCalls(timeoutMs: number): Promise<number> {
  if (!inflight.size) return 0;
  const pending = inflight.size;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...inflight]),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return pending;
}

/**
 * Registers one tool: the SDK validates input and output against the zod schemas; every thrown
 * error becomes an `isError` result with the message and hint, never a crash. Errors that are not
 * ours are logged with their stack (stderr) and shown to the caller without one.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  deps: Deps,
  spec: ToolSpec<I, O>,
): void {
  if (!registeredTools.includes(spec.name)) registeredTools.push(spec.name);
  const accepted = Object.keys(spec.input.shape);
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input,
      outputSchema: spec.output,
      annotations: spec.annotations,
    },
    (async (args: z.infer<I>, extra: ToolExtra): Promise<CallToolResult> => {
      const started = performance.now();
      const count = (ok: boolean) => deps.metrics?.toolCall(spec.name, ok, (performance.now() - started) / 1000);
      const refused = sharedRefusal(spec.name, accepted, args, extra);
      if (refused) {
        count(false);
        return { isError: true, content: [{ type: 'text', text: refused }] };
      }
      // A call that has to wait for the embedding model to load says so (progress stays below 1,
      // so a tool's own progress, counted from 1, still only increases).
      let waits = 0;
      const embedder = deps.store?.embedder;
      const call = embedder?.withProgress
        ? embedder.withProgress(
            (message) => sendProgress(extra, ++waits / (waits + 1), undefined, message),
            () => spec.run(args, extra),
          )
        : spec.run(args, extra);
      inflight.add(call);
      let ok = false;
      try {
        const { result, summary, links = [] } = await call;
        ok = true;
        return { structuredContent: result as Record<string, unknown>, content: [{ type: 'text', text: summary }, ...links] };
      } catch (err) {
        if (!(err instanceof SixfoldError)) deps.log.error({ err, tool: spec.name }, 'tool failed');
        const text = err instanceof SixfoldError ? err.describe() : `${spec.name} failed: ${describeError(err)}`;
        return { isError: true, content: [{ type: 'text', text }] };
      } finally {
        inflight.delete(call);
        count(ok);
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
        return `Unknown field(s) ${unknownKeys(iss.keys)}: remove them. Accepted fields: ${accepted}.`;
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
  const params =
    total === undefined
      ? { progressToken: token, progress: done, message }
      : { progressToken: token, progress: done, total, message };
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
