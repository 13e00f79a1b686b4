import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput, unknownKeys } from '../src/errors.js';
import { namespaceField } from '../src/mcp/fields.js';
import { lazy } from '../src/lazy.js';
import type { AggregateResult, OpValue } from '../src/patterns/aggregate/aggregate.js';
import { MAX_FANOUT, MIN_FANOUT } from '../src/patterns/aggregate/limits.js';
import { OP_HELP } from '../src/patterns/aggregate/ops.js';
import {
  DISTRIBUTIONS,
  numberSource,
  simulatedSource,
  stringSource,
  type ChunkSource,
} from '../src/patterns/aggregate/sources.js';
import { clip, defineTool, elapsedMs, toolInput, type ToolExtra, sendProgress } from '../src/tool-kit.js';

/** The engine, loaded on the first call (DDSketch and the tree stay out of start-up). */
const engine = lazy(async () => {
  const [agg, gossip, memory] = await Promise.all([
    import('../src/patterns/aggregate/aggregate.js'),
    import('../src/patterns/aggregate/gossip.js'),
    import('../src/patterns/aggregate/memory-source.js'),
  ]);
  return {
    aggregate: agg.aggregate,
    readOp: agg.readOp,
    DEFAULT_FANOUT: agg.DEFAULT_FANOUT,
    MAX_ROUNDS: gossip.MAX_ROUNDS,
    readMemoryField: memory.readMemoryField,
  };
});

/** The cluster client, loaded on the first cluster call (the peer layer's framing: msgpackr). */
const clusterClient = lazy(async () => {
  const [node, network, cluster] = await Promise.all([
    import('../src/cluster/aggregate-node.js'),
    import('../src/peer/network.js'),
    import('../src/patterns/aggregate/cluster.js'),
  ]);
  return {
    runClusterAggregate: node.runClusterAggregate,
    clusterOff: network.clusterOff,
    DEFAULT_CLUSTER_TIMEOUT_MS: cluster.DEFAULT_CLUSTER_TIMEOUT_MS,
    heapHeight: cluster.heapHeight,
  };
});

const MAX_VALUES = 1_000_000;
const MAX_AGENTS = 10_000_000;
const MAX_STRING = 256;

const int = (name: string) => z.number({ error: `${name} must be a whole number` }).int(`${name} must be a whole number`);

const simulateInput = z.strictObject(
  {
    agents: int('simulate.agents')
      .min(1, 'simulate.agents must be at least 1')
      .max(MAX_AGENTS, `simulate.agents must be at most ${MAX_AGENTS}`),
    distribution: z.enum(DISTRIBUTIONS, { error: `simulate.distribution must be one of ${DISTRIBUTIONS.join(', ')}` }),
    seed: int('simulate.seed')
      .min(0, 'simulate.seed must be 0 or more')
      .max(2 ** 32 - 1, 'simulate.seed must be below 2^32')
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `simulate has unknown field(s) ${unknownKeys(iss.keys)}; it takes agents, distribution, seed`
        : 'simulate must be an object {agents, distribution, seed?}',
  },
);

const memoryInput = z.strictObject(
  {
    namespace: namespaceField,
    field: z
      .string({ error: 'memory.field must be a string' })
      .min(1, 'memory.field is empty; name a numeric metadata key')
      .max(200, 'memory.field is over 200 characters'),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `memory has unknown field(s) ${unknownKeys(iss.keys)}; it takes namespace, field`
        : 'memory must be an object {namespace, field}',
  },
);

const VALUE_RULE = `values must be numbers, or strings of at most ${MAX_STRING} characters`;

/**
 * values is checked in one pass that stops at the first bad item: zod would make one issue per bad
 * item, and a million of them took 19 s and 1.2 GB. The JSON Schema still says what an item is.
 */
const valuesField = z
  .array(z.unknown(), { error: 'values must be an array of numbers or of strings' })
  .min(1, 'values is empty; send at least one value')
  .max(MAX_VALUES, `values has more than ${MAX_VALUES} items; use simulate for larger runs`)
  .superRefine((v, ctx) => {
    const i = v.findIndex((x) => !(typeof x === 'number' || (typeof x === 'string' && x.length <= MAX_STRING)));
    if (i >= 0) {
      const what =
        typeof v[i] === 'string'
          ? `a string of ${(v[i] as string).length} characters`
          : v[i] === null
            ? 'null'
            : Array.isArray(v[i])
              ? 'an array'
              : typeof v[i] === 'object'
                ? 'an object'
                : `a ${typeof v[i]}`;
      ctx.addIssue({ code: 'custom', path: [i], message: `values[${i}] is ${what}: ${VALUE_RULE}` });
    }
  })
  .meta({ items: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: MAX_STRING }] } });

const clusterInput = z.strictObject(
  {
    namespace: namespaceField,
    field: z
      .string({ error: 'cluster.field must be a string' })
      .min(1, 'cluster.field is empty; name a numeric metadata key')
      .max(200, 'cluster.field is over 200 characters'),
    timeout_ms: int('cluster.timeout_ms')
      .min(50, 'cluster.timeout_ms must be at least 50')
      .max(60_000, 'cluster.timeout_ms must be at most 60000')
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `cluster has unknown field(s) ${iss.keys.join(', ')}; it takes namespace, field, timeout_ms`
        : 'cluster must be an object {namespace, field, timeout_ms?}',
  },
);

const topItem = z.object({ value: z.string(), count: z.number(), error: z.number() });

function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (Array.isArray(v))
    return `[${v
      .slice(0, 3)
      .map((t: { value: string; count: number }) => `${clip(t.value, 20)}×${t.count}`)
      .join(', ')}${v.length > 3 ? ', …' : ''}]`;
  return String(v);
}

function summarize(r: AggregateResult & { source: string }): string {
  const shown = Object.entries(r.results)
    .map(([op, v]) => `${op}=${fmtValue(v)}`)
    .join(', ');
  const how =
    r.method === 'tree'
      ? `tree (fanout ${r.fanout}): depth ${r.depth}, ${r.messages_total} messages (at most ${r.max_messages_per_agent} per agent${r.messages_lost ? `, ${r.messages_lost} lost to failed parents` : ''}), coverage ${(r.coverage * 100).toFixed(2)}%`
      : `push-sum gossip: ${r.rounds} rounds (${r.converged ? 'converged' : 'NOT converged'}), ${r.messages_total} messages${r.messages_lost ? ` (${r.messages_lost} lost)` : ''}`;
  const over = r.overflow?.length
    ? ` ${r.overflow.join(', ')} overflowed the double range (beyond ±1.8e308) and ${r.overflow.length === 1 ? 'is' : 'are'} null.`
    : '';
  return clip(`Aggregated ${r.agents} agents from ${r.source} by ${how}.${over} ${shown}.`, 600);
}

export function registerAggregateTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'aggregate',
    title: 'Summarise a value held by many agents (tree or gossip aggregation)',
    description:
      'Computes count, sum, mean, min, max, variance, stddev, quantiles (DDSketch, 1% relative error), distinct count ' +
      '(HyperLogLog) and top-k over values held by up to 10 million virtual agents, without any one agent talking to all. ' +
      'method "tree" (default): agents form a k-ary tree (fanout 2..256, default 16); each agent sends one message to its ' +
      'parent, N − 1 in all, over ⌈log_k N⌉ levels; failures (a fraction) or failed_subtrees drop agents, and coverage ' +
      'says how many values reached the root; reparent sends orphans to their grandparent. method "gossip": push-sum ' +
      '(count, sum, mean) until every agent is within target_error, with optional message loss; reports the rounds. ' +
      'Give exactly one source: values (<= 1,000,000 numbers or strings), simulate {agents, distribution, seed} or memory ' +
      '{namespace, field} (a numeric metadata field). Messages, depth and rounds are counted by the simulation as it runs. ' +
      "cluster {namespace, field, timeout_ms?} is not simulated: every node of this node's cluster folds the field over its own " +
      'memories, and the partial states travel up a k-ary tree of the real nodes (fanout); a node that does not answer within ' +
      'timeout_ms (default 2000) is listed in cluster.missing and left out of coverage instead of stalling the call.',
    input: toolInput({
      values: valuesField.optional(),
      simulate: simulateInput.optional(),
      memory: memoryInput.optional(),
      cluster: clusterInput.optional(),
      ops: z
        .array(z.string({ error: 'each op must be a string' }).max(64, 'an op is over 64 characters'), {
          error: `ops must be an array of op names: ${OP_HELP}`,
        })
        .min(1, `ops is empty; ask for at least one of ${OP_HELP}`)
        .max(32, 'at most 32 ops'),
      method: z.enum(['tree', 'gossip'], { error: 'method must be "tree" or "gossip"' }).optional(),
      fanout: int('fanout')
        .min(MIN_FANOUT, `fanout must be at least ${MIN_FANOUT}`)
        .max(MAX_FANOUT, `fanout must be at most ${MAX_FANOUT}`)
        .optional(),
      failures: z
        .number({ error: 'failures must be a fraction from 0 to 0.5' })
        .min(0, 'failures must be at least 0')
        .max(0.5, 'failures must be at most 0.5')
        .optional(),
      failed_subtrees: z
        .array(int('each failed_subtrees entry').min(0, 'agent ids start at 0'), {
          error: 'failed_subtrees must be an array of agent ids',
        })
        .max(1000, 'at most 1000 failed_subtrees')
        .optional(),
      reparent: z.boolean({ error: 'reparent must be true or false' }).optional(),
      loss: z
        .number({ error: 'loss must be a probability from 0 to 0.5' })
        .min(0, 'loss must be at least 0')
        .max(0.5, 'loss must be at most 0.5')
        .optional(),
      target_error: z
        .number({ error: 'target_error must be a number' })
        .min(1e-6, 'target_error must be at least 0.000001')
        .max(0.5, 'target_error must be at most 0.5')
        .optional(),
      seed: int('seed')
        .min(0, 'seed must be 0 or more')
        .max(2 ** 32 - 1, 'seed must be below 2^32')
        .optional(),
    }),
    output: z.object({
      results: z.record(z.string(), z.union([z.number(), z.null(), z.array(topItem)])),
      error_bounds: z.record(z.string(), z.number()),
      overflow: z
        .array(z.string())
        .optional()
        .describe('Ops whose exact result is beyond the double range (about ±1.8e308): their value is null.'),
      method: z.enum(['tree', 'gossip']),
      source: z.enum(['values', 'simulate', 'memory', 'cluster']),
      agents: z.number().int(),
      depth: z.number().int().nullable(),
      fanout: z.number().int().nullable(),
      messages_total: z.number().int(),
      max_messages_per_agent: z.number().int(),
      messages_lost: z.number().int(),
      rounds: z.number().int().optional(),
      converged: z.boolean().optional(),
      failed_agents: z.number().int(),
      reparented: z.number().int(),
      coverage: z.number(),
      skipped: z.number().int().optional(),
      cluster: z
        .object({
          node_id: z.string(),
          nodes: z.number().int(),
          answered: z.array(z.string()),
          missing: z.array(z.object({ id: z.string(), reason: z.string() })),
          values: z.number().int(),
          requests: z.number().int(),
          timeout_ms: z.number().int(),
          /** Height of a complete k-ary tree over these nodes, for comparison with depth. */
          complete_tree_depth: z.number().int(),
        })
        .optional(),
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args, extra) {
      const start = performance.now();
      const given = (['values', 'simulate', 'memory', 'cluster'] as const).filter((k) => args[k] !== undefined);
      if (given.length !== 1) {
        throw invalidInput(
          given.length
            ? `Give exactly one source; got ${given.join(' and ')}.`
            : 'No source: give values, simulate, memory or cluster.',
          'Send values: [...], or simulate: {agents, distribution, seed}, or memory: {namespace, field}, or cluster: {namespace, field}.',
        );
      }
      const source = given[0];
      if (source === 'cluster') return runCluster(deps, args, extra, start);
      const { aggregate, readMemoryField, MAX_ROUNDS } = await engine();
      let src: ChunkSource;
      let skipped: number | undefined;
      // Progress must only increase: the aggregation's counts continue after the memories read.
      let offset = 0;
      if (args.values) {
        const v = args.values;
        const numeric = typeof v[0] === 'number';
        const odd = v.findIndex((x) => (typeof x === 'number') !== numeric);
        if (odd >= 0)
          throw invalidInput(
            `values mixes numbers and strings (item ${odd} is a ${typeof v[odd]}, item 0 a ${typeof v[0]}).`,
            'Send all numbers, or all strings.',
          );
        src = numeric ? numberSource(Float64Array.from(v as number[])) : stringSource(v as string[]);
      } else if (args.simulate) {
        src = simulatedSource(args.simulate.agents, args.simulate.distribution, args.simulate.seed ?? 1);
      } else {
        const m = args.memory!;
        const read = await readMemoryField(deps.store, m.namespace, m.field, {
          signal: extra.signal,
          onPage: (n) => sendProgress(extra, n, undefined, `read ${n} memories from "${m.namespace}"`),
        });
        if (!read.values.length) {
          throw invalidInput(
            `No live memory in namespace "${m.namespace}" has a numeric metadata field "${m.field}"${read.skipped ? ` (${read.skipped} memories lack it or hold a non-number)` : ''}.`,
            'Check the namespace and the field name (memory_store metadata, e.g. {"score": 0.8}).',
          );
        }
        src = numberSource(read.values);
        skipped = read.skipped;
        offset = read.values.length + read.skipped;
      }
      const r = await aggregate(src, {
        ops: args.ops,
        method: args.method,
        fanout: args.fanout,
        failures: args.failures,
        failedSubtrees: args.failed_subtrees,
        reparent: args.reparent,
        loss: args.loss,
        targetError: args.target_error,
        seed: args.seed,
        signal: extra.signal,
        onProgress: (done, total, message) =>
          sendProgress(extra, offset + done, args.method === 'gossip' ? undefined : offset + total, message),
      });
      const result = { ...r, source, ...(skipped !== undefined ? { skipped } : {}), elapsed_ms: elapsedMs(start) };
      if (r.method === 'gossip' && !r.converged) {
        // Not an error: the estimates are still the best the rounds produced; say so plainly.
        return { result, summary: `${summarize(result)} Push-sum did not reach target_error within ${MAX_ROUNDS} rounds.` };
      }
      return { result, summary: summarize(result) };
    },
  });
}

/** The cluster source: a real tree over this node and its peers (see src/patterns/aggregate/cluster.ts). */
async function runCluster(deps: Deps, args: Record<string, any>, extra: ToolExtra, start: number) {
  const [{ runClusterAggregate, clusterOff, DEFAULT_CLUSTER_TIMEOUT_MS, heapHeight }, { readOp, DEFAULT_FANOUT }] =
    await Promise.all([clusterClient(), engine()]);
  if (!deps.peers) throw clusterOff('aggregate with a cluster source');
  const simOnly = (['method', 'failures', 'failed_subtrees', 'reparent', 'loss', 'target_error', 'seed'] as const).filter(
    (k) => args[k] !== undefined,
  );
  if (simOnly.length) {
    throw invalidInput(
      `${simOnly.join(', ')} ${simOnly.length > 1 ? 'apply' : 'applies'} to simulated sources only; the cluster source runs the tree over real nodes.`,
      'Drop them; set fanout and cluster.timeout_ms instead.',
    );
  }
  const c = args.cluster as { namespace: string; field: string; timeout_ms?: number };
  const fanout = (args.fanout as number | undefined) ?? DEFAULT_FANOUT;
  const timeoutMs = c.timeout_ms ?? DEFAULT_CLUSTER_TIMEOUT_MS;
  sendProgress(extra, 0, undefined, `asking ${deps.peers.peerIds().length} peer(s)`);
  const { root, plan, reply, nodes } = await runClusterAggregate(
    deps.peers,
    deps.store,
    { namespace: c.namespace, field: c.field, ops: args.ops, fanout, timeoutMs },
    extra.signal,
  );
  const results: Record<string, OpValue> = {};
  const bounds: Record<string, number> = {};
  for (const op of plan.ops) {
    const { value, bound } = readOp(op, root);
    results[op.name] = value;
    bounds[op.name] = bound;
  }
  const answered = reply.answered.length;
  const result = {
    results,
    error_bounds: bounds,
    method: 'tree' as const,
    source: 'cluster' as const,
    agents: nodes,
    depth: reply.height,
    fanout,
    messages_total: reply.messages,
    max_messages_per_agent: nodes > 1 && answered > 1 ? 1 : 0,
    messages_lost: reply.requests - reply.messages,
    failed_agents: nodes - answered,
    reparented: reply.adopted,
    coverage: answered / nodes,
    skipped: reply.skipped,
    cluster: {
      node_id: deps.peers.id,
      nodes,
      answered: reply.answered,
      missing: reply.missing,
      values: reply.values,
      requests: reply.requests,
      timeout_ms: timeoutMs,
      complete_tree_depth: heapHeight(nodes, fanout),
    },
    elapsed_ms: elapsedMs(start),
  };
  const shown = Object.entries(results)
    .map(([op, v]) => `${op}=${fmtValue(v)}`)
    .join(', ');
  const miss = reply.missing.length
    ? ` Missing: ${reply.missing
        .slice(0, 3)
        .map((m) => `${m.id.slice(0, 9)}… (${clip(m.reason, 60)})`)
        .join('; ')}${reply.missing.length > 3 ? '; …' : ''}.`
    : '';
  return {
    result,
    summary: clip(
      `Aggregated ${reply.values} values on ${answered} of ${nodes} cluster nodes (coverage ${(result.coverage * 100).toFixed(1)}%) by a tree of fanout ${fanout}: depth ${reply.height}, ${reply.messages} partials sent up, ${reply.requests} requests down. ${shown}.${miss}`,
      800,
    ),
  };
}
