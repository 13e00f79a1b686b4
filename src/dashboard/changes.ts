import type { Deps } from '../deps.js';
import type { DashboardQueries } from './queries.js';

/** What changed, for live updates: the areas whose rows changed, or "db" when a write touched none of them. */
export type Topic = 'memory' | 'consensus' | 'crdt' | 'agents' | 'router' | 'peers' | 'db';

/**
 * Watches the database for the dashboard's live updates. While anyone listens, every `periodMs` it
 * asks SQLite whether anything was written since the last look (this connection's total_changes
 * and data_version for other connections: two cheap reads), and only then compares per-area
 * fingerprints to say which areas changed. Gossip peers are in memory and compared directly.
 * Writes by another process on the same file are seen too.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(topics: Topic[]) => void>();
  private timer: NodeJS.Timeout | undefined;
  private mark = '';
  private prints: Record<string, string> = {};
  private peers = '';

  constructor(
    private readonly sql: DashboardQueries,
    private readonly deps: Deps,
    private readonly periodMs: number,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: (topics: Topic[]) => void): () => void {
    if (!this.listeners.size) this.start();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  private peerPrint(): string {
    const g = this.deps.gossip?.status();
    const p = (this.deps as { peers?: { status(): unknown } }).peers;
    return JSON.stringify([g?.peers, g?.counters.received, typeof p?.status === 'function' ? p.status() : null]);
  }

  private start(): void {
    this.mark = this.sql.writeMark();
    this.prints = this.sql.fingerprints();
    this.peers = this.peerPrint();
    this.timer = setInterval(() => this.check(), this.periodMs);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look; returns the topics it announced (tests call it directly). */
  check(): Topic[] {
    const topics: Topic[] = [];
    try {
      const mark = this.sql.writeMark();
      if (mark !== this.mark) {
        this.mark = mark;
        const prints = this.sql.fingerprints();
        for (const [k, v] of Object.entries(prints)) if (this.prints[k] !== v) topics.push(k as Topic);
        this.prints = prints;
        if (!topics.length) topics.push('db');
      }
      const peers = this.peerPrint();
      if (peers !== this.peers) {
        this.peers = peers;
        topics.push('peers');
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'dashboard change check failed');
      return [];
    }
    if (topics.length) for (const l of [...this.listeners]) l(topics);
    return topics;
  }

  close(): void {
    this.stop();
    this.listeners.clear();
  }
}
