/**
 * The scripted stand-in for an LLM in this example (see lib/server.ts). It answers three kinds of
 * request by fixed rules, so a run without a model is deterministic:
 * - generate_code's request for the Granger test: the example's own given function;
 * - an edge-testing agent: "causal" below p = 1e-5 (a Bonferroni-style bar for 56 tests),
 *   "absent" above 0.05, "contested" between;
 * - a vote on a contested edge: "causal" when both halves of the sample show it (p < 0.1) with the
 *   same sign, else "absent".
 * Tests give the fake provider this same function as its answer.
 */
import { grangerTest } from './granger.js';

export const CODEGEN_MARKER = 'function grangerTest(series, cause, effect, lags, start, end)';
export const AGENT_MARKER = '[market-crash edge test]';
export const VOTE_MARKER = '[market-crash vote]';

/** A number in the prompt (the pattern's NUM), NaN when it is not there. */
const NUM = String.raw`(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)`;
const num = (pattern: string, text: string) => Number(new RegExp(pattern.replace('NUM', NUM)).exec(text)?.[1] ?? NaN);

export function standIn(prompt: string): string {
  if (prompt.includes(CODEGEN_MARKER)) {
    return `\`\`\`javascript\n${grangerTest.toString()}\n\`\`\`\nConditional Granger test by OLS (Cholesky) with an F-test p-value.`;
  }
  if (prompt.includes(VOTE_MARKER)) {
    const p1 = num('first half: p NUM', prompt);
    const p2 = num('second half: p NUM', prompt);
    const s1 = Math.sign(num('first half: p \\S+, coefficient sum NUM', prompt));
    const s2 = Math.sign(num('second half: p \\S+, coefficient sum NUM', prompt));
    return p1 < 0.1 && p2 < 0.1 && s1 === s2 ? 'causal' : 'absent';
  }
  if (prompt.includes(AGENT_MARKER)) {
    const p = num('full sample: F \\S+, p NUM', prompt);
    if (!Number.isFinite(p)) return 'contested: the evidence was not in the expected form';
    if (p < 1e-5) return `causal: p = ${p.toExponential(1)} is far below 1e-5`;
    if (p > 0.05) return `absent: p = ${p.toExponential(1)} is above 0.05`;
    return `contested: p = ${p.toExponential(1)} lies between 1e-5 and 0.05`;
  }
  return 'The scripted stand-in has no prepared answer for this request.';
}
