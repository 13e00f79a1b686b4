import type { AnswerFormat } from './normalize.js';

/** The voter's prompt: the caller's, plus one line saying what shape of answer counts. */
export function votePrompt(prompt: string, format: AnswerFormat, choices?: readonly string[]): string {
  if (choices?.length) return `${prompt}\n\nAnswer with exactly one of: ${choices.join(' | ')}. Reply with the choice only.`;
  if (format === 'json') return `${prompt}\n\nReply with a single JSON value only, no prose.`;
  if (format === 'number') return `${prompt}\n\nReply with a single number only.`;
  return `${prompt}\n\nReply with the answer only, as briefly as possible.`;
}
