/**
 * Proposals to one simulated cluster run one at a time: each takes the cluster's next sequence
 * number from the stored base, so two at once would race for it (the store refuses the loser).
 * Different clusters run side by side. One queue per server process (built with the store).
 */
export class ProposalQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call for `cluster` has settled; its result or error is the caller's. */
  run<T>(cluster: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(cluster) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.tails.set(cluster, settled);
    void settled.then(() => {
      if (this.tails.get(cluster) === settled) this.tails.delete(cluster);
    });
    return next;
  }
}
