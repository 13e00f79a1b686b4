import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { BEHAVIORS } from '../src/patterns/consensus/byzantine.js';
import { codegenNamespaces, consensusClusters, fromList, optionalCompletable } from './complete.js';

/** Classic 2D HP benchmark sequences (Unger and Moult 1993), offered while typing. */
const BENCHMARKS = [
  'HPHPPHHPHPPHPHHPPHPH',
  'HHPPHPPHPPHPPHPPHPPHPPHH',
  'PPHPPHHPPPPHHPPPPHHPPPPHH',
  'PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP',
];

/** `protein_folding`: fold an HP sequence by consensus of several predictors, one possibly faulty. */
export function registerProteinFoldingPrompt(server: McpServer, deps: Deps): void {
  server.registerPrompt(
    'protein_folding',
    {
      title: 'Protein folding consensus (HP lattice)',
      description:
        'Several predictors fold a toy HP sequence; a generated, tested scorer verifies them; aggregate summarises their claims; byzantine_propose commits the best verified fold despite a faulty predictor.',
      argsSchema: {
        sequence: completable(
          z
            .string()
            .regex(/^[HPhp]{4,64}$/)
            .describe('The HP sequence, 4-64 letters H and P'),
          fromList(BENCHMARKS),
        ),
        predictors: optionalCompletable(
          z
            .string()
            .regex(/^([4-9]|[12]\d|3[01])$/)
            .describe('Predictors = PBFT replicas, 4-31, default 4'),
          fromList(['4', '5', '6', '7']),
        ),
        faulty_behavior: optionalCompletable(
          z
            .string()
            .regex(/^[a-z_]{1,20}$/)
            .describe(`How a faulty predictor's replica lies: ${BEHAVIORS.join(', ')}`),
          fromList(BEHAVIORS),
        ),
        cluster: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('Consensus cluster, default "protein-folding"'),
          consensusClusters(deps),
        ),
        namespace: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('generate_code namespace, default "protein-folding"'),
          codegenNamespaces(deps),
        ),
      },
    },
    ({ sequence, predictors, faulty_behavior, cluster, namespace }) => {
      const seq = sequence.toUpperCase();
      const n = Number(predictors ?? '4');
      const f = Math.floor((n - 1) / 3);
      const behavior =
        faulty_behavior && (BEHAVIORS as readonly string[]).includes(faulty_behavior) ? faulty_behavior : 'corrupt_digest';
      const cl = cluster ?? 'protein-folding';
      const ns = namespace ?? 'protein-folding';
      const text = [
        `Fold the HP lattice sequence ${seq} (${seq.length} residues; H hydrophobic, P polar) by consensus of ${n} predictors, up to ${f} of them faulty, using sixfold's tools.`,
        '',
        `A fold is a string of ${seq.length - 2} relative moves: the first bond points east, then each later bond goes F (forward), L (left) or R (right) of the one before. ` +
          'Its energy is -1 for every pair of H residues that touch on the square lattice without being neighbours in the chain; a fold that passes through itself is invalid. Lower is better.',
        '',
        `1. Predict: run ${n} independent predictors (sub-agents, or Monte Carlo code you can execute, each with its own seed). Each returns its best fold, the energy it claims for it, and the claimed energy of every run it made.`,
        `2. Scorer: call generate_code with language "javascript", namespace "${ns}" and the task "Write a JavaScript function hpEnergy(sequence, moves) returning {valid, energy}" ` +
          'followed by the rules above. Test the code before trusting it: score a dozen folds you have checked by hand (at least one that passes through itself). ' +
          'Call record_outcome with the trajectory_id, success true or false, and the evidence in notes. If it fails, retry with what failed in the task, or score by hand.',
        '3. Summarise the claims with aggregate: values = every claimed run energy, ops ["count", "min", "mean", "stddev", "max"]; then once per predictor (ops ["min", "mean", "stddev"]). ' +
          "A predictor whose claims sit far below everyone else's is suspect.",
        "4. Verify every predictor's best fold with the scorer: an invalid fold, or one whose energy is not what was claimed, is out.",
        `5. Commit with byzantine_propose: value {sequence, moves, energy, proposer} of the lowest verified energy, cluster "${cl}", replicas ${n} (predictor i is replica i), ` +
          `schema {"type": "object", "required": ["sequence", "moves", "energy", "proposer"], "properties": {"sequence": {"const": "${seq}"}, "moves": {"type": "string", "pattern": "^[FLR]{${seq.length - 2}}$"}, "energy": {"type": "integer", "maximum": 0}}}. ` +
          `To see the cluster commit despite a faulty predictor, name it: faults [{"replica": <its index>, "behavior": "${behavior}"}] (a faulty primary is replaced by a view change). committed must be true.`,
        '6. Check the commit with verify_certificate (cluster, value, certificate, sequence and view as byzantine_propose returned them); valid must be true.',
        '',
        'Report a table (predictor, best claimed energy, verified energy, valid, verdict), then the committed fold, its energy, the view and view changes, and the certificate check. ' +
          'Say plainly that the HP model is a toy of protein folding, not structure prediction.',
        'A runnable version on a seeded sequence: `npm run example -- protein-folding` in a sixfold checkout.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
