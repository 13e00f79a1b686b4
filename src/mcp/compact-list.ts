import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * Every client pays for tools/list in its context window, so the list leaves out what tells a
 * model nothing: the draft-07 `$schema` URL on every schema, `execution: {taskSupport:
 * "forbidden"}` (the default), `propertyNames: {type: "string"}` (JSON keys are strings), the
 * ±2^53 bounds zod puts on every integer, `additionalProperties: {}` (any value: the default), and
 * `additionalProperties: false` on output schemas (they describe what we send; input schemas
 * keep it, since unknown input fields are refused), and an output enum the tool's input schema
 * already lists (tier, mode).
 */
const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Every string enum in a schema, as JSON, so an output schema can drop the ones its input lists. */
function enumsOf(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => enumsOf(n, into));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum') into.add(JSON.stringify(v));
      else enumsOf(v, into);
    }
  }
  return into;
}

function compactSchema(node: unknown, output: boolean, inputEnums?: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => compactSchema(n, output, inputEnums));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue;
    if (k === 'enum' && inputEnums?.has(JSON.stringify(v))) continue;
    if (k === 'propertyNames' && JSON.stringify(v) === '{"type":"string"}') continue;
    if ((k === 'minimum' && v === -SAFE_INT) || (k === 'maximum' && v === SAFE_INT)) continue;
    if (output && k === 'additionalProperties' && v === false) continue;
    if (k === 'additionalProperties' && v && typeof v === 'object' && !Object.keys(v).length) continue; // {}: anything, the default
    out[k] = typeof v === 'object' ? compactSchema(v, output, inputEnums) : v;
  }
  return out;
}

export function compactTool(tool: Record<string, unknown>): Record<string, unknown> {
  const { execution, inputSchema, outputSchema, ...rest } = tool;
  const t: Record<string, unknown> = { ...rest, inputSchema: compactSchema(inputSchema, false) };
  if (outputSchema !== undefined) t.outputSchema = compactSchema(outputSchema, true, enumsOf(inputSchema));
  const task = (execution as { taskSupport?: string } | undefined)?.taskSupport;
  if (execution !== undefined && task !== undefined && task !== 'forbidden') t.execution = execution;
  return t;
}

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/**
 * Wraps the SDK's tools/list handler (call once every tool is registered). The SDK has no hook for
 * this, so it reaches its handler table; if that ever moves, the list is simply left as it is.
 */
export function compactToolsList(server: McpServer): boolean {
  const table = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
  if (!(table instanceof Map)) return false;
  const list = table.get('tools/list') as Handler | undefined;
  if (typeof list !== 'function') return false;
  table.set('tools/list', async (request: unknown, extra: unknown) => {
    const r = (await list(request, extra)) as { tools?: Array<Record<string, unknown>> };
    return Array.isArray(r.tools) ? { ...r, tools: r.tools.map(compactTool) } : r;
  });
  return true;
}
