/**
 * Small assertions over MCP tool calls and resources, shared by the e2e tests. They go through the
 * SDK's real Client; nothing of the server is imported.
 */
import { expect } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { resourceJson } from './server.js';

export interface StoreResult {
  id: string;
  namespace: string;
  tier: 'working' | 'long_term' | 'flashbulb';
  tags: string[];
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  deduplicated: boolean;
  similarity?: number;
}

/** A memory as memory_get, memory_update and memory_list return it. */
export interface MemoryOut {
  id: string;
  namespace: string;
  content: string;
  tier: 'working' | 'long_term' | 'flashbulb';
  salience: number;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

export interface SearchHit {
  id: string;
  content: string;
  score: number;
  namespace: string;
  tier: string;
  salience: number;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface SearchResult {
  results: SearchHit[];
  mode: 'hybrid' | 'vector' | 'keyword';
  elapsed_ms: number;
}

export interface CallOutcome {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

/** Calls a tool and returns whether it failed, its first text content and its structuredContent. */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallOutcome> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as Array<{ type: string; text?: string }>;
  expect(Array.isArray(content)).toBe(true);
  expect(content[0]?.type).toBe('text');
  return {
    isError: r.isError === true,
    text: content[0]?.text ?? '',
    structured: r.structuredContent as Record<string, unknown> | undefined,
  };
}

/** A tool call that must succeed; returns its structuredContent. */
export async function callOk<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await call(client, name, args);
  if (r.isError) throw new Error(`${name}(${JSON.stringify(args).slice(0, 200)}) failed: ${r.text}`);
  expect(typeof r.text).toBe('string');
  expect(r.text.length).toBeGreaterThan(0);
  expect(r.structured).toBeDefined();
  return r.structured as T;
}

/** A tool call that must fail with isError and no structured result; returns the error text. */
export async function callErr(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await call(client, name, args);
  if (!r.isError) throw new Error(`${name}(${JSON.stringify(args).slice(0, 200)}) was expected to fail but returned: ${r.text}`);
  expect(r.structured).toBeUndefined();
  expect(r.text.length).toBeGreaterThan(0);
  return r.text;
}

export const store = (client: Client, args: Record<string, unknown>) => callOk<StoreResult>(client, 'memory_store', args);
export const search = (client: Client, args: Record<string, unknown>) => callOk<SearchResult>(client, 'memory_search', args);

/** Checks `value` against a JSON Schema with the same validator the SDK client uses. */
export function expectMatchesSchema(schema: unknown, value: unknown): void {
  const validate = new AjvJsonSchemaValidator().getValidator(schema as never);
  const r = validate(value);
  expect(r.errorMessage, `value ${JSON.stringify(value).slice(0, 300)} does not match schema`).toBeUndefined();
  expect(r.valid).toBe(true);
}

export interface Status {
  name: string;
  version: string;
  db: string;
  embedder: { id: string; dims: number };
  counts: { memories: number; by_tier: Record<string, number>; by_namespace: Record<string, number> };
  tools: string[];
}

export async function readStatus(client: Client): Promise<Status> {
  return resourceJson<Status>(await client.readResource({ uri: 'sixfold://status' }));
}

export interface NamespacePage {
  namespace: string;
  memories: Array<{ id: string; namespace: string; content: string; tier: string; created_at: string }>;
  next_cursor: string | null;
  next: string | null;
}

export async function readNamespace(client: Client, uri: string): Promise<NamespacePage> {
  return resourceJson<NamespacePage>(await client.readResource({ uri }));
}

/** Follows `next` from `uri` until it is null; returns every page. */
export async function readAllPages(client: Client, uri: string, maxPages = 1000): Promise<NamespacePage[]> {
  const pages: NamespacePage[] = [];
  let next: string | null = uri;
  while (next) {
    if (pages.length >= maxPages) throw new Error(`more than ${maxPages} pages from ${uri}`);
    const page = await readNamespace(client, next);
    pages.push(page);
    next = page.next;
  }
  return pages;
}

/** Every tool the server registers, sorted: one list to update when a tool is added. */
export const TOOL_NAMES = [
  'aggregate',
  'apply_edit',
  'byzantine_propose',
  'crdt_merge',
  'crdt_read',
  'generate_code',
  'gossip_status',
  'list_agents',
  'memory_delete',
  'memory_get',
  'memory_list',
  'memory_search',
  'memory_store',
  'memory_update',
  'multi_model_vote',
  'record_outcome',
  'spawn_ephemeral',
  'terminate_agent',
  'verify_certificate',
];

/** The memory preset (SIXFOLD_TOOLS=memory), sorted. */
export const MEMORY_TOOL_NAMES = ['memory_delete', 'memory_get', 'memory_list', 'memory_search', 'memory_store', 'memory_update'];

export interface WireProgress {
  progressToken: string | number;
  progress: number;
  total?: number;
  message?: string;
}

export interface ProgressTap {
  /** Every notifications/progress the transport received, in arrival order. */
  all: WireProgress[];
  /** The progressToken of the most recent tools/call the client sent with one. */
  lastToken(): string | number | undefined;
  /** The notifications for the most recent tools/call that carried a progressToken. */
  forLastCall(): WireProgress[];
}

/**
 * Records progress notifications as they arrive on a connected client's transport, before the SDK
 * dispatches them. The SDK client dispatches notifications a microtask late but responses at once,
 * so progress that arrives in the same read as the response is dropped before `onprogress` sees it
 * (modelcontextprotocol/typescript-sdk#2580); what the server sent is what this records.
 */
export function tapProgress(transport: Transport): ProgressTap {
  const all: WireProgress[] = [];
  let last: string | number | undefined;
  const onmessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const m = message as { method?: string; params?: WireProgress };
    if (m.method === 'notifications/progress' && m.params) all.push(m.params);
    onmessage?.call(transport, message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const m = message as { method?: string; params?: { _meta?: { progressToken?: string | number } } };
    const token = m.params?._meta?.progressToken;
    if (m.method === 'tools/call' && token !== undefined) last = token;
    return send(message, options);
  };
  return {
    all,
    lastToken: () => last,
    forLastCall: () => all.filter((p) => last !== undefined && p.progressToken === last),
  };
}
