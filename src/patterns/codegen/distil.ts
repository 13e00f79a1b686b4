/**
 * Turning one finished attempt into at most three memory items, by rule (no LLM): a success
 * yields a strategy holding the working solution (and, when the caller had to fix the draft, a
 * pitfall listing what changed); a failure yields a pitfall holding what went wrong and the code
 * that failed. The caller's notes (test output, the fix they made) carry the insight, so they
 * lead each item.
 */

export const MAX_ITEMS = 3;
/** Starting confidence; an outcome the router judged (not the caller) starts 0.1 lower. */
export const INITIAL_CONFIDENCE = { strategy: 0.7, pitfall: 0.6 } as const;
export const JUDGED_PENALTY = 0.1;
/** Confidence change of every memory used by an attempt. */
export const SUCCESS_DELTA = 0.1;
export const FAILURE_DELTA = -0.15;

const TASK_CHARS = 1_000;
const CODE_CHARS = 6_000;
const NOTES_CHARS = 4_000;
const DIFF_LINES = 20;

export interface Attempt {
  task: string;
  language: string;
  /** The code generate_code returned. */
  code: string;
  source: 'memory' | 'llm';
  success: boolean;
  /** The code that finally ran, when the caller changed it. */
  final_code?: string;
  notes?: string;
  judged?: boolean;
}

export interface DistilledItem {
  kind: 'strategy' | 'pitfall';
  title: string;
  description: string;
  content: string;
  /** Strategies: the working solution, served again for a near-repeat. */
  code: string | null;
  confidence: number;
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The task's first line, at most `max` characters: an item's title. */
export function summarize(task: string, max = 80): string {
  const first =
    task
      .trim()
      .split(/\r?\n/)
      .find((l) => l.trim()) ?? task;
  return clip(first.trim().replace(/\s+/g, ' '), max);
}

// No word boundaries: "AssertionError", "TypeError" and "test_failed" must match too.
const ERROR_LINE = /error|exception|fail|assert|panic|traceback|expected|undefined|cannot|can't|timed? ?out/i;

/** The first line of the notes that reads like an error, for a pitfall's title. */
export function firstErrorLine(notes: string | undefined): string | undefined {
  const line = notes
    ?.split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && ERROR_LINE.test(l));
  return line ? clip(line.replace(/\s+/g, ' '), 100) : undefined;
}

function normalizeCode(code: string): string {
  return code
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/** Lines only in the draft (-) and only in the final code (+), order kept, at most DIFF_LINES each. */
export function changedLines(draft: string, final: string): { removed: string[]; added: string[] } {
  const a = normalizeCode(draft).split('\n');
  const b = normalizeCode(final).split('\n');
  const count = (lines: string[]) => {
    const m = new Map<string, number>();
    for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const only = (xs: string[], others: Map<string, number>) => {
    const left = new Map(others);
    const out: string[] = [];
    for (const l of xs) {
      const n = left.get(l) ?? 0;
      if (n > 0) left.set(l, n - 1);
      else if (l.trim()) out.push(l);
    }
    return out;
  };
  return { removed: only(a, count(b)).slice(0, DIFF_LINES), added: only(b, count(a)).slice(0, DIFF_LINES) };
}

function fenced(code: string, language: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${clip(code, CODE_CHARS)}\n${fence}`;
}

export function distil(a: Attempt): DistilledItem[] {
  const topic = summarize(a.task);
  const task = clip(a.task.trim(), TASK_CHARS);
  const notes = a.notes?.trim() ? clip(a.notes.trim(), NOTES_CHARS) : undefined;
  const penalty = a.judged ? JUDGED_PENALTY : 0;
  const changed = a.final_code !== undefined && normalizeCode(a.final_code) !== normalizeCode(a.code);
  const items: DistilledItem[] = [];

  if (a.success) {
    // A remembered solution that passed unchanged teaches nothing new; its confidence rises.
    if (a.source === 'memory' && !changed) return [];
    const working = changed ? a.final_code! : a.code;
    items.push({
      kind: 'strategy',
      title: `${a.language}: ${topic}`,
      description: `A solution that passed for: ${clip(task.replace(/\s+/g, ' '), 300)}`,
      content: [
        `Task: ${task}`,
        notes ? `What made it work: ${notes}` : undefined,
        `Working solution:\n${fenced(working, a.language)}`,
      ]
        .filter(Boolean)
        .join('\n\n'),
      code: working,
      confidence: INITIAL_CONFIDENCE.strategy - penalty,
    });
    if (changed) {
      const { removed, added } = changedLines(a.code, a.final_code!);
      items.push({
        kind: 'pitfall',
        title: `${a.language} pitfall: the first draft for "${summarize(a.task, 60)}" needed fixes`,
        description: 'Generated code that had to be changed before it passed; avoid repeating the removed lines.',
        content: [
          `Task: ${task}`,
          notes ? `What was wrong: ${notes}` : undefined,
          removed.length ? `Lines removed from the draft:\n${removed.map((l) => `- ${l}`).join('\n')}` : undefined,
          added.length ? `Lines added in the fix:\n${added.map((l) => `+ ${l}`).join('\n')}` : undefined,
        ]
          .filter(Boolean)
          .join('\n\n'),
        code: null,
        confidence: INITIAL_CONFIDENCE.pitfall - penalty,
      });
    }
  } else {
    const failing = a.final_code ?? a.code;
    const error = firstErrorLine(notes);
    items.push({
      kind: 'pitfall',
      title: `${a.language} pitfall: ${error ?? topic}`,
      description: `An attempt that failed at: ${clip(task.replace(/\s+/g, ' '), 300)}`,
      content: [
        `Task: ${task}`,
        `What went wrong: ${notes ?? 'the caller reported failure without details.'}`,
        `Code that failed:\n${fenced(failing, a.language)}`,
      ].join('\n\n'),
      code: null,
      confidence: INITIAL_CONFIDENCE.pitfall - penalty,
    });
  }
  return items.slice(0, MAX_ITEMS);
}
