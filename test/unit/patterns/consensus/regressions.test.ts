/**
 * Shrunk counterexamples the property tests found under other fast-check seeds, kept as explicit
 * schedules so every run checks them (checkSchedule throws with the reason and the schedule).
 */
import { describe, it } from 'vitest';
import { checkSchedule, type Schedule } from '../../../../testkit/consensus-schedules.js';

const cases: Array<{ name: string; schedule: Schedule }> = [
  {
    // Replica 3 executes seq 2 in view 0 just as it is cut off; the others (one a liar) cannot
    // commit without it and move to view 1. After the heal 3 has nothing pending, so no timer ever
    // tells it about view 1, and its replies (signed in view 0) never match theirs (view 1).
    name: 'a replica left behind in an old view learns the new view after the partition heals',
    schedule: {
      n: 4,
      seed: 2047337830,
      network: {
        minDelayMs: 0.01,
        maxDelayMs: 3.9400248188195555,
        dropRate: 5e-324,
        duplicateRate: 5e-324,
        reorderRate: 5e-324,
        partitions: [{ startMs: 10, endMs: 71, groups: [[3], [0, 1, 2, 4]] }],
        healAtMs: 71,
      },
      faults: [{ replica: 1, behavior: 'corrupt_digest' }],
      proposals: 2,
    },
  },
];

describe('consensus regressions (liveness with at most f faulty once the network heals)', () => {
  for (const c of cases) it(c.name, () => checkSchedule(c.schedule, true));
});
