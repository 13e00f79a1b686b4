/**
 * What the model is asked: the task, the existing code, and the remembered strategies and
 * pitfalls as numbered lessons; one fenced block back. And the judge's question and how its
 * answer is read.
 */

export interface PromptMemory {
  kind: 'strategy' | 'pitfall';
  title: string;
  description: string;
  content: string;
  confidence: number;
}

/** Per injected memory, so three of them cannot crowd out the task in a small context window. */
export const MEMORY_CHARS = 2_000;

function clipBlock(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n[… ${text.length - max} more characters omitted]` : text;
}

/** A fence longer than any backtick run inside `code`, so pasted code cannot close it early. */
export function fenceFor(code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function codegenPrompt(input: { task: string; language: string; context?: string; memories: readonly PromptMemory[] }): {
  system: string;
  prompt: string;
} {
  const { task, language, context, memories } = input;
  const system =
    `You are an expert ${language} programmer. Write correct, complete, idiomatic ${language} code for the task. ` +
    `Reply with exactly one fenced code block tagged ${language} holding the whole solution (not a diff), ` +
    'followed by at most two sentences of explanation. Do not invent APIs.';
  const parts = [`Task:\n${task}`, `Language: ${language}`];
  if (context) {
    const fence = fenceFor(context);
    parts.push(
      `Existing code (change or extend it; return the complete updated code):\n${fence}${language}\n${context}\n${fence}`,
    );
  }
  if (memories.length) {
    const lessons = memories.map((m, i) => {
      const label = m.kind === 'strategy' ? 'Strategy that worked' : 'Pitfall to avoid';
      return `${i + 1}. ${label} (confidence ${m.confidence.toFixed(2)}): ${m.title}\n   ${m.description}\n${indent(clipBlock(m.content, MEMORY_CHARS))}`;
    });
    parts.push(`Lessons from earlier attempts at similar tasks (apply what fits, ignore the rest):\n${lessons.join('\n')}`);
  }
  parts.push(`Reply with the complete code in one \`\`\`${language} block.`);
  return { system, prompt: parts.join('\n\n') };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

export function judgePrompt(input: { task: string; language: string; code: string; notes?: string }): {
  system: string;
  prompt: string;
} {
  const fence = fenceFor(input.code);
  const system =
    'You review code strictly. Decide whether the code correctly and completely solves the task. ' +
    'The first line of your reply is exactly PASS or FAIL; the second line is one sentence saying why.';
  const parts = [`Task:\n${input.task}`, `Code (${input.language}):\n${fence}${input.language}\n${input.code}\n${fence}`];
  if (input.notes) parts.push(`Notes from the caller (test output, observations):\n${input.notes}`);
  parts.push('Reply PASS or FAIL on the first line, then one sentence.');
  return { system, prompt: parts.join('\n\n') };
}

/** The judge's verdict, or null when the reply does not open with PASS or FAIL. */
export function parseJudgement(text: string): { success: boolean; reason: string } | null {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const m = /^[*_#`>\s"'-]*(PASS|FAIL)(?:ED)?\b[*_`"']*\s*[:.\-–—]?\s*(.*)$/i.exec(lines[0] ?? '');
  if (!m) return null;
  const reason = (m[2] || lines[1] || '').trim();
  return { success: m[1].toUpperCase() === 'PASS', reason: reason.slice(0, 500) };
}
