import { createContext, runInContext, type Context } from 'node:vm';
import type { LearningTask } from './learning-tasks.js';

/**
 * Runs a model's JavaScript against a task's unit tests, for the learning benchmark only. The code
 * runs in a fresh V8 context with no require, process or I/O and a time limit per step; results
 * cross back as JSON, so values from the other context compare like any JSON. This is a test
 * harness for code we asked for, not a sandbox for hostile code: the benchmark runs only when its
 * user sets their own provider key.
 */
export interface TestRun {
  passed: boolean;
  /** One line per failing test, as a developer would paste test output into record_outcome. */
  failures: string[];
}

const STEP_MS = 1_000;

/** Module syntax a model may use, turned into plain script declarations. */
function asScript(code: string): string {
  return code
    .replace(/^\s*import\s.*$/gm, '')
    .replace(/^(\s*)export\s+default\s+(?=(async\s+)?function|class)/gm, '$1')
    .replace(/^(\s*)export\s+(?=(async\s+)?function|class|const|let|var)/gm, '$1')
    .replace(/^\s*export\s*\{[^}]*\};?\s*$/gm, '');
}

const show = (json: string | undefined) => (json === undefined ? 'undefined' : json);

export function runJsTests(task: LearningTask, code: string): TestRun {
  let ctx: Context;
  try {
    ctx = createContext({ module: { exports: {} } });
    runInContext(asScript(code), ctx, { timeout: STEP_MS });
  } catch (err) {
    return {
      passed: false,
      failures: [`the code does not load: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`],
    };
  }
  const failures: string[] = [];
  for (const t of task.tests) {
    ctx.__args = JSON.stringify(t.args);
    const call = `(() => {
      const f = typeof ${task.fn} === 'function' ? ${task.fn} : module.exports && (module.exports.${task.fn} || module.exports);
      if (typeof f !== 'function') return JSON.stringify({ missing: true });
      const args = JSON.parse(__args);
      try {
        const r = f(...args);
        return JSON.stringify({ value: r === undefined ? '__undefined__' : r, args: JSON.stringify(args) });
      } catch (e) {
        return JSON.stringify({ threw: (e && e.name ? e.name + ': ' + e.message : String(e)) });
      }
    })()`;
    let out: { missing?: boolean; value?: unknown; threw?: string; args?: string };
    try {
      out = JSON.parse(runInContext(call, ctx, { timeout: STEP_MS }) as string);
    } catch (err) {
      failures.push(
        `${task.fn}(${show(JSON.stringify(t.args).slice(1, -1))}): did not finish (${err instanceof Error ? err.message : String(err)})`,
      );
      continue;
    }
    const call0 = `${task.fn}(${JSON.stringify(t.args).slice(1, -1)})`;
    if (out.missing) return { passed: false, failures: [`no function named ${task.fn} is defined`] };
    const want = JSON.stringify(t.expect);
    if (out.threw !== undefined) failures.push(`${call0}: expected ${want}, but it threw ${out.threw}`);
    else if (JSON.stringify(out.value) !== want)
      failures.push(`${call0}: expected ${want}, got ${show(JSON.stringify(out.value))}`);
    else if (task.pure && out.args !== JSON.stringify(t.args))
      failures.push(`${call0}: returned the right value but changed its argument to ${out.args}`);
  }
  return { passed: failures.length === 0, failures };
}
