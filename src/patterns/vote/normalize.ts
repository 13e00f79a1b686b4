import { canonicalJson } from '../../canonical-json.js';

/**
 * Answer normalisation: two answers count as the same vote when their normal forms are equal.
 * Pure functions; `null` means "no valid answer of this format" (a non-agreeing vote).
 */
export const FORMATS = ['text', 'json', 'number'] as const;
export type AnswerFormat = (typeof FORMATS)[number];

const EDGE = /^[\s"'`“”‘’«»()[\]{}<>.,;:!?*_~-]+|[\s"'`“”‘’«»()[\]{}<>.,;:!?*_~-]+$/gu;

/** Trim, Unicode-normalise, case-fold, collapse spaces, strip surrounding punctuation and quotes. */
export function normalizeText(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(EDGE, '').trim();
}

/** JSON from a bare answer or from the first fenced block (models like to wrap it). */
export function normalizeJson(answer: string): string | null {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(answer);
  const candidates = fenced ? [fenced[1], answer] : [answer];
  for (const c of candidates) {
    try {
      return canonicalJson(JSON.parse(c.trim()));
    } catch {
      /* try the next form */
    }
  }
  return null;
}

/** The first number in the answer: "about 1,234.50 units" → "1234.5"; "-3e2" → "-300". */
export function normalizeNumber(answer: string): string | null {
  const m = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?|[-+]?\.\d+/i.exec(answer.normalize('NFKC'));
  if (!m) return null;
  const n = Number(m[0].replace(/,/g, ''));
  return Number.isFinite(n) ? String(n) : null;
}

/**
 * Maps an answer onto one of `choices`: the choice equal to it after normalisation, else the only
 * choice it mentions as a whole phrase ("The answer is B) Paris" → "Paris"); otherwise null.
 */
export function matchChoice(answer: string, choices: readonly string[]): string | null {
  const a = normalizeText(answer);
  const exact = choices.find((c) => normalizeText(c) === a);
  if (exact !== undefined) return exact;
  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mentioned = choices.filter((c) => {
    const n = normalizeText(c);
    return n.length > 0 && new RegExp(`(^|[^\\p{L}\\p{N}])${escaped(n)}($|[^\\p{L}\\p{N}])`, 'u').test(a);
  });
  return mentioned.length === 1 ? mentioned[0] : null;
}

export function normalizeAnswer(answer: string, format: AnswerFormat, choices?: readonly string[]): string | null {
  if (choices && choices.length) return matchChoice(answer, choices);
  if (format === 'json') return normalizeJson(answer);
  if (format === 'number') return normalizeNumber(answer);
  const t = normalizeText(answer);
  return t.length ? t : null;
}
