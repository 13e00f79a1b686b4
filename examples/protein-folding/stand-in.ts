/**
 * The scripted stand-in for an LLM in this example (see lib/server.ts): it answers the one LLM
 * step, generate_code's request for an HP energy function, with the example's own reference
 * scorer. The example then tests that code like any generated code. Tests point the server at the
 * fake provider with this same function as its answer, so the router path runs too.
 */
import { hpEnergy } from './hp.js';

export const CODEGEN_MARKER = 'function hpEnergy(sequence, moves)';

export function standIn(prompt: string): string {
  if (prompt.includes(CODEGEN_MARKER)) {
    return `Here is the scorer.\n\`\`\`javascript\n${hpEnergy.toString()}\n\`\`\`\nIt decodes the relative moves, checks self-avoidance and counts H-H contacts.`;
  }
  return 'The scripted stand-in has no prepared answer for this request.';
}
