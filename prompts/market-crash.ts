import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { codegenNamespaces, crdtDocs, fromList, optionalCompletable } from './complete.js';

/** `market_crash`: which assets drive which, by Granger tests, ephemeral judges and votes, into a CRDT graph. */
export function registerMarketCrashPrompt(server: McpServer, deps: Deps): void {
  server.registerPrompt(
    'market_crash',
    {
      title: 'Causal market crash',
      description:
        'Find the causal graph behind a crash: generated Granger tests, one ephemeral agent per candidate edge, multi_model_vote on contested edges, the graph in a CRDT document.',
      argsSchema: {
        data: z.string().min(1).max(2000).describe('The series: where the prices or returns are, one series per asset'),
        lags: optionalCompletable(
          z
            .string()
            .regex(/^[1-9]$/)
            .describe('Lags in each test, 1-9, default 2'),
          fromList(['1', '2', '3', '4', '5']),
        ),
        alpha: optionalCompletable(
          z
            .string()
            .regex(/^(0?\.\d{1,6}|\de-\d{1,2})$/)
            .describe('p-value below which an edge is plainly causal, default 1e-5'),
          fromList(['1e-5', '1e-4', '0.001', '0.01']),
        ),
        doc: optionalCompletable(
          z
            .string()
            .regex(/^[a-zA-Z0-9._:-]{1,128}$/)
            .describe('CRDT document for the graph, default "market.causal-graph"'),
          crdtDocs(deps),
        ),
        namespace: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('generate_code namespace, default "market-crash"'),
          codegenNamespaces(deps),
        ),
      },
    },
    ({ data, lags, alpha, doc, namespace }) => {
      const p = Number(lags ?? '2');
      const a = alpha ?? '1e-5';
      const d = doc ?? 'market.causal-graph';
      const ns = namespace ?? 'market-crash';
      const text = [
        `Find which assets drive which in this market, and how a crash spread, with sixfold's tools. The data: ${data}`,
        '',
        '1. Use returns (differences of log prices), one series per asset, aligned by date. Every ordered pair of assets is a candidate edge cause -> effect.',
        `2. The test: call generate_code (language "javascript", namespace "${ns}") for "function grangerTest(series, cause, effect, lags, start, end)": a conditional Granger test that regresses ` +
          `series[effect][t] on a constant and lags 1..lags of every series, then again without the cause's lags, and returns {f, p, coef} (the F statistic, its p-value from the F distribution, ` +
          "and the sum of the cause's lag coefficients). Check it on a pair you know (a series built to depend on another, and two independent ones) before using it; record_outcome with the evidence.",
        `3. Run it in code for every candidate edge with lags ${p}: on the full sample, the first half and the second half.`,
        `4. Judge: spawn_ephemeral with one input per candidate edge (its full-sample F, p and coefficient sum), role "edge tester", task: reply causal (p below ${a}), absent (p above 0.05) ` +
          'or contested (between), then one reason.',
        `5. Record: crdt_merge into "${d}", op map_set target "edges", key "CAUSE->EFFECT", value {cause, effect, f, p, coef, agent, verdict, decided_by}, actor "edge-agent-<i>" (one writer per agent).`,
        "6. Decide the contested edges with multi_model_vote: the prompt gives the full-sample p and both halves' p and coefficient sums (a real edge shows in both halves with the same sign), " +
          'choices ["causal", "absent"], quorum "bft"; merge each decision into the document as actor "vote" with decided_by "vote".',
        `7. The graph is what the document holds: crdt_read "${d}" and keep the edges whose verdict is causal. If the true graph is known (synthetic data), score precision, recall and F1.`,
        '',
        "Report the edges (F, p, verdict, who decided), the crash's path (the asset that fell first and the edges its fall travelled), and the score if there is one. " +
          'Say that Granger causality is predictive precedence, not proof of mechanism.',
        'A runnable version on a synthetic market with a planted graph: `npm run example -- market-crash` in a sixfold checkout.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
