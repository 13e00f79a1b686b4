import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { NAMESPACE_RE } from '../src/mcp/fields.js';
import { optionalCompletable } from './complete.js';

/** Offered while typing `language`; any other name is accepted too. */
const LANGUAGES = [
  'bash',
  'c',
  'c#',
  'c++',
  'clojure',
  'css',
  'dart',
  'elixir',
  'go',
  'haskell',
  'html',
  'java',
  'javascript',
  'julia',
  'kotlin',
  'lua',
  'ocaml',
  'php',
  'python',
  'r',
  'ruby',
  'rust',
  'scala',
  'sql',
  'swift',
  'typescript',
  'zig',
];

/** `self_improving_codegen`: generate → test → record_outcome, retrying with what failed. */
export function registerSelfImprovingCodegenPrompt(server: McpServer, deps: Deps): void {
  const namespaces = async (value: string) =>
    (await deps.bank())
      .namespaces()
      .map((n) => n.namespace)
      .filter((n) => n.startsWith(value))
      .slice(0, 100);
  server.registerPrompt(
    'self_improving_codegen',
    {
      title: 'Write code that learns from its outcomes',
      description:
        'Walks an agent through generate_code, testing the result, and record_outcome, so each attempt teaches the next.',
      argsSchema: {
        task: z.string().min(1).max(20_000).describe('The code to write'),
        language: completable(
          z
            .string()
            .regex(/^[A-Za-z0-9+#._ -]{1,40}$/)
            .describe('Programming language, e.g. "python"'),
          (value) => LANGUAGES.filter((l) => l.startsWith(value.toLowerCase())),
        ),
        namespace: optionalCompletable(
          z.string().regex(NAMESPACE_RE).describe('ReasoningBank namespace, default "codegen"'),
          namespaces,
        ),
        max_attempts: optionalCompletable(
          z
            .string()
            .regex(/^[1-9]$/)
            .describe('Attempts before giving up, 1-9, default 3'),
          (value) => ['1', '2', '3', '4', '5', '6', '7', '8', '9'].filter((n) => n.startsWith(value)),
        ),
      },
    },
    ({ task, language, namespace, max_attempts }) => {
      const ns = namespace ?? 'codegen';
      const attempts = Number(max_attempts ?? '3');
      const text = [
        `Write ${language} code for this task, learning from earlier attempts:`,
        '',
        task,
        '',
        'Loop, at most ' + attempts + ' attempt' + (attempts === 1 ? '' : 's') + ':',
        `1. Call generate_code with task (above), language "${language}" and namespace "${ns}"; add context with the existing code if the task changes a file. ` +
          'On a retry, put what failed last time into the task (the error and the failing test), and the memories recorded then will be in the prompt.',
        '2. Test the returned code for real: write it where it belongs and run the tests, the type checker or the program. ' +
          "If there are no tests, write a small one that checks the task's requirements. Do not judge by reading alone when you can run it.",
        '3. Call record_outcome with the trajectory_id from step 1 and success true or false. In notes put the evidence: the failing assertion, ' +
          'the error message, or what made it pass. If you edited the code before it passed, send it as final_code, so the working version is what gets remembered. ' +
          'Only if you truly cannot run anything, send judge: true instead of success.',
        '4. If it failed, go back to step 1. If it passed, stop and report the code.',
        '',
        'source "memory" in generate_code\'s result means a near-repeat of a task that already succeeded was answered from memory without an LLM call: ' +
          'test it all the same, and record the outcome, so a stale solution loses confidence and stops being served.',
        `Read reasoningbank://${ns} to see what has been learned (confidence and use counts), and trajectory://{id} for one attempt.`,
        'Never put API keys, passwords or personal data in task, notes or code: anything that looks like one is redacted before storage, but it would still reach the LLM provider.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
