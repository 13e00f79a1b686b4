import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What `GET /metrics` reports, in Prometheus text format (prom-client). Built once in main.ts for
 * the HTTP transport and passed in Deps; events are counted where they happen (a tool call in
 * defineTool, an LLM call in the router's call log, a proposal in byzantine_propose), and levels
 * (memories by tier, agents by state, gossip counters) are read from their stores at scrape time.
 */

/** One attempt the router recorded in its call log. */
export interface ProviderCall {
  provider: string;
  /** "ok", or the failure kind ("rate_limit", "server", "timeout", "cancelled", ...). */
  outcome: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
}

/** Levels read at scrape time. */
export interface MetricSources {
  memoryTiers(): Record<string, number>;
  agentStatuses(): Record<string, number>;
  /** Gossip's running totals, when gossip is on. */
  gossip(): { rounds: number; sent: number; sent_bytes: number; received: number; received_bytes: number } | undefined;
}

/** Distinct values a caller-named label (a cluster) may take before new ones are counted as "other". */
const MAX_LABEL_VALUES = 100;

export class Metrics {
  readonly registry = new Registry();
  private readonly clusters = new Set<string>();
  private readonly toolCalls;
  private readonly toolErrors;
  private readonly toolSeconds;
  private readonly providerCalls;
  private readonly providerFailures;
  private readonly providerSeconds;
  private readonly providerCost;
  private readonly providerTokens;
  private readonly memories;
  private readonly agents;
  private readonly proposals;
  private readonly commits;
  private readonly viewChanges;
  private readonly gossipRounds;
  private readonly gossipMessages;
  private readonly gossipBytes;

  constructor(version: string) {
    const registers = [this.registry];
    this.toolCalls = new Counter({
      name: 'sixfold_tool_calls_total',
      help: 'Tool calls handled, by tool.',
      labelNames: ['tool'] as const,
      registers,
    });
    this.toolErrors = new Counter({
      name: 'sixfold_tool_errors_total',
      help: 'Tool calls that returned isError, by tool.',
      labelNames: ['tool'] as const,
      registers,
    });
    this.toolSeconds = new Histogram({
      name: 'sixfold_tool_call_duration_seconds',
      help: 'Tool call latency, by tool.',
      labelNames: ['tool'] as const,
      registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    this.providerCalls = new Counter({
      name: 'sixfold_provider_calls_total',
      help: 'LLM call attempts, by provider.',
      labelNames: ['provider'] as const,
      registers,
    });
    this.providerFailures = new Counter({
      name: 'sixfold_provider_failures_total',
      help: 'Failed LLM call attempts, by provider and kind (cancelled calls are not failures).',
      labelNames: ['provider', 'kind'] as const,
      registers,
    });
    this.providerSeconds = new Histogram({
      name: 'sixfold_provider_call_duration_seconds',
      help: 'LLM call attempt latency, by provider.',
      labelNames: ['provider'] as const,
      registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    });
    this.providerCost = new Counter({
      name: 'sixfold_provider_cost_usd_total',
      help: 'LLM spend in USD (from configured prices), by provider.',
      labelNames: ['provider'] as const,
      registers,
    });
    this.providerTokens = new Counter({
      name: 'sixfold_provider_tokens_total',
      help: 'LLM tokens, by provider and direction.',
      labelNames: ['provider', 'direction'] as const,
      registers,
    });
    this.memories = new Gauge({
      name: 'sixfold_memories',
      help: 'Live (unexpired) memories, by tier.',
      labelNames: ['tier'] as const,
      registers,
    });
    this.agents = new Gauge({
      name: 'sixfold_agents',
      help: 'Ephemeral agents in the ledger, by state.',
      labelNames: ['state'] as const,
      registers,
    });
    this.proposals = new Counter({
      name: 'sixfold_consensus_proposals_total',
      help: 'byzantine_propose runs, by cluster and outcome.',
      labelNames: ['cluster', 'outcome'] as const,
      registers,
    });
    this.commits = new Counter({
      name: 'sixfold_consensus_commits_total',
      help: 'Values committed with a certificate, by cluster.',
      labelNames: ['cluster'] as const,
      registers,
    });
    this.viewChanges = new Counter({
      name: 'sixfold_consensus_view_changes_total',
      help: 'PBFT view changes during proposals, by cluster.',
      labelNames: ['cluster'] as const,
      registers,
    });
    this.gossipRounds = new Counter({ name: 'sixfold_gossip_rounds_total', help: 'CRDT gossip anti-entropy rounds.', registers });
    this.gossipMessages = new Counter({
      name: 'sixfold_gossip_messages_total',
      help: 'CRDT gossip messages, by direction.',
      labelNames: ['direction'] as const,
      registers,
    });
    this.gossipBytes = new Counter({
      name: 'sixfold_gossip_bytes_total',
      help: 'CRDT gossip message bytes, by direction.',
      labelNames: ['direction'] as const,
      registers,
    });
    new Gauge({
      name: 'sixfold_info',
      help: 'This server; the value is always 1.',
      labelNames: ['version'] as const,
      registers,
    }).set({ version }, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  toolCall(tool: string, ok: boolean, seconds: number): void {
    this.toolCalls.inc({ tool });
    if (!ok) this.toolErrors.inc({ tool });
    this.toolSeconds.observe({ tool }, seconds);
  }

  providerCall(c: ProviderCall): void {
    const provider = c.provider;
    this.providerCalls.inc({ provider });
    if (c.outcome !== 'ok' && c.outcome !== 'cancelled') this.providerFailures.inc({ provider, kind: c.outcome });
    this.providerSeconds.observe({ provider }, c.latencyMs / 1000);
    if (c.costUsd > 0) this.providerCost.inc({ provider }, c.costUsd);
    if (c.inputTokens > 0) this.providerTokens.inc({ provider, direction: 'input' }, c.inputTokens);
    if (c.outputTokens > 0) this.providerTokens.inc({ provider, direction: 'output' }, c.outputTokens);
  }

  consensusProposal(clusterName: string, committed: boolean, viewChanges: number): void {
    let cluster = clusterName;
    if (!this.clusters.has(cluster)) {
      if (this.clusters.size >= MAX_LABEL_VALUES) cluster = 'other';
      else this.clusters.add(cluster);
    }
    this.proposals.inc({ cluster, outcome: committed ? 'committed' : 'not_committed' });
    if (committed) this.commits.inc({ cluster });
    if (viewChanges > 0) this.viewChanges.inc({ cluster }, viewChanges);
  }

  /** The exposition text, with levels read from `src` now. */
  async render(src: MetricSources): Promise<string> {
    this.memories.reset();
    for (const [tier, n] of Object.entries(src.memoryTiers())) this.memories.set({ tier }, n);
    this.agents.reset();
    for (const [state, n] of Object.entries(src.agentStatuses())) this.agents.set({ state }, n);
    const g = src.gossip();
    if (g) {
      // Gossip keeps its own running totals; the counters mirror them.
      const mirror = (c: Counter<string>, value: number, labels?: Record<string, string>) => {
        c.reset();
        if (labels) c.inc(labels, value);
        else c.inc(value);
      };
      mirror(this.gossipRounds, g.rounds);
      mirror(this.gossipMessages, g.sent, { direction: 'sent' });
      this.gossipMessages.inc({ direction: 'received' }, g.received);
      mirror(this.gossipBytes, g.sent_bytes, { direction: 'sent' });
      this.gossipBytes.inc({ direction: 'received' }, g.received_bytes);
    }
    return this.registry.metrics();
  }
}
