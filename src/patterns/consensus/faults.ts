import { invalidInput } from '../../errors.js';
import type { Behavior } from './byzantine.js';

/** A fault as byzantine_propose takes it (mode "simulate"). */
export interface FaultRequest {
  replica: number;
  behavior: Behavior;
  delay_ms?: number;
}

/**
 * The replica count a proposal to a simulated cluster runs with: the stored cluster's, or the
 * requested one for a new cluster (4 by default). A request for another count is refused: a
 * cluster's keys are made once, for its n replicas.
 */
export function replicasFor(cluster: string, stored: number | undefined, requested: number | undefined): number {
  if (stored !== undefined && requested !== undefined && requested !== stored) {
    throw invalidInput(
      `Cluster "${cluster}" already exists with ${stored} replicas; replicas applies only when creating a cluster.`,
      `Omit replicas, or use a new cluster name for ${requested} replicas.`,
    );
  }
  return stored ?? requested ?? 4;
}

/** Faults must name distinct replicas of the cluster, and delay_ms only where it has a meaning. */
export function checkFaults(cluster: string, n: number, faults: readonly FaultRequest[]): void {
  const seen = new Set<number>();
  for (const x of faults) {
    if (x.replica >= n)
      throw invalidInput(
        `faults names replica ${x.replica}, but cluster "${cluster}" has replicas 0..${n - 1}.`,
        `Use replica indexes from 0 to ${n - 1}.`,
      );
    if (seen.has(x.replica))
      throw invalidInput(`faults lists replica ${x.replica} twice.`, 'Give each faulty replica one behavior.');
    if (x.delay_ms !== undefined && x.behavior !== 'delay' && x.behavior !== 'random')
      throw invalidInput(
        `faults[replica ${x.replica}] has delay_ms but behavior "${x.behavior}".`,
        'delay_ms applies to behavior "delay" (or "random"); drop it or change the behavior.',
      );
    seen.add(x.replica);
  }
}
