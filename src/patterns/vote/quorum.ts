/**
 * Quorum rules and the running tally that decides when a vote is over. Pure: the caller feeds
 * votes in as they arrive and aborts the rest when `settled` turns true.
 */
export const QUORUMS = ['majority', 'two_thirds', 'bft', 'unanimous'] as const;
export type QuorumRule = (typeof QUORUMS)[number];

/** Byzantine faults tolerated among n voters. */
export function bftFaults(n: number): number {
  return Math.max(0, Math.floor((n - 1) / 3));
}

/**
 * Votes needed to decide among n voters. `bft` is 2f+1 with f = ⌊(n−1)/3⌋, raised where needed to
 * ⌈(n+f+1)/2⌉ so two different answers can never both reach it while at most f voters lie
 * (for n = 3f+1 the two are equal: 3 of 4, 5 of 7).
 */
export function quorumSize(rule: QuorumRule, n: number): number {
  switch (rule) {
    case 'majority':
      return Math.floor(n / 2) + 1;
    case 'two_thirds':
      return Math.ceil((2 * n) / 3);
    case 'unanimous':
      return n;
    case 'bft': {
      const f = bftFaults(n);
      return Math.max(2 * f + 1, Math.ceil((n + f + 1) / 2));
    }
  }
}

export interface TallyState {
  /** The answer that reached the quorum, if one has. */
  decision: string | null;
  /** True once the outcome cannot change: decided, impossible, or every vote is in. */
  settled: boolean;
  quorumReached: boolean;
  /** Votes for the leading answer / n. */
  agreement: number;
}

export class Tally {
  private readonly counts = new Map<string, number>();
  private received = 0;
  readonly quorum: number;

  constructor(
    readonly n: number,
    rule: QuorumRule,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`a vote needs at least one voter, got ${n}`);
    this.quorum = quorumSize(rule, n);
  }

  /** Adds one vote; `null` is a vote that agrees with nobody (an error or an invalid answer). */
  add(normalized: string | null): TallyState {
    this.received++;
    if (normalized !== null) this.counts.set(normalized, (this.counts.get(normalized) ?? 0) + 1);
    return this.state();
  }

  /** Answers in order of votes received, most first. */
  ranking(): Array<[answer: string, votes: number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1]);
  }

  state(): TallyState {
    const [top] = this.ranking();
    const best = top?.[1] ?? 0;
    const decided = best >= this.quorum;
    const outstanding = this.n - this.received;
    const impossible = !decided && best + outstanding < this.quorum;
    return {
      decision: decided ? top[0] : null,
      settled: decided || impossible || outstanding === 0,
      quorumReached: decided,
      agreement: best / this.n,
    };
  }
}
