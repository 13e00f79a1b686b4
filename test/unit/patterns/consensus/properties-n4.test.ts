/**
 * Property test (fast-check), n = 4: random schedules with network faults that eventually heal
 * (delay, drop, duplicate, reorder, partition) and up to f Byzantine replicas with random
 * behaviours. Safety always: no two honest replicas execute different batches at a sequence and
 * every certificate the client accepted verifies with public keys. Liveness: every proposal is
 * certified and executed by every honest replica before the deadline. On failure fast-check prints
 * its seed and path and the error shows the schedule; replay with CONSENSUS_SEED=... CONSENSUS_PATH=...
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { CI_RUNS, checkSchedule, replayParams, scheduleArb } from '../../../../testkit/consensus-schedules.js';

it(`n = 4: safe and live with up to f Byzantine replicas (${CI_RUNS[4]} schedules)`, { timeout: 120_000 }, () => {
  let runs = 0;
  fc.assert(
    fc.property(scheduleArb(4), (s) => {
      runs++;
      checkSchedule(s, true);
    }),
    { numRuns: CI_RUNS[4], ...replayParams() },
  );
  expect(runs).toBeGreaterThanOrEqual(CI_RUNS[4]);
});

it(
  'n = 4 and 7 with f+1 to 2f+1 faulty: safety still holds and no false certificate (2 × 100 schedules)',
  { timeout: 120_000 },
  () => {
    for (const n of [4, 7]) {
      fc.assert(
        fc.property(
          scheduleArb(
            n,
            (f) => 2 * f + 1,
            (f) => f + 1,
          ),
          (s) => checkSchedule(s, false),
        ),
        { numRuns: 100, ...replayParams() },
      );
    }
  },
);

it('CI runs at least 5,000 schedules over n = 4, 7, 10', () => {
  expect(CI_RUNS[4] + CI_RUNS[7] + CI_RUNS[10]).toBeGreaterThanOrEqual(5000);
});
