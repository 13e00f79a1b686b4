import type { RouterConfig } from '../config.js';
import { SixfoldError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DB } from '../memory/db.js';
import type { ProviderCall } from '../metrics.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { KEY_ENV_HELP } from './registry.js';
import { retryDelay, sleep as realSleep } from './retry.js';
import {
  ProviderError,
  costUsd,
  type CompletionRequest,
  type CompletionResult,
  type Provider,
  type ProviderInfo,
} from './providers/types.js';

export type Policy = RouterConfig['policy'];

export interface RouterDeps {
  db: DB;
  log: Logger;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every attempt as it is recorded in the call log (metrics). */
  onCall?: (call: ProviderCall) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** What the call was for, recorded with it ("vote", "codegen", ...). */
  purpose?: string;
}

export interface RouteOptions extends CallOptions {
  policy?: Policy;
  provider?: string;
  minTier?: number;
  /** Only these providers (by name). */
  only?: readonly string[];
}

export interface CallResult extends CompletionResult {
  provider: string;
  costUsd: number;
  latencyMs: number;
  attempts: number;
}

interface Health {
  breaker: CircuitBreaker;
  ewmaMs: number | null;
}

/** Weight of the newest latency in the moving average. */
const EWMA_ALPHA = 0.3;

/**
 * Every LLM call in sixfold goes through here: pick providers by policy, retry transient failures
 * with backoff (honouring Retry-After), fall back along the chain, keep a breaker per provider,
 * and record each attempt (provider, model, tokens, cost, latency, outcome) in SQLite.
 */
export class Router {
  private readonly providers: Provider[];
  private readonly health = new Map<string, Health>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly insertCall;
  private probe: Promise<void> | undefined;

  constructor(
    providers: Provider[],
    private readonly cfg: RouterConfig,
    private readonly deps: RouterDeps,
    private readonly ollamaProbe?: Provider,
  ) {
    this.providers = [...providers];
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? realSleep;
    this.insertCall = deps.db.prepare(
      `INSERT INTO llm_calls (at, provider, model, purpose, outcome, input_tokens, output_tokens, cost_usd, latency_ms, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Enabled providers (after the one-time Ollama probe). */
  async list(): Promise<ProviderInfo[]> {
    await this.ready();
    return this.providers.map(({ complete: _c, ...info }) => info);
  }

  /** Ollama at its default address counts as configured when it answers, checked once. */
  ready(): Promise<void> {
    if (!this.ollamaProbe) return Promise.resolve();
    this.probe ??= (async () => {
      const p = this.ollamaProbe!;
      try {
        const res = await fetch(new URL('models', p.baseURL.endsWith('/') ? p.baseURL : `${p.baseURL}/`), {
          signal: AbortSignal.timeout(500),
        });
        if (res.ok) {
          this.providers.push(p);
          this.deps.log.info({ provider: 'ollama', baseURL: p.baseURL }, 'ollama answered; enabled');
        }
      } catch {
        /* not running: stays disabled */
      }
    })();
    return this.probe;
  }

  private healthOf(name: string): Health {
    let h = this.health.get(name);
    if (!h) {
      h = { breaker: new CircuitBreaker(this.cfg.breaker_failures, this.cfg.breaker_cooldown_ms, this.now), ewmaMs: null };
      this.health.set(name, h);
    }
    return h;
  }

  private get(name: string): Provider {
    const p = this.providers.find((x) => x.name === name);
    if (!p) {
      const have = this.providers.map((x) => x.name);
      throw new SixfoldError(
        'invalid_input',
        `Provider "${name}" is not configured.`,
        have.length ? `Configured providers: ${have.join(', ')}.` : KEY_ENV_HELP,
      );
    }
    return p;
  }

  /** Providers in the order a policy would try them; open breakers last. */
  async chain(opts: Pick<RouteOptions, 'policy' | 'provider' | 'minTier' | 'only'> = {}): Promise<Provider[]> {
    await this.ready();
    if (!this.providers.length) throw new SixfoldError('unavailable', 'No LLM provider is configured.', KEY_ENV_HELP);
    const policy = opts.provider ? 'explicit' : (opts.policy ?? this.cfg.policy);
    if (policy === 'explicit') {
      const name = opts.provider ?? this.cfg.provider;
      if (!name)
        throw new SixfoldError(
          'invalid_input',
          'Policy "explicit" needs a provider name.',
          'Pass provider, or set router.provider in the config.',
        );
      return [this.get(name)];
    }
    const minTier = opts.minTier ?? this.cfg.min_tier;
    opts.only?.forEach((name) => this.get(name)); // unknown names are an error, not silently dropped
    const eligible = this.providers.filter((p) => p.tier >= minTier && (!opts.only || opts.only.includes(p.name)));
    if (!eligible.length) {
      throw new SixfoldError(
        'unavailable',
        `No configured provider has quality tier >= ${minTier}.`,
        `Configured: ${this.providers.map((p) => `${p.name} (tier ${p.tier})`).join(', ')}.`,
      );
    }
    const price = (p: Provider) => p.priceInput + p.priceOutput;
    const latency = (p: Provider) => this.healthOf(p.name).ewmaMs ?? 0; // unmeasured: worth trying
    const order: Record<Exclude<Policy, 'explicit'>, (a: Provider, b: Provider) => number> = {
      cost: (a, b) => price(a) - price(b) || b.tier - a.tier,
      latency: (a, b) => latency(a) - latency(b) || price(a) - price(b),
      quality: (a, b) => b.tier - a.tier || price(a) - price(b),
    };
    const open = (p: Provider) => (this.healthOf(p.name).breaker.state === 'open' ? 1 : 0);
    return [...eligible].sort((a, b) => open(a) - open(b) || order[policy](a, b) || a.name.localeCompare(b.name));
  }

  /** One provider, with retries; no fallback. Throws ProviderError. */
  async completeWith(name: string, req: CompletionRequest, opts: CallOptions = {}): Promise<CallResult> {
    await this.ready();
    const p = this.get(name);
    const h = this.healthOf(name);
    const signal = opts.signal ?? new AbortController().signal;
    const timeoutMs = opts.timeoutMs ?? this.cfg.timeout_ms;
    let lastError: ProviderError | undefined;
    for (let attempt = 0; ; attempt++) {
      const probe = h.breaker.state === 'half_open';
      if (!h.breaker.tryAcquire()) {
        if (lastError) throw lastError; // opened by our own failures: report the cause, not the breaker
        const secs = Math.ceil(h.breaker.retryInMs() / 1000);
        throw new ProviderError(
          name,
          'server',
          `${name}: circuit open after ${h.breaker.consecutiveFailures} consecutive failures; next probe in ${secs}s`,
        );
      }
      const start = performance.now();
      try {
        const res = await p.complete(req, { signal, timeoutMs });
        const latencyMs = performance.now() - start;
        h.breaker.success();
        h.ewmaMs = h.ewmaMs === null ? latencyMs : EWMA_ALPHA * latencyMs + (1 - EWMA_ALPHA) * h.ewmaMs;
        const cost = costUsd(p, res.inputTokens, res.outputTokens);
        this.record(p, opts.purpose, 'ok', res.inputTokens, res.outputTokens, cost, latencyMs, null);
        return { ...res, provider: name, costUsd: cost, latencyMs, attempts: attempt + 1 };
      } catch (err) {
        const e = err instanceof ProviderError ? err : new ProviderError(name, 'malformed', `${name}: ${(err as Error).message}`);
        this.record(p, opts.purpose, e.kind, 0, 0, 0, performance.now() - start, e.message);
        if (e.kind === 'cancelled') {
          h.breaker.release(probe);
          throw e;
        }
        h.breaker.failure();
        lastError = e;
        if (h.breaker.state === 'open') throw e; // no point waiting out a backoff the breaker will refuse
        const wait =
          e.retryable && attempt < this.cfg.retries
            ? retryDelay(
                attempt,
                { baseMs: this.cfg.backoff_base_ms, maxMs: this.cfg.backoff_max_ms },
                e.retryAfterMs,
                this.random,
              )
            : null;
        // A provider asking us to wait longer than our longest backoff: fall back instead.
        if (wait === null || (e.retryAfterMs !== null && e.retryAfterMs > this.cfg.backoff_max_ms)) throw e;
        this.deps.log.debug({ provider: name, attempt, wait, kind: e.kind }, 'retrying');
        await this.sleep(wait, signal).catch(() => {
          throw new ProviderError(name, 'cancelled', `${name}: request cancelled`);
        });
      }
    }
  }

  /** Along the policy's chain until one provider answers. */
  async complete(req: CompletionRequest, opts: RouteOptions = {}): Promise<CallResult> {
    const chain = await this.chain(opts);
    const errors: ProviderError[] = [];
    for (const p of chain) {
      try {
        return await this.completeWith(p.name, req, opts);
      } catch (err) {
        const e = err as ProviderError;
        if (e.kind === 'cancelled') throw new SixfoldError('unavailable', 'The request was cancelled.');
        errors.push(e);
      }
    }
    throw new SixfoldError(
      'unavailable',
      `Every provider failed: ${errors.map((e) => e.message).join('; ')}.`,
      'Check the providers in sixfold://router/stats, or retry later.',
    );
  }

  private record(
    p: Provider,
    purpose: string | undefined,
    outcome: string,
    inTok: number,
    outTok: number,
    cost: number,
    latencyMs: number,
    error: string | null,
  ): void {
    try {
      this.insertCall.run(this.now(), p.name, p.model, purpose ?? 'call', outcome, inTok, outTok, cost, latencyMs, error);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not record an LLM call');
    }
    this.deps.onCall?.({ provider: p.name, outcome, inputTokens: inTok, outputTokens: outTok, costUsd: cost, latencyMs });
  }

  /** Per-provider totals from the call log, with live EWMA latency and breaker state. */
  stats(): Array<
    ProviderInfo & {
      calls: number;
      ok: number;
      failed: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
      ewma_latency_ms: number | null;
      breaker: BreakerState;
      consecutive_failures: number;
    }
  > {
    const rows = this.deps.db
      .prepare(
        `SELECT provider, count(*) AS calls, sum(outcome = 'ok') AS ok, sum(input_tokens) AS input_tokens,
                sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd
         FROM llm_calls GROUP BY provider`,
      )
      .all() as Array<{
      provider: string;
      calls: number;
      ok: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
    }>;
    const by = new Map(rows.map((r) => [r.provider, r]));
    return this.providers.map(({ complete: _c, ...info }) => {
      const r = by.get(info.name);
      const h = this.healthOf(info.name);
      return {
        ...info,
        calls: r?.calls ?? 0,
        ok: r?.ok ?? 0,
        failed: (r?.calls ?? 0) - (r?.ok ?? 0),
        input_tokens: r?.input_tokens ?? 0,
        output_tokens: r?.output_tokens ?? 0,
        cost_usd: r?.cost_usd ?? 0,
        ewma_latency_ms: h.ewmaMs === null ? null : Math.round(h.ewmaMs * 100) / 100,
        breaker: h.breaker.state,
        consecutive_failures: h.breaker.consecutiveFailures,
      };
    });
  }
}
