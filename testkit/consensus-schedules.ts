/**
 * Random schedules for the consensus property tests and the long bench run: a cluster size, a
 * seed for the network and the liars, network faults that heal at some point (the network
 * "delivers eventually"), Byzantine replicas with random behaviours, and a few proposals.
 */
import fc from 'fast-check';
import { BEHAVIORS, type Fault } from '../src/patterns/consensus/byzantine.js';
import { SimCluster, judge, type ProposalOutcome } from '../src/patterns/consensus/cluster.js';
import { verifyCertificate } from '../src/patterns/consensus/certificate.js';
import { ClusterKeys, generateKeys } from '../src/patterns/consensus/keys.js';
import type { NetworkFaults } from '../src/patterns/consensus/network.js';
import { bftFaults } from '../src/patterns/vote/quorum.js';

export interface Schedule {
  n: number;
  seed: number;
  network: NetworkFaults;
  faults: Fault[];
  proposals: number;
}

const keyCache = new Map<number, ClusterKeys>();
export function keysFor(n: number): ClusterKeys {
  let k = keyCache.get(n);
  if (!k) {
    k = new ClusterKeys(generateKeys(n));
    keyCache.set(n, k);
  }
  return k;
}

export function scheduleArb(
  n: number,
  maxFaults: (f: number) => number = (f) => f,
  minFaults: (f: number) => number = () => 0,
): fc.Arbitrary<Schedule> {
  const f = bftFaults(n);
  const replica = fc.integer({ min: 0, max: n - 1 });
  return fc.record({
    n: fc.constant(n),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    network: fc.record({
      minDelayMs: fc.double({ min: 0.01, max: 1, noNaN: true }),
      maxDelayMs: fc.double({ min: 1, max: 4, noNaN: true }),
      dropRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
      duplicateRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
      reorderRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
      partitions: fc.array(
        fc.record({
          startMs: fc.integer({ min: 0, max: 60 }),
          endMs: fc.integer({ min: 0, max: 150 }),
          groups: fc
            .uniqueArray(replica, { minLength: 1, maxLength: n - 1 })
            .map((g) => [g, Array.from({ length: n + 1 }, (_, i) => i).filter((i) => !g.includes(i))]),
        }),
        { maxLength: 2 },
      ),
      healAtMs: fc.integer({ min: 0, max: 150 }),
    }),
    faults: fc.uniqueArray(
      fc.record({
        replica,
        behavior: fc.constantFrom(...BEHAVIORS),
        delayMs: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
      }),
      { minLength: minFaults(f), maxLength: maxFaults(f), selector: (x) => x.replica },
    ),
    proposals: fc.integer({ min: 1, max: 3 }),
  });
}

export const FAST_TIMING = {
  checkpointInterval: 2,
  window: 8,
  viewChangeTimeoutMs: 60,
  retransmitMs: 25,
  tickMs: 5,
  maxInflight: 2,
  batchMax: 1,
};
export const DEADLINE_MS = 20_000;

export interface Run {
  outcomes: ProposalOutcome[];
  cluster: SimCluster;
  values: unknown[];
  /** Every certificate the client formed, whether or not the judge reported it. */
  certificates: Array<{ value: unknown; cert: NonNullable<ReturnType<SimCluster['client']['result']>['cert']> }>;
  live: boolean;
}

/** Runs a schedule: all proposals up front, then the simulation until settled or the deadline. */
export function runSchedule(s: Schedule, deadlineMs = DEADLINE_MS): Run {
  const keys = keysFor(s.n);
  const c = new SimCluster({ cluster: 'prop', keys, faults: s.faults, network: s.network, seed: s.seed, timing: FAST_TIMING });
  const values = Array.from({ length: s.proposals }, (_, i) => ({ proposal: i, seed: s.seed }));
  const rs = values.map((v) => c.propose(v));
  c.client.keepAlive = true;
  const done = () =>
    rs.every((r) => {
      if (!c.client.settled(r)) return false;
      const cert = c.client.result(r).cert;
      return !cert || c.honestExecuted(cert.seq);
    });
  const live = c.net.run(done, deadlineMs, 2_000_000);
  const outcomes = rs.map((r, i) => judge(c, r, values[i]));
  const certificates = rs.flatMap((r, i) => {
    const cert = c.client.result(r).cert;
    return cert ? [{ value: values[i], cert }] : [];
  });
  return { outcomes, cluster: c, values, certificates, live };
}

/** Safety: honest replicas never diverge; every certificate the client accepted verifies with public keys for its value. */
export function safetyProblem(run: Run): string | null {
  const v = run.cluster.safetyViolation();
  if (v) return v;
  for (const { value, cert } of run.certificates) {
    const check = verifyCertificate(run.cluster.o.keys.pub, 'prop', value, cert.signatures, cert.seq, cert.view);
    if (!check.valid) return `certificate for ${JSON.stringify(value)} does not verify: ${check.reason}`;
    for (const h of run.cluster.honest) {
      const e = h.executed.get(cert.seq);
      if (e && e.rd !== check.digest)
        return `certificate at seq ${cert.seq} but honest replica ${h.id} executed another value there`;
    }
  }
  for (const o of run.outcomes) {
    if (o.committed && !o.certificate) return 'committed without a certificate';
  }
  return null;
}

export function describeSchedule(s: Schedule): string {
  return JSON.stringify(s);
}

/**
 * Schedules per cluster size in CI (>= 5,000 in total over n = 4, 7, 10; the bench's
 * `consensus-long` suite runs ten times as many).
 */
export const CI_RUNS: Record<number, number> = { 4: 3000, 7: 1200, 10: 800 };

/** Safety always; liveness too when `liveness` (at most f faulty, network heals). Throws with the schedule on failure. */
export function checkSchedule(s: Schedule, liveness: boolean): void {
  // Beyond f faults nothing promises progress, so those runs stop early (safety is checked on whatever happened).
  const run = runSchedule(s, liveness ? DEADLINE_MS : 1_000);
  const problem = safetyProblem(run);
  if (problem) throw new Error(`SAFETY: ${problem}\nschedule: ${describeSchedule(s)}`);
  if (liveness) {
    const stuck = run.outcomes.find((o) => !o.committed);
    if (!run.live || stuck)
      throw new Error(
        `LIVENESS: ${stuck?.reason ?? 'not every honest replica executed everything'}\nschedule: ${describeSchedule(s)}`,
      );
  }
}

/** The fixed seed of the CI property runs: every `npm test` checks the same schedules. */
export const CI_SEED = 20251130;

/**
 * fast-check parameters: a fixed seed (tests are deterministic); CONSENSUS_SEED / CONSENSUS_PATH
 * replay a failure fast-check printed, or CONSENSUS_SEED alone explores other schedules.
 */
export function replayParams(seed = CI_SEED): { seed: number; path?: string } {
  return process.env.CONSENSUS_SEED ? { seed: Number(process.env.CONSENSUS_SEED), path: process.env.CONSENSUS_PATH } : { seed };
}
