/**
 * Running an example (examples/<name>) end to end in a test, as a user runs it: the BUILT runner
 * (dist/examples/run.js) as a child process, which starts its own sixfold server(s) over stdio.
 * Its LLM steps go to the fake provider through the real SDKs: the four built-in providers point
 * at one fake, each under its own model name, and each model answers with the example's own
 * scripted stand-in (so what the router path returns is what the offline path would), unless the
 * test scripts one as a liar.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import { REPO_ROOT, makeTempDir, withTimeout, type TempDir } from './server.js';

export const EXAMPLE_RUNNER = 'dist/examples/run.js';

if (!existsSync(join(REPO_ROOT, EXAMPLE_RUNNER))) throw new Error(`${EXAMPLE_RUNNER} is missing: build first (npm test builds).`);

export const PROVIDERS = ['anthropic', 'openai', 'gemini', 'ollama'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const MODELS: Record<ProviderName, string> = {
  anthropic: 'example-a',
  openai: 'example-b',
  gemini: 'example-c',
  ollama: 'example-d',
};

export interface ExampleFake {
  fake: FakeProvider;
  /** Environment that configures all four providers on the fake. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A fake provider whose four models answer with `answer` (per model, so one can be a liar). */
export async function startExampleFake(answer: (model: ProviderName, prompt: string) => string): Promise<ExampleFake> {
  const fake = await startFakeProvider();
  for (const p of PROVIDERS) fake.script[MODELS[p]] = { answer: (prompt) => answer(p, prompt) };
  return {
    fake,
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-example-test',
      ANTHROPIC_BASE_URL: fake.origin,
      OPENAI_API_KEY: 'sk-example-test',
      OPENAI_BASE_URL: fake.baseURL,
      GEMINI_API_KEY: 'gem-example-test',
      GEMINI_BASE_URL: fake.geminiBaseURL,
      OLLAMA_BASE_URL: fake.baseURL,
      SIXFOLD_ANTHROPIC_MODEL: MODELS.anthropic,
      SIXFOLD_OPENAI_MODEL: MODELS.openai,
      SIXFOLD_GEMINI_MODEL: MODELS.gemini,
      SIXFOLD_OLLAMA_MODEL: MODELS.ollama,
    },
    close: () => fake.close(),
  };
}

export interface ExampleRun<R> {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's lines, the last (non-empty) one being the SVG path. */
  lines: string[];
  svgPath: string;
  svg: string;
  result: R & { llm: string[] };
  tmp: TempDir;
}

/**
 * Runs `npm run example -- <name>` the way the launcher does once built (node dist/examples/run.js),
 * with `env` on top of ours (no SIXFOLD_* from the developer's shell: the example strips them).
 */
export async function runExample<R>(
  name: string,
  env: Record<string, string>,
  args: string[] = [],
  timeoutMs = 120_000,
): Promise<ExampleRun<R>> {
  const tmp = makeTempDir(`sixfold-example-${name}-`);
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(SIXFOLD_|ANTHROPIC_|OPENAI_|GEMINI_|OLLAMA_)/.test(k)) base[k] = v;
  }
  const resultPath = join(tmp.dir, 'result.json');
  const child = spawn(process.execPath, [EXAMPLE_RUNNER, name, '--out', tmp.dir, '--result', resultPath, ...args], {
    cwd: REPO_ROOT,
    env: { ...base, TMPDIR: tmp.dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let code: number | null;
  try {
    code = await withTimeout(exited, timeoutMs, `example ${name} to finish; stderr so far:\n${stderr.slice(-3000)}`);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw e;
  }
  if (code !== 0) throw new Error(`example ${name} exited ${code}; stderr:\n${stderr.slice(-4000)}`);
  const lines = stdout.trimEnd().split('\n');
  const svgPath = lines[lines.length - 1];
  return {
    code,
    stdout,
    stderr,
    lines,
    svgPath,
    svg: existsSync(svgPath) ? readFileSync(svgPath, 'utf8') : '',
    result: JSON.parse(readFileSync(resultPath, 'utf8')) as R & { llm: string[] },
    tmp,
  };
}
