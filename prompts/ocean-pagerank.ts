import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { crdtDocs, fromList, optionalCompletable } from './complete.js';

/** `ocean_pagerank`: PageRank by partition workers whose rank vectors merge through CRDT documents. */
export function registerOceanPagerankPrompt(server: McpServer, deps: Deps): void {
  server.registerPrompt(
    'ocean_pagerank',
    {
      title: 'Ocean PageRank',
      description:
        "PageRank over a large graph: partition workers iterate, each round's rank vector merges through a CRDT document as binary chunks, aggregate sums the residual, ephemeral agents write the report.",
      argsSchema: {
        graph: z.string().min(1).max(2000).describe('The graph: where its edges are and how they are written'),
        partitions: optionalCompletable(
          z
            .string()
            .regex(/^([1-9]|[1-5]\d|6[0-4])$/)
            .describe('Partition workers, 1-64, default 4'),
          fromList(['2', '4', '8', '16']),
        ),
        damping: optionalCompletable(
          z
            .string()
            .regex(/^0?\.\d{1,6}$/)
            .describe('Damping factor, default 0.85'),
          fromList(['0.85', '0.9', '0.5']),
        ),
        tolerance: optionalCompletable(
          z
            .string()
            .regex(/^\d(\.\d+)?e-\d{1,2}$/)
            .describe('Stop below this L1 residual, default 1e-6'),
          fromList(['1e-4', '1e-6', '1e-8']),
        ),
        doc_prefix: optionalCompletable(
          z
            .string()
            .regex(/^[a-zA-Z0-9._:-]{1,100}$/)
            .describe('Prefix of the round documents, default "pagerank"'),
          crdtDocs(deps),
        ),
      },
    },
    ({ graph, partitions, damping, tolerance, doc_prefix }) => {
      const p = Number(partitions ?? '4');
      const d = damping ?? '0.85';
      const tol = tolerance ?? '1e-6';
      const prefix = doc_prefix ?? 'pagerank';
      const text = [
        `Compute PageRank over this graph with sixfold's tools: ${graph}`,
        `Use ${p} partition workers, damping ${d}, and stop when the global L1 residual is below ${tol} (or after 100 rounds).`,
        '',
        'The arithmetic belongs in code you can run (a script, worker threads), not in a model: sixfold carries the coordination.',
        `1. Partition the N pages into ${p} contiguous ranges made of whole chunks of 8,192 pages, so each chunk has one writer. Start every rank at 1/N.`,
        `2. Each round r, each worker computes its pages' new ranks from the previous global vector: r'[v] = (1 - ${d})/N + ${d} * (dangling/N + sum over in-links u->v of r[u]/outdeg[u]), ` +
          "where dangling is the rank of pages with no out-links; and the sum of |r'[v] - r[v]| over each block of 1,024 pages.",
        `3. Merge each worker's part with crdt_merge into the document "${prefix}.round.<r as 3 digits>", as actor "partition-<k>": one op map_set per chunk, target "ranks", key "c<chunk index>", ` +
          'value = the chunk as Float32 little-endian, base64 (43,692 characters, under the 64 KiB per value); and map_set target "partitions", key "p<k>", value {lo, hi, mass, dangling, block_residuals, top}. ' +
          "(Or build each worker's part as a Yjs update and send all of them in one call as updates, with since = their merged state vector so the answer does not echo them.) " +
          'Never write one JSON key per page: binary chunks keep a 100,000-page round near half a megabyte.',
        '4. Read the round back with crdt_read and rebuild the global vector from "ranks"; the next round\'s dangling mass is the sum of the partitions\' "dangling".',
        '5. The residual: aggregate with values = every partition\'s block_residuals and ops ["sum", "max"]. The sum is the global L1 residual; stop when it is below the tolerance.',
        `6. The report: spawn_ephemeral with one input per partition (its best pages with rank and in-links, its share of all rank), task "one sentence for the report", namespace "${prefix}", persist true.`,
        '',
        "Report the 10 best pages (rank, partition, in-links), the residual per round and the rounds to converge, and the agents' sentences.",
        'A runnable version on a generated 100,000-page graph: `npm run example -- ocean-pagerank` in a sixfold checkout.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
