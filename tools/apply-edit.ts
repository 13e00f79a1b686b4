import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { lazy } from '../src/lazy.js';
import { defineTool, elapsedMs, toolInput } from '../src/tool-kit.js';

/** The merge, loaded on the first call. */
const merge = lazy(() => import('../src/patterns/codegen/apply-edit.js'));

const MAX_FILE = 2_000_000;

export function registerApplyEditTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'apply_edit',
    title: 'Apply a lazy edit to a file',
    description:
      'Merges an edit snippet into a file locally, in milliseconds, with no LLM. The edit holds the new code for one or ' +
      'more regions; unchanged code between them is elided by a comment line "... existing code ..." (any comment ' +
      'style: //, #, --, /* */, <!-- -->, ;, %). Start and end each region with unchanged lines from the original (two ' +
      'or three make it unambiguous): the original lines between them are replaced by the region (that is how lines ' +
      'are deleted). A region with no marker before it starts at line 1; with none after it, it runs to the end. ' +
      "Where a region's context fits several places, the one deleting the fewest original lines is taken and the " +
      'others are listed (alternatives); a tie is refused. confidence 1: one place fits; 0.5-1: the rule chose; ' +
      'below 0.5: a guess, with warnings saying why. Returns the merged file; writes nothing.',
    input: toolInput({
      original: z
        .string({ error: 'original must be the file content as a string ("" for a new file)' })
        .max(MAX_FILE, `original is over ${MAX_FILE} characters`),
      edit: z
        .string({ error: 'edit must be a string' })
        .min(1, 'edit is empty; send the new code with "// ... existing code ..." markers')
        .max(MAX_FILE, `edit is over ${MAX_FILE} characters`),
      language: z
        .string()
        .max(40)
        .optional()
        .describe('Informational, e.g. "typescript"; markers are recognised in every comment style.'),
      path: z.string().max(1000).optional().describe('Informational: the file the edit is for.'),
    }),
    output: z.object({
      merged: z.string(),
      confidence: z.number(),
      strategy: z.string(),
      regions: z.array(
        z.object({
          start_line: z.number().int(),
          end_line: z.number().int(),
          anchors: z.array(z.string()),
          deleted_lines: z.number().int(),
        }),
      ),
      changed_lines: z.number().int(),
      alternatives: z
        .array(
          z.object({
            region: z.number().int(),
            start_line: z.number().int(),
            end_line: z.number().int(),
            deleted_lines: z.number().int(),
          }),
        )
        .optional()
        .describe(
          'Present when a region fitted more than one place: the placements not taken (1-based region and original lines).',
        ),
      warnings: z
        .array(z.string())
        .optional()
        .describe('Present when the merge is a guess (confidence < 0.5): which regions, why, and the other placements.'),
      elapsed_ms: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const { applyEdit } = await merge();
      const start = performance.now();
      const r = applyEdit(args.original, args.edit);
      const result = { ...r, elapsed_ms: elapsedMs(start) };
      const where = r.regions.map((g) => `${g.start_line}-${g.end_line}`).join(', ');
      const guess = r.warnings?.length
        ? ` WARNING: this merge is a guess (confidence ${r.confidence}): ${r.warnings.join(' ')} Check it, or resend the region with more unchanged context (a line that occurs once in the file) next to the lines it changes.`
        : '';
      const others =
        !guess && r.alternatives?.length
          ? ` ${r.alternatives.length} other placement(s) fitted; the one deleting the fewest lines was taken (see alternatives).`
          : '';
      return {
        result,
        summary: `Merged ${r.regions.length} region(s) ${where ? `at original lines ${where} ` : ''}(${r.strategy}, confidence ${r.confidence}, ${r.changed_lines} line(s) changed${args.path ? `, ${args.path}` : ''}). The merged file is in structuredContent.merged.${others}${guess}`,
      };
    },
  });
}
