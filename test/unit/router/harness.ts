import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { loadConfig, type Config, type RouterConfig } from '../../../src/config.js';
import { createLogger, type Logger, type LogLevel } from '../../../src/log.js';
import { openDatabase, type DB } from '../../../src/memory/db.js';
import { resolveProviders, type ResolvedProviders } from '../../../src/router/registry.js';
import { ProviderError } from '../../../src/router/providers/types.js';
import { Router } from '../../../src/router/router.js';
import type { FakeProvider } from '../../../testkit/fake-provider.js';
import { tempDir } from '../helpers.js';

/**
 * Shared set-up for the router tests: providers built the real way (config + env + registry)
 * against the loopback fake provider, an in-memory DB, a captured logger, and injected
 * clock / random / sleep so retry timing is observed, never waited for.
 */

export type BuiltIn = 'anthropic' | 'openai' | 'gemini' | 'ollama';
export const ALL: readonly BuiltIn[] = ['anthropic', 'openai', 'gemini', 'ollama'];

/** The model name each built-in asks the fake for (via SIXFOLD_<NAME>_MODEL); scripts key on it. */
export const MODEL: Record<BuiltIn, string> = {
  anthropic: 'fake-claude',
  openai: 'fake-gpt',
  gemini: 'fake-gemini',
  ollama: 'fake-llama',
};

export const KEY = {
  anthropic: 'sk-ant-test-anthropic-key',
  openai: 'sk-test-openai-key',
  gemini: 'gemini-test-key',
};

/** An env that enables `names` and points each at the fake; nothing else set (no HOME, no process.env). */
export function fakeEnv(fake: FakeProvider, names: readonly BuiltIn[] = ALL, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (names.includes('anthropic')) {
    Object.assign(env, {
      ANTHROPIC_API_KEY: KEY.anthropic,
      ANTHROPIC_BASE_URL: fake.origin,
      SIXFOLD_ANTHROPIC_MODEL: MODEL.anthropic,
    });
  }
  if (names.includes('openai')) {
    Object.assign(env, { OPENAI_API_KEY: KEY.openai, OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL.openai });
  }
  if (names.includes('gemini')) {
    Object.assign(env, { GEMINI_API_KEY: KEY.gemini, GEMINI_BASE_URL: fake.geminiBaseURL, SIXFOLD_GEMINI_MODEL: MODEL.gemini });
  }
  if (names.includes('ollama')) {
    Object.assign(env, { OLLAMA_BASE_URL: fake.baseURL, SIXFOLD_OLLAMA_MODEL: MODEL.ollama });
  }
  return { ...env, ...extra };
}

/** Things to undo after each test, newest first. */
const cleanups: Array<() => void | Promise<void>> = [];
export function onCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}
export async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

/** `loadConfig` with `file` (when given) written to a temp JSON file and passed as --config. */
export function configFrom(env: NodeJS.ProcessEnv, file?: Record<string, unknown>): Config {
  if (!file) return loadConfig({ db: ':memory:' }, env);
  const dir = tempDir();
  onCleanup(() => dir.remove());
  const path = join(dir.path, 'sixfold.json');
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({ db: ':memory:', config: path }, env);
}

export function openDb(): DB {
  const db = openDatabase(':memory:');
  onCleanup(() => void db.close());
  return db;
}

/** A logger writing into `lines` (one JSON object per line). */
export function captureLog(level: LogLevel = 'trace'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger(level, { write: (s: string) => void lines.push(s) }), lines };
}

/**
 * `performance.now()` under the test's control: it stands still unless the test (or a fake answer
 * function, which runs while the call is in flight) moves it, so measured latencies are exact.
 */
export function controlPerformanceClock(start = 1000): { advance(ms: number): void } {
  let t = start;
  vi.spyOn(performance, 'now').mockImplementation(() => t);
  return { advance: (ms) => void (t += ms) };
}

export interface Harness {
  router: Router;
  db: DB;
  config: Config;
  resolved: ResolvedProviders;
  /** Every delay the router asked its sleep for. */
  sleeps: number[];
  /** Log lines at trace level. */
  lines: string[];
  /** The injected wall clock (ms since epoch); move it with `clock.t += …`. */
  clock: { t: number };
}

export interface HarnessOptions {
  names?: readonly BuiltIn[];
  env?: NodeJS.ProcessEnv;
  /** Written to a config file. */
  file?: Record<string, unknown>;
  router?: Partial<RouterConfig>;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const T0 = 1_700_000_000_000;

/** Defaults chosen for readable delays: with random 0.5, attempt n sleeps 50·2^n ms. */
export const ROUTER_DEFAULTS: Partial<RouterConfig> = { retries: 2, backoff_base_ms: 100, backoff_max_ms: 8000 };

export function makeRouter(fake: FakeProvider, opts: HarnessOptions = {}): Harness {
  const env = fakeEnv(fake, opts.names ?? ALL, opts.env);
  const config = configFrom(env, opts.file);
  const resolved = resolveProviders(config, env);
  const db = openDb();
  const { log, lines } = captureLog('trace');
  const sleeps: number[] = [];
  const clock = { t: T0 };
  const router = new Router(
    resolved.providers,
    { ...config.router, ...ROUTER_DEFAULTS, ...opts.router },
    {
      db,
      log,
      now: () => clock.t,
      random: opts.random ?? (() => 0.5),
      sleep: async (ms, signal) => {
        sleeps.push(ms);
        if (opts.sleep) await opts.sleep(ms, signal);
      },
    },
    resolved.ollamaProbe,
  );
  return { router, db, config, resolved, sleeps, lines, clock };
}

export const REQ = { system: 'Be brief.', prompt: 'What is the capital of France?', maxTokens: 64 };

/** The ProviderError a promise rejects with; fails the test on anything else. */
export async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw new Error(`expected a ProviderError, got ${String(err)}`);
  }
  throw new Error('expected a ProviderError, the promise resolved');
}

/** Requests the fake received for one model. */
export function requestsFor(fake: FakeProvider, model: string) {
  return fake.requests.filter((r) => (r.body as { model?: unknown } | null)?.model === model);
}

export interface CallRow {
  id: number;
  at: number;
  provider: string;
  model: string;
  purpose: string;
  outcome: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  error: string | null;
}

export function callRows(db: DB): CallRow[] {
  return db.prepare('SELECT * FROM llm_calls ORDER BY id').all() as CallRow[];
}
