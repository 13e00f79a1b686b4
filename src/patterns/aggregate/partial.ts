/**
 * One node's partial state: the moments always (count at least), plus whichever sketches the ops
 * need. Every part merges associatively and commutatively (space-saving up to its stated bounds),
 * so a tree of any shape produces the same root state.
 */
import { HyperLogLog } from './hll.js';
import { Moments } from './moments.js';
import type { Plan } from './ops.js';
import { QuantileState } from './quantiles.js';
import { SpaceSaving } from './topk.js';

/** Items a space-saving summary keeps for top:<k>: enough that the k reported are well separated. */
export function topCapacity(k: number): number {
  return Math.max(64, 10 * k);
}

export class Partial {
  /** Values folded in, numbers or strings. */
  n = 0;
  readonly moments = new Moments();
  readonly quantiles: QuantileState | null;
  readonly hll: HyperLogLog | null;
  readonly top: SpaceSaving | null;

  constructor(plan: Pick<Plan, 'quantiles' | 'distinct' | 'topK'>) {
    this.quantiles = plan.quantiles ? new QuantileState() : null;
    this.hll = plan.distinct ? new HyperLogLog() : null;
    this.top = plan.topK ? new SpaceSaving(topCapacity(plan.topK)) : null;
  }

  addNumber(v: number): void {
    this.n++;
    this.moments.add(v);
    if (this.quantiles) this.quantiles.add(v);
    if (this.hll) this.hll.addNumber(v);
    if (this.top) this.top.add(String(v));
  }

  addString(s: string): void {
    this.n++;
    if (this.hll) this.hll.addString(s);
    if (this.top) this.top.add(s);
  }

  merge(o: Partial): void {
    if (o.n === 0) return;
    this.n += o.n;
    this.moments.merge(o.moments);
    if (this.quantiles && o.quantiles) this.quantiles.merge(o.quantiles);
    if (this.hll && o.hll) this.hll.merge(o.hll);
    if (this.top && o.top) this.top.merge(o.top);
  }

  reset(): void {
    this.n = 0;
    this.moments.reset();
    this.quantiles?.reset();
    this.hll?.reset();
    this.top?.reset();
  }
}
