/**
 * Protein folding consensus (patterns 1, 2, 6): four predictor agents fold a toy HP sequence by
 * Monte Carlo, one of them faulty; generate_code writes the scorer that verifies their folds
 * (tested against a reference before it is trusted; record_outcome closes the loop); aggregate
 * summarises the energies they claim; byzantine_propose commits the best verified fold on a PBFT
 * cluster whose faulty replica is the faulty predictor; verify_certificate checks the commit.
 */
import type { Example, ExampleOptions, ExampleReport } from '../lib/example.js';
import { runGenerated } from '../lib/sandbox.js';
import { Sixfold } from '../lib/server.js';
import { formatTable, sig } from '../lib/table.js';
import { drawProtein } from './draw.js';
import { fold, hpEnergy, makeSequence, testFolds, type FolderSpec } from './hp.js';
import { CODEGEN_MARKER, standIn } from './stand-in.js';

export const SEQUENCE_LENGTH = 24;

/** Predictor i is PBFT replica i; the faulty one is replica 0, the primary of view 0, so the cluster must replace it. */
export function predictors(seed: number): FolderSpec[] {
  return [
    { name: 'folder-0 (faulty)', seed: seed * 101 + 1, runs: 6, steps: 20_000, t0: 2, t1: 0.05, broken: true },
    { name: 'folder-1', seed: seed * 101 + 2, runs: 6, steps: 20_000, t0: 2, t1: 0.05 },
    { name: 'folder-2', seed: seed * 101 + 3, runs: 4, steps: 30_000, t0: 1, t1: 0.1 },
    { name: 'folder-3', seed: seed * 101 + 4, runs: 12, steps: 8_000, t0: 0.6, t1: 0.05 },
  ];
}

export const FAULTY_BEHAVIOR = 'corrupt_digest';

interface Proposal {
  predictor: string;
  replica: number;
  moves: string;
  claimed: number;
  valid: boolean;
  verified: number;
  accepted: boolean;
}

export interface ProteinResult {
  sequence: string;
  proposals: Proposal[];
  scorer: { source: 'generated' | 'reference'; tests: number; passed: number; error?: string };
  aggregate: { count: number; min: number; mean: number; max: number; stddev: number };
  consensus: { moves: string; energy: number; proposer: string };
  commit: {
    committed: boolean;
    sequence: number | null;
    view: number | null;
    view_changes: number;
    faulty_replicas: number[];
    signatures: number;
    messages: number;
  };
  certificate_valid: boolean;
}

interface AggregateOut {
  results: Record<string, number>;
}

interface CommitOut {
  committed: boolean;
  sequence: number | null;
  view: number | null;
  view_changes: number;
  faulty_replicas: number[];
  certificate: Array<{ replica: number; signature: string }>;
  messages: number;
  reason?: string;
}

async function run(opts: ExampleOptions): Promise<ExampleReport> {
  const sequence = makeSequence(opts.seed, SEQUENCE_LENGTH);
  const specs = predictors(opts.seed);
  opts.progress(`sequence ${sequence}; folding with ${specs.length} predictors`);
  const runs = specs.map((s) => fold(sequence, s));
  const best = runs.map((rs) => rs.reduce((a, b) => (b.claimed < a.claimed ? b : a)));

  const sixfold = await Sixfold.start({ dir: opts.workDir, standIn, env: opts.env });
  try {
    // Pattern 1: the scorer that verifies proposals is generated code, trusted only once it matches the reference.
    opts.progress('generate_code: the scorer');
    const gen = await sixfold.call<{ code: string; trajectory_id: string }>('generate_code', {
      task:
        `Write a JavaScript function \`${CODEGEN_MARKER}\` for the 2D HP lattice protein model. sequence is a string of H and P; ` +
        'moves is a string of n-2 letters F, L, R: the first bond points east (+x), each later bond goes forward, left or right of the previous one. ' +
        'Return {valid, energy}: valid is false if two residues occupy the same lattice point or the moves do not fit the sequence; ' +
        'energy is -1 for every pair of H residues adjacent on the lattice but not consecutive in the chain. Plain JavaScript, no imports.',
      language: 'javascript',
      namespace: 'protein-folding',
    });
    const tests = testFolds(opts.seed, sequence, 24);
    const sandbox = await runGenerated<{ valid: boolean; energy: number }>(
      gen.code,
      'hpEnergy',
      undefined,
      [...tests, ...best.map((b) => b.moves)].map((m) => [sequence, m]),
    );
    let passed = 0;
    let error: string | undefined;
    if (sandbox.ok) {
      tests.forEach((m, i) => {
        const want = hpEnergy(sequence, m);
        const got = sandbox.results[i];
        if (got && got.valid === want.valid && (!want.valid || got.energy === want.energy)) passed++;
      });
      if (passed < tests.length)
        error = `${tests.length - passed} of ${tests.length} test folds scored differently from the reference`;
    } else {
      error = sandbox.error;
    }
    const trusted = sandbox.ok && passed === tests.length;
    await sixfold.call('record_outcome', {
      trajectory_id: gen.trajectory_id,
      success: trusted,
      notes: trusted
        ? `matched the reference scorer on ${tests.length} test folds (valid and self-intersecting)`
        : `rejected: ${error}`,
    });
    const score = (i: number) => (trusted && sandbox.ok ? sandbox.results[tests.length + i] : hpEnergy(sequence, best[i].moves));
    const proposals: Proposal[] = best.map((b, i) => {
      const v = score(i);
      return {
        predictor: specs[i].name,
        replica: i,
        moves: b.moves,
        claimed: b.claimed,
        valid: v.valid,
        verified: v.energy,
        accepted: v.valid && v.energy === b.claimed,
      };
    });

    // Pattern 6: what the predictors claim, summarised as a swarm would (tree aggregation).
    opts.progress('aggregate: the claimed energies');
    const claims = runs.flat().map((r) => r.claimed);
    const agg = await sixfold.call<AggregateOut>('aggregate', {
      values: claims,
      ops: ['count', 'min', 'mean', 'max', 'stddev'],
      fanout: 4,
    });
    const perPredictor = await Promise.all(
      runs.map((rs) =>
        sixfold.call<AggregateOut>('aggregate', { values: rs.map((r) => r.claimed), ops: ['min', 'mean', 'stddev'] }),
      ),
    );

    // Pattern 2: commit the best verified fold; the faulty predictor is a Byzantine replica.
    const pick = proposals
      .filter((p) => p.accepted)
      .reduce<Proposal | undefined>((a, p) => (!a || p.verified < a.verified ? p : a), undefined);
    if (!pick) throw new Error('no proposal passed verification');
    const value = { sequence, moves: pick.moves, energy: pick.verified, proposer: pick.predictor };
    opts.progress(`byzantine_propose: the fold of ${pick.predictor} (energy ${pick.verified})`);
    const commit = await sixfold.call<CommitOut>('byzantine_propose', {
      cluster: 'protein-folding',
      replicas: 4,
      value,
      faults: [{ replica: 0, behavior: FAULTY_BEHAVIOR }],
      seed: opts.seed,
      schema: {
        type: 'object',
        required: ['sequence', 'moves', 'energy', 'proposer'],
        additionalProperties: false,
        properties: {
          sequence: { const: sequence },
          moves: { type: 'string', pattern: `^[FLR]{${sequence.length - 2}}$` },
          energy: { type: 'integer', maximum: 0 },
          proposer: { type: 'string' },
        },
      },
    });
    if (!commit.committed) throw new Error(`the consensus fold was not committed: ${commit.reason}`);
    const check = await sixfold.call<{ valid: boolean }>('verify_certificate', {
      cluster: 'protein-folding',
      value,
      certificate: commit.certificate,
      sequence: commit.sequence,
      view: commit.view,
    });

    const result: ProteinResult = {
      sequence,
      proposals,
      scorer: { source: trusted ? 'generated' : 'reference', tests: tests.length, passed, ...(error ? { error } : {}) },
      aggregate: {
        count: agg.results.count,
        min: agg.results.min,
        mean: agg.results.mean,
        max: agg.results.max,
        stddev: agg.results.stddev,
      },
      consensus: { moves: pick.moves, energy: pick.verified, proposer: pick.predictor },
      commit: {
        committed: commit.committed,
        sequence: commit.sequence,
        view: commit.view,
        view_changes: commit.view_changes,
        faulty_replicas: commit.faulty_replicas,
        signatures: commit.certificate.length,
        messages: commit.messages,
      },
      certificate_valid: check.valid,
    };

    const table = formatTable(
      ['predictor', 'replica', 'runs', 'claimed best', 'mean claim', 'verified', 'self-avoiding', 'verdict'],
      proposals.map((p, i) => [
        p.predictor,
        p.replica,
        runs[i].length,
        p.claimed,
        sig(perPredictor[i].results.mean, 3),
        p.valid ? p.verified : '–',
        p.valid ? 'yes' : 'no',
        !p.accepted ? 'rejected' : p === pick ? 'consensus' : 'valid',
      ]),
    );
    const notes = [
      `scorer: ${trusted ? `generated by generate_code, matched the reference on ${passed}/${tests.length} test folds` : `the reference (the generated one was rejected: ${error})`}; outcome recorded with record_outcome`,
      `aggregate over ${agg.results.count} claimed run energies: min ${agg.results.min}, mean ${sig(agg.results.mean)}, max ${agg.results.max}, stddev ${sig(agg.results.stddev)}`,
      `committed by PBFT (n=4, f=1, replica 0 ${FAULTY_BEHAVIOR}): fold ${pick.moves}, energy ${pick.verified}, from ${pick.predictor}; ` +
        `sequence ${commit.sequence}, view ${commit.view} after ${commit.view_changes} view change(s), ${commit.certificate.length} signatures, certificate ${check.valid ? 'valid' : 'INVALID'}`,
    ];
    const svg = drawProtein(
      sequence,
      {
        title: `Consensus fold: energy ${pick.verified}`,
        subtitle: `proposed by ${pick.predictor}; committed at view ${commit.view} despite faulty replica 0; certificate ${check.valid ? 'verified' : 'invalid'}`,
        moves: pick.moves,
      },
      proposals.map((p) => ({
        title: p.predictor,
        subtitle: p.valid ? `claimed ${p.claimed}, verified ${p.verified}` : `claimed ${p.claimed}; passes through itself`,
        moves: p.moves,
        rejected: !p.accepted,
      })),
      runs.map((rs, i) => ({
        name: specs[i].name,
        claims: rs.map((r) => r.claimed),
        verified: proposals[i].valid ? proposals[i].verified : null,
      })),
    );
    return {
      simulated:
        'the protein is a toy 2D HP lattice sequence made from the seed; the four predictors are Monte Carlo folders in this process (folder-0 has a deliberately broken self-avoidance check); the PBFT replicas run inside the server on its simulated network.',
      table,
      notes,
      llm: [...sixfold.answeredBy],
      svg,
      result,
    };
  } finally {
    await sixfold.close();
  }
}

export const proteinFolding: Example = { name: 'protein-folding', title: 'Protein folding consensus', run };
