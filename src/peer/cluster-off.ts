import { SixfoldError } from '../errors.js';

/**
 * The one error the tools see for an unreachable cluster feature. Its own module: a tool names it
 * without loading the peer layer (framing, TLS) at start-up.
 */
export function clusterOff(what: string): SixfoldError {
  return new SixfoldError(
    'unavailable',
    `${what} needs the cluster, and this node is not in one.`,
    'Start sixfold with --cluster-port N and --peer NODE_ID@HOST:PORT for each other node (see README, "Running a cluster").',
  );
}
