import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { lazy } from '../src/lazy.js';
import { defineTool, toolInput } from '../src/tool-kit.js';
import { samplingFallback } from '../src/mcp/sampling.js';

const MAX_NOTES = 20_000;
const MAX_CODE = 200_000;

/** The loop, loaded on the first call. */
const loop = lazy(() => import('../src/patterns/codegen/generate.js'));

export function registerRecordOutcomeTool(server: McpServer, deps: Deps): void {
  const cfg = deps.config.codegen;
  defineTool(server, deps, {
    name: 'record_outcome',
    title: 'Record whether generated code worked',
    description:
      'Closes the loop after generate_code: say whether the code worked (success), optionally with notes (test ' +
      'output, what you fixed) and final_code (the code that finally ran). Distils up to 3 memory items (success: a ' +
      'strategy with the working solution, plus a pitfall when you had to fix the draft; failure: a pitfall), raises ' +
      'the confidence of the memories that attempt used on success and lowers it on failure. Secrets and e-mail ' +
      'addresses are scrubbed before anything is stored. judge: true asks an LLM to decide when you cannot test. ' +
      `Every ${cfg.consolidate_every} new items (or with consolidate: true) the namespace is consolidated: near-duplicates ` +
      `merged, items under confidence ${cfg.prune_confidence} or unused for ${cfg.prune_unused_days} days deleted. One outcome per trajectory.`,
    input: toolInput({
      trajectory_id: z
        .string({ error: 'trajectory_id must be the string generate_code returned' })
        .min(1, 'trajectory_id is empty; send the trajectory_id generate_code returned')
        .max(100, 'trajectory_id is too long to be one generate_code returned'),
      success: z
        .boolean({ error: 'success must be true or false' })
        .optional()
        .describe('Did the code work (tests passed)? Omit only with judge: true.'),
      notes: z
        .string({ error: 'notes must be a string' })
        .max(MAX_NOTES, `notes is over ${MAX_NOTES} characters; keep the relevant error lines`)
        .optional()
        .describe('Test output, the error, or what you changed: the lesson the next attempt gets.'),
      final_code: z
        .string({ error: 'final_code must be the code as a string' })
        .max(MAX_CODE, `final_code is over ${MAX_CODE} characters`)
        .optional()
        .describe('The code that finally ran, when you changed what generate_code returned.'),
      judge: z
        .boolean({ error: 'judge must be true or false' })
        .optional()
        .describe('Let an LLM judge success from the task, code and notes (then omit success).'),
      consolidate: z
        .boolean({ error: 'consolidate must be true or false' })
        .optional()
        .describe('Also consolidate the namespace now.'),
    }),
    output: z.object({
      trajectory_id: z.string(),
      success: z.boolean(),
      judged: z.boolean(),
      judge_reason: z.string().optional(),
      memories_created: z.array(
        z.object({ id: z.string(), kind: z.enum(['strategy', 'pitfall']), title: z.string(), confidence: z.number() }),
      ),
      memories_updated: z.array(z.object({ id: z.string(), title: z.string(), confidence: z.number() })),
      consolidation: z.object({ merged: z.number().int(), pruned: z.number().int() }).optional(),
    }),
    // Consolidation deletes distrusted and merged items; a second outcome for a trajectory is refused.
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    async run(args, extra) {
      const { codegenDeps, recordOutcome } = await loop();
      const cd = await codegenDeps(deps);
      // Only the judge needs an LLM; without a provider it may be the client's model (sampling).
      const sampler = args.judge ? await samplingFallback(server, extra, deps) : undefined;
      if (sampler) cd.complete = (req, opts) => sampler.complete(req, opts);
      const r = await recordOutcome(cd, args, extra.signal);
      const verdict = r.judged
        ? `judged ${r.success ? 'PASS' : 'FAIL'} (${r.judge_reason || 'no reason given'})`
        : r.success
          ? 'success'
          : 'failure';
      const created = r.memories_created.map((m) => `${m.kind} "${m.title}"`).join(', ');
      const updated = r.memories_updated.length
        ? ` Confidence ${r.success ? 'raised' : 'lowered'} for ${r.memories_updated.length} used memor${r.memories_updated.length === 1 ? 'y' : 'ies'}.`
        : '';
      const cons = r.consolidation ? ` Consolidated: ${r.consolidation.merged} merged, ${r.consolidation.pruned} pruned.` : '';
      return {
        result: r,
        summary: `Recorded ${verdict} for trajectory ${r.trajectory_id}. ${created ? `Learned ${created}.` : 'No new memory items.'}${updated}${cons}`,
      };
    },
  });
}
