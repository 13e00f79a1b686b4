/**
 * Property test (fast-check), n = 10: random schedules with network faults that eventually heal
 * (delay, drop, duplicate, reorder, partition) and up to f Byzantine replicas with random
 * behaviours. Safety always: no two honest replicas execute different batches at a sequence and
 * every certificate the client accepted verifies with public keys. Liveness: every proposal is
 * certified and executed by every honest replica before the deadline. On failure fast-check prints
 * its seed and path and the error shows the schedule; replay with CONSENSUS_SEED=... CONSENSUS_PATH=...
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { CI_RUNS, checkSchedule, replayParams, scheduleArb } from '../../../../testkit/consensus-schedules.js';

it(`n = 10: safe and live with up to f Byzantine replicas (${CI_RUNS[10]} schedules)`, { timeout: 120_000 }, () => {
  let runs = 0;
  fc.assert(
    fc.property(scheduleArb(10), (s) => {
      runs++;
      checkSchedule(s, true);
    }),
    { numRuns: CI_RUNS[10], ...replayParams() },
  );
  expect(runs).toBeGreaterThanOrEqual(CI_RUNS[10]);
});
