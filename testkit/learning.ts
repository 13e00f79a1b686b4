import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { HashEmbedder } from '../src/memory/embed/hash.js';
import { MemoryStore } from '../src/memory/store.js';
import { lazy } from '../src/lazy.js';
import { ReasoningBank } from '../src/patterns/codegen/bank.js';
import { codegenDeps, generateCode, recordOutcome } from '../src/patterns/codegen/generate.js';
import type { Provider } from '../src/router/providers/types.js';
import { Router } from '../src/router/router.js';
import type { LearningTask } from './learning-tasks.js';
import { runJsTests } from './run-js-tests.js';

/**
 * Does generate_code get better from recorded outcomes? The ReasoningBank protocol on a task set
 * with unit tests, through the functions the tools call, over a real store (hash-384, sqlite-vec):
 *  1. before: every evaluation task generated with an empty bank, its code run against its tests;
 *  2. training: `attempts` passes over the training tasks, each attempt generated with memory,
 *     tested, and recorded with record_outcome (success, or the failing tests as notes) — the
 *     trajectories the bank learns from;
 *  3. after: the evaluation tasks again, now with memory.
 * Training and evaluation tasks are different functions, so a gain is transfer of what the
 * failing tests taught, not a stored answer replayed.
 */
export interface LearningRun {
  providers: Provider[];
  config: Config;
  log: Logger;
  train: LearningTask[];
  evaluate: LearningTask[];
  attempts: number;
  /** Pin the provider (a name the router knows); default: the router's policy. */
  provider?: string;
}

export interface LearningResult {
  before: number;
  after: number;
  evaluated: number;
  trajectories: number;
  /** Training pass rate on the first and on the last pass over the training tasks. */
  trainFirst: number;
  trainLast: number;
  /** Evaluation answers that came from memory instead of the provider (should be none). */
  afterFromMemory: number;
  costUsd: number;
  providerNames: string[];
}

const NAMESPACE = 'learning';
const LANGUAGE = 'javascript';

export async function runLearning(run: LearningRun): Promise<LearningResult> {
  const { config, log } = run;
  const store = await MemoryStore.open({
    path: config.db,
    embedder: new HashEmbedder(),
    log,
    workingTtlSeconds: config.memory.working_ttl_seconds,
  });
  const router = new Router(run.providers, config.router, { db: store.db, log });
  try {
    const deps = await codegenDeps({ config, router, bank: lazy(() => ReasoningBank.open(store)) });
    let costUsd = 0;
    const attempt = async (t: LearningTask, useMemory: boolean) => {
      const r = await generateCode(deps, {
        task: t.task,
        language: LANGUAGE,
        namespace: NAMESPACE,
        use_memory: useMemory,
        provider: run.provider,
      });
      costUsd += r.cost_usd ?? 0;
      return { r, test: runJsTests(t, r.code) };
    };

    let before = 0;
    for (const t of run.evaluate) if ((await attempt(t, false)).test.passed) before++;

    let trajectories = 0;
    const passRates: number[] = [];
    for (let a = 0; a < run.attempts; a++) {
      let passed = 0;
      for (const t of run.train) {
        const { r, test } = await attempt(t, true);
        if (test.passed) passed++;
        await recordOutcome(deps, {
          trajectory_id: r.trajectory_id,
          success: test.passed,
          notes: test.passed ? `all ${t.tests.length} tests passed` : `failing tests:\n${test.failures.join('\n')}`,
        });
        trajectories++;
      }
      passRates.push(passed / run.train.length);
    }

    let after = 0;
    let afterFromMemory = 0;
    for (const t of run.evaluate) {
      const { r, test } = await attempt(t, true);
      if (r.source === 'memory') afterFromMemory++;
      if (test.passed) after++;
    }
    return {
      before: before / run.evaluate.length,
      after: after / run.evaluate.length,
      evaluated: run.evaluate.length,
      trajectories,
      trainFirst: passRates[0] ?? 0,
      trainLast: passRates[passRates.length - 1] ?? 0,
      afterFromMemory,
      costUsd,
      providerNames: run.providers.map((p) => `${p.name} (${p.model})`),
    };
  } finally {
    store.close();
  }
}
