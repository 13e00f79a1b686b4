/**
 * The scripted stand-in for an LLM in this example (see lib/server.ts): each partition reporter
 * gets its partition's figures and answers with one sentence built from them. Tests use the same
 * function as the fake provider's answer.
 */
export const REPORT_MARKER = '[ocean-pagerank report]';

export function standIn(prompt: string): string {
  if (!prompt.includes(REPORT_MARKER)) return 'The scripted stand-in has no prepared answer for this request.';
  const m = /partition (\d+):.*leader (\S+) rank (\S+) with (\d+) in-links; share of all rank ([\d.]+)%/.exec(prompt);
  if (!m) return 'The figures were not in the expected form.';
  return `Partition ${m[1]} is led by ${m[2]} (rank ${m[3]}, ${m[4]} in-links) and holds ${m[5]}% of all rank.`;
}
