import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SixfoldError } from './errors.js';
import { LOG_LEVELS } from './log.js';

/** `$XDG_DATA_HOME/sixfold/sixfold.db`, else `~/.local/share/sixfold/sixfold.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'sixfold', 'sixfold.db');
}

const EmbedderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('hash-384') }),
  z.strictObject({
    kind: z.literal('openai-compatible'),
    /** OpenAI by default; Ollama is `http://127.0.0.1:11434/v1` with model `nomic-embed-text`. */
    base_url: z.url().default('https://api.openai.com/v1'),
    model: z.string().min(1).default('text-embedding-3-small'),
    /** Name of the env var holding the key; the key itself never sits in the config object. */
    api_key_env: z.string().min(1).default('OPENAI_API_KEY'),
    /** Vector length; learned from the first response when omitted. */
    dimensions: z.number().int().min(8).max(8192).optional(),
    batch_size: z.number().int().min(1).max(2048).default(128),
    timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
  }),
]);

/** One LLM provider; built-ins (anthropic, openai, gemini, ollama) fill unset fields with defaults. */
const ProviderSchema = z.strictObject({
  kind: z.enum(['anthropic', 'openai-compatible']).optional(),
  base_url: z.url().optional(),
  /** Name of the env var holding the key; omit for local servers that take none. */
  api_key_env: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  /** USD per million input / output tokens. */
  price_input: z.number().min(0).optional(),
  price_output: z.number().min(0).optional(),
  tier: z.number().int().min(1).max(3).optional(),
  enabled: z.boolean().optional(),
});

export const ROUTER_POLICIES = ['cost', 'latency', 'quality', 'explicit'] as const;
export const BUILT_IN_PROVIDERS = ['anthropic', 'openai', 'gemini', 'ollama'] as const;

export const ConfigSchema = z.strictObject({
  db: z.string().min(1),
  transport: z.enum(['stdio', 'http']).default('stdio'),
  log_level: z.enum(LOG_LEVELS).default('info'),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7400),
      /** Bearer token; required to bind anything but loopback. */
      token: z.string().min(16, 'http.token must be at least 16 characters').optional(),
      /** Extra Host header values to accept besides the bound host and loopback names. */
      allowed_hosts: z.array(z.string().min(1)).default([]),
      /** Browser origins allowed to call /mcp; requests without Origin are always allowed. */
      allowed_origins: z.array(z.string().min(1)).default([]),
      session_idle_ms: z.number().int().min(1000).default(30 * 60_000),
      max_body_bytes: z.number().int().min(1024).default(4 * 1024 * 1024),
      /** The web dashboard at / (and its read-only API under /api/). */
      dashboard: z.boolean().default(true),
      /** Prometheus metrics at /metrics. */
      metrics: z.boolean().default(true),
    })
    .prefault({}),
  embedder: EmbedderSchema.default({ kind: 'hash-384' }),
  providers: z.record(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'provider names are 1-32 characters of a-z, 0-9, _ or -'), ProviderSchema).default({}),
  router: z
    .strictObject({
      policy: z.enum(ROUTER_POLICIES).default('cost'),
      /** The provider the `explicit` policy uses. */
      provider: z.string().min(1).optional(),
      min_tier: z.number().int().min(1).max(3).default(1),
      timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
      retries: z.number().int().min(0).max(10).default(2),
      backoff_base_ms: z.number().int().min(1).default(250),
      backoff_max_ms: z.number().int().min(1).default(8_000),
      breaker_failures: z.number().int().min(1).default(5),
      breaker_cooldown_ms: z.number().int().min(100).default(30_000),
    })
    .prefault({}),
  memory: z
    .strictObject({
      /** How often expired memories are deleted (they are never returned once expired). */
      purge_interval_ms: z.number().int().min(1000).default(60_000),
      working_ttl_seconds: z.number().int().min(1).default(24 * 3600),
    })
    .prefault({}),
  /** generate_code / record_outcome: the ReasoningBank loop. */
  codegen: z
    .strictObject({
      /** Cosine from which a task that already succeeded (same language and context) is answered from memory. */
      repeat_threshold: z.number().min(0).max(1).default(0.92),
      /** A remembered solution is served only while its confidence is at least this. */
      repeat_min_confidence: z.number().min(0).max(1).default(0.6),
      /** Consolidate a namespace after this many new memory items. */
      consolidate_every: z.number().int().min(1).default(20),
      /** Items of one kind and language at least this similar are merged. */
      merge_threshold: z.number().min(0).max(1).default(0.87),
      /** Items below this confidence are pruned by consolidation. */
      prune_confidence: z.number().min(0).max(1).default(0.3),
      /** Items unused for this many days are pruned by consolidation. */
      prune_unused_days: z.number().min(1).default(180),
      /** Memories injected into a prompt. */
      top_k: z.number().int().min(0).max(10).default(3),
      /** Memories less similar than this to the task are never injected. */
      min_similarity: z.number().min(0).max(1).default(0.3),
      max_tokens: z.number().int().min(64).max(32_000).default(4096),
    })
    .prefault({}),
  /** crdt_merge / crdt_read: Yjs documents in SQLite. */
  crdt: z
    .strictObject({
      /** Fold a doc's update log into its stored state after this many updates. */
      compact_every: z.number().int().min(1).max(100_000).default(100),
      /** Documents kept loaded in memory (the rest reload from SQLite on use). */
      cache_docs: z.number().int().min(1).max(100_000).default(64),
      /** A merge that would grow a document past this many encoded bytes is refused. */
      max_doc_bytes: z.number().int().min(1024).default(16 * 1024 * 1024),
    })
    .prefault({}),
  /** Gossip between sixfold processes over WebSocket (off unless a port or a peer is set). */
  gossip: z
    .strictObject({
      /** Listen for peers on this port (0 picks a free one); unset: do not listen. */
      port: z.number().int().min(0).max(65535).optional(),
      /** Bind address; anything but loopback needs http.token (peers then send it as a bearer token). */
      host: z.string().min(1).default('127.0.0.1'),
      /** Peers to connect to, e.g. ws://10.0.0.2:7401 (reconnected with backoff). */
      peers: z.array(z.string().regex(/^wss?:\/\/[^\s/]+(\/\S*)?$/, 'peers are ws://host:port (or wss://) URLs')).max(64).default([]),
      fanout: z.number().int().min(1).max(16).default(3),
      /** Anti-entropy period: every period each doc is compared with `fanout` random peers. */
      period_ms: z.number().int().min(50).max(3_600_000).default(1000),
      backoff_base_ms: z.number().int().min(10).default(250),
      backoff_max_ms: z.number().int().min(10).default(10_000),
      /** Largest gossip frame accepted (a larger one closes the connection). */
      max_frame_bytes: z.number().int().min(1024).default(32 * 1024 * 1024),
    })
    .prefault({}),
}).superRefine((cfg, ctx) => {
  for (const [name, p] of Object.entries(cfg.providers)) {
    if (!(BUILT_IN_PROVIDERS as readonly string[]).includes(name) && !p.base_url) {
      ctx.addIssue({ code: 'custom', path: ['providers', name, 'base_url'], message: `required for a provider that is not built in (${BUILT_IN_PROVIDERS.join(', ')})` });
    }
  }
});

export type Config = z.infer<typeof ConfigSchema>;
export type EmbedderConfig = z.infer<typeof EmbedderSchema>;
export type ProviderConfig = z.infer<typeof ProviderSchema>;
export type RouterConfig = Config['router'];

/** Flags the CLI understood, already typed; undefined means "not given". */
export interface ConfigFlags {
  config?: string;
  db?: string;
  transport?: string;
  host?: string;
  port?: string;
  logLevel?: string;
  gossipPort?: string;
  gossipHost?: string;
  peers?: string[];
}

type Source = { path: string[]; value: unknown; from: string };

function intOrRaw(v: string): unknown {
  return /^-?\d+$/.test(v.trim()) ? Number(v) : v;
}

function envSources(env: NodeJS.ProcessEnv): Source[] {
  const out: Source[] = [];
  const put = (name: string, path: string[], conv: (v: string) => unknown = (v) => v) => {
    const v = env[name];
    if (v !== undefined && v !== '') out.push({ path, value: conv(v), from: name });
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  put('SIXFOLD_DB', ['db']);
  put('SIXFOLD_TRANSPORT', ['transport']);
  put('SIXFOLD_LOG_LEVEL', ['log_level']);
  put('SIXFOLD_HOST', ['http', 'host']);
  put('SIXFOLD_PORT', ['http', 'port'], intOrRaw);
  put('SIXFOLD_HTTP_TOKEN', ['http', 'token']);
  put('SIXFOLD_ALLOWED_HOSTS', ['http', 'allowed_hosts'], list);
  put('SIXFOLD_ALLOWED_ORIGINS', ['http', 'allowed_origins'], list);
  put('SIXFOLD_EMBEDDER', ['embedder', 'kind']);
  put('SIXFOLD_EMBED_BASE_URL', ['embedder', 'base_url']);
  put('SIXFOLD_EMBED_MODEL', ['embedder', 'model']);
  put('SIXFOLD_EMBED_API_KEY_ENV', ['embedder', 'api_key_env']);
  put('SIXFOLD_EMBED_DIMENSIONS', ['embedder', 'dimensions'], intOrRaw);
  put('SIXFOLD_ROUTER_POLICY', ['router', 'policy']);
  put('SIXFOLD_ROUTER_PROVIDER', ['router', 'provider']);
  put('SIXFOLD_GOSSIP_PORT', ['gossip', 'port'], intOrRaw);
  put('SIXFOLD_GOSSIP_HOST', ['gossip', 'host']);
  put('SIXFOLD_PEERS', ['gossip', 'peers'], list);
  return out;
}

function flagSources(flags: ConfigFlags): Source[] {
  const out: Source[] = [];
  const put = (v: unknown, path: string[], from: string) => {
    if (v !== undefined) out.push({ path, value: v, from });
  };
  put(flags.db, ['db'], '--db');
  put(flags.transport, ['transport'], '--transport');
  put(flags.host, ['http', 'host'], '--host');
  put(flags.port === undefined ? undefined : intOrRaw(flags.port), ['http', 'port'], '--port');
  put(flags.logLevel, ['log_level'], '--log-level');
  put(flags.gossipPort === undefined ? undefined : intOrRaw(flags.gossipPort), ['gossip', 'port'], '--gossip-port');
  put(flags.gossipHost, ['gossip', 'host'], '--gossip-host');
  put(flags.peers?.length ? flags.peers : undefined, ['gossip', 'peers'], '--peer');
  return out;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/**
 * The one config loader: defaults <- JSON file (`--config` or SIXFOLD_CONFIG) <- env <- flags.
 * Errors name the key, where its value came from, and what is accepted.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const file = flags.config ?? env.SIXFOLD_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SixfoldError('config', `Cannot read config file ${file}: ${(err as Error).message}.`, 'Pass an existing JSON file to --config or SIXFOLD_CONFIG.');
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new SixfoldError('config', `Config file ${file} is not valid JSON: ${(err as Error).message}.`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new SixfoldError('config', `Config file ${file} must hold a JSON object.`);
    }
  }
  const sources = [...envSources(env), ...flagSources(flags)];
  const merged = structuredClone(raw);
  for (const s of sources) setPath(merged, s.path, s.value);
  if (merged.db === undefined) merged.db = defaultDbPath(env);

  const parsed = ConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key is reported on its parent object; name the key itself.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const key = path.join('.') || '(root)';
  // A list value (--peer, a comma list in env) is reported by element: match its parent too.
  const src = [...sources].reverse().find((s) => s.path.join('.') === key || key.startsWith(`${s.path.join('.')}.`));
  const where = src ? src.from : file ? `config file ${file}` : 'defaults';
  const extra = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new SixfoldError('config', `Invalid config key "${key}" from ${where}: ${issue.message}${extra}.`);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
