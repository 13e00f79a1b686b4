import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SixfoldError } from './errors.js';
import { LOG_LEVELS } from './log.js';
import { TOOLS_HELP, unknownToolEntries } from './mcp/catalog.js';
import { isNodeId, parseNodeId } from './peer/node-id.js';
import { parseAddress } from './peer/transport.js';
import { BEHAVIORS, type Behavior } from './patterns/consensus/byzantine.js';

/** `$XDG_DATA_HOME/sixfold/sixfold.db`, else `~/.local/share/sixfold/sixfold.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'sixfold', 'sixfold.db');
}

const EmbedderSchema = z.discriminatedUnion('kind', [
  /** Feature-hashed words and trigrams: lexical ("car" does not find "automobile"), instant. */
  z.strictObject({ kind: z.literal('hash-384') }),
  /** Universal Sentence Encoder lite, 512 dims, run locally from weights inside node_modules. */
  z.strictObject({ kind: z.literal('use-lite') }),
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

/** A peer: `{id, address?}` in a config file; `ID@HOST:PORT` (or a bare `ID`) in flags and env. */
const PeerSchema = z.preprocess(
  (v) => (typeof v === 'string' ? peerFromText(v) : v),
  z.strictObject({
    id: z
      .string()
      .refine(
        isNodeId,
        'id must be a node id (36 characters A-Z 2-7 with check characters; `sixfold node-id --db PATH` prints it)',
      )
      .transform((v) => parseNodeId(v)),
    address: z
      .string()
      .refine((v) => parseAddress(v) !== undefined, 'address must be host:port, e.g. 10.0.0.2:7401')
      .optional(),
  }),
);

function peerFromText(v: string): unknown {
  const at = v.lastIndexOf('@');
  return at < 0 ? { id: v.trim() } : { id: v.slice(0, at).trim(), address: v.slice(at + 1).trim() };
}

export const ROUTER_POLICIES = ['cost', 'latency', 'quality', 'explicit'] as const;
export const BUILT_IN_PROVIDERS = ['anthropic', 'openai', 'gemini', 'ollama'] as const;

export const ConfigSchema = z
  .strictObject({
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
        session_idle_ms: z
          .number()
          .int()
          .min(1000)
          .default(30 * 60_000),
        max_body_bytes: z
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024),
        /** The web dashboard at / (and its read-only API under /api/). */
        dashboard: z.boolean().default(true),
        /** Prometheus metrics at /metrics. */
        metrics: z.boolean().default(true),
      })
      .prefault({}),
    /** Which tools (and the resources and prompts that go with them) a server registers. */
    tools: z
      .strictObject({
        /** Tool names and presets (memory, codegen, coordination, all). */
        enabled: z
          .array(z.string().min(1).max(64))
          .min(1, `name at least one tool or preset (${TOOLS_HELP})`)
          .max(64)
          .superRefine((entries, ctx) => {
            const bad = unknownToolEntries(entries);
            if (bad.length)
              ctx.addIssue({
                code: 'custom',
                message: `unknown ${bad.map((b) => `"${b.slice(0, 64)}"`).join(', ')}; accepted: ${TOOLS_HELP}`,
              });
          })
          .default(['all']),
      })
      .prefault({}),
    /**
     * Unset: a new database gets use-lite, and an existing one keeps the embedder it was built with
     * (see chooseEmbedderConfig). Set: that embedder, and a database built with another is refused.
     */
    embedder: EmbedderSchema.optional(),
    providers: z
      .record(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'provider names are 1-32 characters of a-z, 0-9, _ or -'), ProviderSchema)
      .default({}),
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
        working_ttl_seconds: z
          .number()
          .int()
          .min(1)
          .default(24 * 3600),
        /**
         * memory_store also folds a memory into one of its namespace at least this similar (cosine);
         * null (default): only the same normalised content counts as a duplicate.
         */
        dedup_threshold: z.number().min(0.5).max(1).nullable().default(null),
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
        max_doc_bytes: z
          .number()
          .int()
          .min(1024)
          .default(16 * 1024 * 1024),
      })
      .prefault({}),
    /** CRDT gossip between the nodes of the cluster (on when the cluster is). */
    gossip: z
      .strictObject({
        fanout: z.number().int().min(1).max(16).default(3),
        /** Anti-entropy period: every period each doc is compared with `fanout` random peers. */
        period_ms: z.number().int().min(50).max(3_600_000).default(1000),
        /** Push each local edit to every connected peer at once (off: anti-entropy rounds only). */
        push: z.boolean().default(true),
      })
      .prefault({}),
    /**
     * The cluster: this node's peer network (mutual TLS 1.3, node ids from key hashes). Off unless
     * `listen` or `peers` is set. Only the nodes in `peers` may connect (the allow-list).
     */
    cluster: z
      .strictObject({
        /** host:port to listen on for peers; unset: do not listen (dial out only). */
        listen: z
          .string()
          .refine((v) => parseAddress(v) !== undefined, 'cluster.listen is host:port, e.g. 127.0.0.1:7401 or [::1]:7401')
          .optional(),
        /** The other nodes: their node id (from `sixfold node-id`) and, to dial them, an address. */
        peers: z.array(PeerSchema).max(256).default([]),
        heartbeat_ms: z.number().int().min(50).max(600_000).default(2000),
        backoff_base_ms: z.number().int().min(10).default(250),
        backoff_max_ms: z.number().int().min(10).default(10_000),
        /** Largest frame accepted or sent (a larger incoming one closes the connection). */
        max_frame_bytes: z
          .number()
          .int()
          .min(1024)
          .max(1 << 30)
          .default(32 * 1024 * 1024),
        /** Bytes queued to one peer before sends are refused (backpressure). */
        queue_bytes: z
          .number()
          .int()
          .min(1024)
          .default(64 * 1024 * 1024),
        request_timeout_ms: z.number().int().min(10).max(600_000).default(5000),
      })
      .prefault({}),
    /**
     * byzantine_propose across the nodes of the cluster (n = peers + 1 >= 4): every node is one PBFT
     * replica. Timers are real time; every node should use the same values.
     */
    consensus: z
      .strictObject({
        /** A backup that waits this long for a pending request starts a view change (the primary may be down or lying). */
        view_change_timeout_ms: z.number().int().min(20).max(600_000).default(1000),
        /** Resend period for what peers may have missed (a connection dropped in between). */
        retransmit_ms: z.number().int().min(5).max(60_000).default(250),
        /** Timer resolution. */
        tick_ms: z.number().int().min(1).max(1000).default(10),
        /** A stable checkpoint every this many sequence numbers (garbage collection, state transfer). */
        checkpoint_interval: z.number().int().min(2).max(100_000).default(64),
        /** Sequence numbers accepted above the stable checkpoint (at least twice the checkpoint interval). */
        window: z.number().int().min(4).max(1_000_000).default(256),
        /** Requests the primary puts in one pre-prepare when they queue up. */
        batch_max: z.number().int().min(1).max(4096).default(64),
        /** Pre-prepares the primary keeps in flight before batching what arrives meanwhile. */
        max_inflight: z.number().int().min(1).max(256).default(4),
        /** byzantine_propose's wait for a certificate when timeout_ms is not given. */
        proposal_timeout_ms: z.number().int().min(50).max(600_000).default(10_000),
        /** Logs (byzantine_propose `cluster` names) one node holds at most. */
        max_logs: z.number().int().min(1).max(4096).default(64),
      })
      .refine((c) => c.window >= 2 * c.checkpoint_interval, {
        message: 'consensus.window must be at least twice consensus.checkpoint_interval',
        path: ['window'],
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, p] of Object.entries(cfg.providers)) {
      if (!(BUILT_IN_PROVIDERS as readonly string[]).includes(name) && !p.base_url) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', name, 'base_url'],
          message: `required for a provider that is not built in (${BUILT_IN_PROVIDERS.join(', ')})`,
        });
      }
    }
  });

/** Tests only: a node that lies to its consensus peers (SIXFOLD_TEST_FAULT, with --unsafe-test-faults). */
export interface TestFaultConfig {
  behavior: Behavior;
  delay_ms?: number;
}

export type Config = z.infer<typeof ConfigSchema> & { test_fault?: TestFaultConfig };
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
  clusterPort?: string;
  clusterHost?: string;
  peers?: string[];
  /** --unsafe-test-faults: SIXFOLD_TEST_FAULT may make this node lie (tests only). */
  unsafeTestFaults?: boolean;
  /** Removed flags, passed on so the loader can say what replaces them. */
  gossipPort?: string;
  gossipHost?: string;
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
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
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
  put('SIXFOLD_CLUSTER_LISTEN', ['cluster', 'listen']);
  put('SIXFOLD_PEERS', ['cluster', 'peers'], list);
  put('SIXFOLD_TOOLS', ['tools', 'enabled'], list);
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
  put(flags.peers?.length ? flags.peers : undefined, ['cluster', 'peers'], '--peer');
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
      throw new SixfoldError(
        'config',
        `Cannot read config file ${file}: ${(err as Error).message}.`,
        'Pass an existing JSON file to --config or SIXFOLD_CONFIG.',
      );
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
  refuseRemoved(flags, env, raw, file);
  const sources = [...envSources(env), ...flagSources(flags)];
  const merged = structuredClone(raw);
  for (const s of sources) setPath(merged, s.path, s.value);
  if (merged.db === undefined) merged.db = defaultDbPath(env);
  const listen = clusterListenFromFlags(flags, merged);
  if (listen !== undefined) {
    setPath(merged, ['cluster', 'listen'], listen);
    sources.push({
      path: ['cluster', 'listen'],
      value: listen,
      from: flags.clusterPort !== undefined ? '--cluster-port' : '--cluster-host',
    });
  }

  const parsed = ConfigSchema.safeParse(merged);
  if (parsed.success) {
    const fault = testFault(flags, env);
    return fault ? { ...parsed.data, test_fault: fault } : parsed.data;
  }
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

/** Default cluster port when only --cluster-host is given. */
export const DEFAULT_CLUSTER_PORT = 7401;

/** cluster.listen from --cluster-port / --cluster-host over what the file and env set. */
function clusterListenFromFlags(flags: ConfigFlags, merged: Record<string, unknown>): string | undefined {
  if (flags.clusterPort === undefined && flags.clusterHost === undefined) return undefined;
  const cur = (merged.cluster as { listen?: unknown } | undefined)?.listen;
  const had = typeof cur === 'string' ? parseAddress(cur) : undefined;
  let port = had?.port ?? DEFAULT_CLUSTER_PORT;
  if (flags.clusterPort !== undefined) {
    if (!/^\d{1,5}$/.test(flags.clusterPort.trim()) || Number(flags.clusterPort) > 65535) {
      throw new SixfoldError(
        'config',
        `--cluster-port "${flags.clusterPort.slice(0, 20)}" is not a port number.`,
        'Send 0-65535 (0 picks a free port).',
      );
    }
    port = Number(flags.clusterPort);
  }
  const host = (flags.clusterHost ?? had?.host ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const REMOVED_GOSSIP_KEYS: Record<string, string> = {
  port: 'cluster.listen ("host:port"; flag --cluster-port N)',
  host: 'cluster.listen ("host:port"; flag --cluster-host HOST)',
  peers: 'cluster.peers ([{"id": NODE_ID, "address": "host:port"}]; flag --peer NODE_ID@HOST:PORT)',
  backoff_base_ms: 'cluster.backoff_base_ms',
  backoff_max_ms: 'cluster.backoff_max_ms',
  max_frame_bytes: 'cluster.max_frame_bytes',
  token: 'cluster.peers: peers are admitted by node id (mutual TLS), not by a shared token',
};

/** Options of the WebSocket gossip that the cluster replaced: one line each on what to use now. */
function refuseRemoved(flags: ConfigFlags, env: NodeJS.ProcessEnv, raw: Record<string, unknown>, file: string | undefined): void {
  const gone = (what: string, instead: string) =>
    new SixfoldError('config', `${what} was removed: gossip now runs on the cluster's peer network; use ${instead}.`);
  if (flags.gossipPort !== undefined)
    throw gone('--gossip-port', '--cluster-port N (and --peer NODE_ID@HOST:PORT for each other node)');
  if (flags.gossipHost !== undefined) throw gone('--gossip-host', '--cluster-host HOST');
  if (env.SIXFOLD_GOSSIP_PORT) throw gone('SIXFOLD_GOSSIP_PORT', 'SIXFOLD_CLUSTER_LISTEN=host:port or --cluster-port N');
  if (env.SIXFOLD_GOSSIP_HOST) throw gone('SIXFOLD_GOSSIP_HOST', 'SIXFOLD_CLUSTER_LISTEN=host:port or --cluster-host HOST');
  const wsPeer = (list: unknown[] | undefined) =>
    list?.find((p) => typeof p === 'string' && /^wss?:\/\//i.test(p.trim())) as string | undefined;
  const fromEnv = env.SIXFOLD_PEERS?.split(',');
  const ws = wsPeer(flags.peers) ?? wsPeer(fromEnv);
  if (ws !== undefined) {
    const flag = wsPeer(flags.peers) !== undefined;
    throw gone(
      flag ? '--peer ws://HOST:PORT' : 'SIXFOLD_PEERS=ws://HOST:PORT',
      `${flag ? '--peer ' : 'SIXFOLD_PEERS='}NODE_ID@HOST:PORT (peers are named by node id; \`sixfold node-id\` prints it on that node)`,
    );
  }
  const g = raw.gossip;
  if (g && typeof g === 'object' && !Array.isArray(g)) {
    for (const key of Object.keys(g)) {
      if (Object.hasOwn(REMOVED_GOSSIP_KEYS, key))
        throw gone(`Config key "gossip.${key}" (in ${file})`, REMOVED_GOSSIP_KEYS[key]);
    }
  }
}

/**
 * SIXFOLD_TEST_FAULT=<behavior>[:<delay ms>] makes this node a lying PBFT replica, for tests of
 * the protocol across processes. Only from the environment (never a config file) and only with
 * --unsafe-test-faults on the command line too, so it cannot be switched on by accident.
 */
function testFault(flags: ConfigFlags, env: NodeJS.ProcessEnv): TestFaultConfig | undefined {
  const raw = env.SIXFOLD_TEST_FAULT?.trim();
  if (!raw) return undefined;
  if (!flags.unsafeTestFaults) {
    throw new SixfoldError(
      'config',
      'SIXFOLD_TEST_FAULT is set: it makes this node lie to its consensus peers, for tests only, and needs --unsafe-test-faults as well.',
      'Unset SIXFOLD_TEST_FAULT (normal use), or add --unsafe-test-faults in a test.',
    );
  }
  const [behavior, delay, ...rest] = raw.split(':');
  if (!(BEHAVIORS as readonly string[]).includes(behavior) || rest.length || (delay !== undefined && !/^\d{1,6}$/.test(delay))) {
    throw new SixfoldError(
      'config',
      `SIXFOLD_TEST_FAULT "${raw.slice(0, 40)}" is not a fault.`,
      `Send one of ${BEHAVIORS.join(', ')}, optionally with ":<delay ms>" (e.g. delay:200).`,
    );
  }
  return { behavior: behavior as Behavior, ...(delay !== undefined ? { delay_ms: Number(delay) } : {}) };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Whether this server takes part in a cluster: it listens for peers or names some. */
export function clusterEnabled(config: Config): boolean {
  return config.cluster.listen !== undefined || config.cluster.peers.length > 0;
}
