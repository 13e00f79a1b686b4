import type Database from 'better-sqlite3';
import type { DB } from '../../memory/db.js';

/**
 * The agent ledger: every ephemeral agent's current state and each lifecycle transition, in
 * SQLite (migration 5), so `list_agents` sees the agents of every concurrent call and a restart
 * never shows an agent as running. Transitions are buffered and written in one transaction per
 * event-loop turn, an agent's transitions of one turn merged into one row update (a burst of a
 * thousand agents is a few transactions, not thousands); every read flushes first, so nothing
 * recorded is ever invisible to a reader in this process.
 */
export const AGENT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'expired', 'cancelled'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
export type FinalStatus = Exclude<AgentStatus, 'queued' | 'running'>;
/** What a running agent is doing; the final status is recorded as its last event. */
export type Phase = 'loading' | 'executing' | 'persisting';

export interface AgentRow {
  id: string;
  run_id: string;
  role: string;
  input_index: number;
  status: AgentStatus;
  phase: string;
  owner_pid: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  result: string | null;
  memories_loaded: number;
  memories_written: number;
  cost_usd: number;
  error: string | null;
  /** JSON [[phase or final status, at_ms], ...]. */
  transitions: string;
}

export interface NewAgent {
  id: string;
  run_id: string;
  role: string;
  input_index: number;
}

export interface AgentEnd {
  status: FinalStatus;
  result: string | null;
  memories_loaded: number;
  memories_written: number;
  cost_usd: number;
  error: string | null;
}

/** Why an agent was stopped from outside: its TTL ran out, or someone cancelled it. */
export class AgentStop extends Error {
  constructor(
    readonly status: 'expired' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'AgentStop';
  }
}

export const RESTARTED = 'server restarted while the agent was running';
/** Finished agents are kept this long, then pruned at start-up. */
const KEEP_MS = 7 * 24 * 3600 * 1000;
const LIST_MAX = 500;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class AgentLedger {
  private readonly dirty = new Map<string, Partial<AgentRow>>();
  /** Agents not yet ended: their rowid (updates skip the id index) and transitions so far (written whole each time). */
  private readonly open = new Map<
    string,
    { rowid: number | bigint; run: string; trail: Array<[string, number]>; ended?: boolean }
  >();
  private scheduled = false;
  /** Running agents' controllers, for terminate_agent by id. */
  private readonly live = new Map<string, AbortController>();
  private readonly runs = new Map<string, AbortController>();
  /** Queued agents terminated by id before their turn. */
  private readonly stopped = new Map<string, AgentStop>();
  private readonly st: Record<string, Database.Statement>;
  /** Told which runs' rows were written, after each commit (agents:// subscriptions). */
  onWrite: ((runIds: string[]) => void) | undefined;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
    readonly pid = process.pid,
  ) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO agents (id, run_id, role, input_index, status, phase, owner_pid, created_at, transitions)
         VALUES (@id, @run_id, @role, @input_index, 'queued', 'queued', @pid, @at, @transitions)`,
      ),
      // A merged patch: NULL leaves a column as it is (no transition clears a value).
      update: db.prepare(
        `UPDATE agents SET status = coalesce(@status, status), phase = coalesce(@phase, phase), started_at = coalesce(@started_at, started_at),
           ended_at = coalesce(@ended_at, ended_at), result = coalesce(@result, result), memories_loaded = coalesce(@memories_loaded, memories_loaded),
           memories_written = coalesce(@memories_written, memories_written), cost_usd = coalesce(@cost_usd, cost_usd), error = coalesce(@error, error),
           transitions = @transitions
         WHERE rowid = @rowid`,
      ),
      restarted: db.prepare(
        `UPDATE agents SET status = 'failed', phase = 'terminated', ended_at = @at, error = @error,
           transitions = json_insert(transitions, '$[#]', json_array('failed', @at)) WHERE id = @id`,
      ),
      run: db.prepare('SELECT * FROM agents WHERE run_id = ? ORDER BY input_index'),
      one: db.prepare('SELECT * FROM agents WHERE id = ?'),
      openInRun: db.prepare("SELECT count(*) AS n FROM agents WHERE run_id = ? AND status IN ('queued', 'running')"),
    };
    this.recover();
  }

  /**
   * Agents a dead process left queued or running are marked failed ("server restarted"); those of
   * a live process (another server on the same file) are left alone. Old finished agents are pruned.
   */
  private recover(): void {
    const stale = (
      this.db.prepare("SELECT id, owner_pid FROM agents WHERE status IN ('queued', 'running')").all() as {
        id: string;
        owner_pid: number;
      }[]
    ).filter((r) => r.owner_pid === this.pid || !pidAlive(r.owner_pid));
    const at = this.now();
    this.db.transaction(() => {
      for (const r of stale) this.st.restarted.run({ id: r.id, at, error: RESTARTED });
      this.db.prepare('DELETE FROM agents WHERE ended_at < ?').run(at - KEEP_MS);
    })();
  }

  /** Records a run's agents as queued, all at once (they are visible before any starts). */
  enqueue(agents: readonly NewAgent[]): void {
    this.flush();
    const at = this.now();
    this.db.transaction(() => {
      for (const a of agents) {
        const trail: Array<[string, number]> = [['queued', at]];
        const { lastInsertRowid } = this.st.insert.run({ ...a, pid: this.pid, at, transitions: JSON.stringify(trail) });
        this.open.set(a.id, { rowid: lastInsertRowid, run: a.run_id, trail });
      }
    })();
    this.wrote(new Set(agents.map((a) => a.run_id)));
  }

  private wrote(runs: Set<string>): void {
    if (!this.onWrite || !runs.size) return;
    try {
      this.onWrite([...runs]);
    } catch {
      // Already committed; a listener's failure is not the ledger's.
    }
  }

  /** Why a queued agent was terminated before it started, if it was (claimed once). */
  takeStop(id: string): AgentStop | undefined {
    const stop = this.stopped.get(id);
    this.stopped.delete(id);
    return stop;
  }

  start(id: string, controller: AbortController): void {
    this.live.set(id, controller);
    const at = this.now();
    this.update(id, at, 'loading', { status: 'running', phase: 'loading', started_at: at });
  }

  phase(id: string, phase: Phase): void {
    this.update(id, this.now(), phase, { phase });
  }

  end(id: string, end: AgentEnd): void {
    this.live.delete(id);
    const o = this.open.get(id);
    if (o) o.ended = true;
    const at = this.now();
    this.update(id, at, end.status, { ...end, phase: 'terminated', ended_at: at });
  }

  /**
   * Queues a transition: its event, and the agent's new state. Transitions of one agent within one
   * turn are merged into one row update (a no-op agent starts and ends in the same turn).
   */
  private update(id: string, at: number, event: string, patch: Partial<AgentRow>): void {
    this.open.get(id)?.trail.push([event, at]);
    const prior = this.dirty.get(id);
    if (prior) Object.assign(prior, patch);
    else this.dirty.set(id, { ...patch });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.flush();
      } catch {
        /* the DB was closed under us (shutdown): a restart marks these agents */
      }
    });
  }

  /** A run of this process: aborting its controller cancels its running agents and those still queued. */
  openRun(runId: string, controller: AbortController): void {
    this.runs.set(runId, controller);
  }

  closeRun(runId: string): void {
    this.runs.delete(runId);
  }

  /**
   * Stops an agent, or every agent of a run not yet ended (running or queued), of this process.
   * Returns how many were stopped.
   */
  terminate(target: { id: string } | { run_id: string }, why: string): number {
    if ('id' in target) {
      const controller = this.live.get(target.id);
      if (controller) {
        if (controller.signal.aborted) return 0;
        controller.abort(new AgentStop('cancelled', why));
        return 1;
      }
      // Still queued in this process: it will end as soon as its turn comes, without starting.
      const o = this.open.get(target.id);
      if (!o || o.ended || this.stopped.has(target.id)) return 0;
      this.stopped.set(target.id, new AgentStop('cancelled', why));
      return 1;
    }
    const run = this.runs.get(target.run_id);
    if (!run || run.signal.aborted) return 0;
    this.flush();
    const open = (this.st.openInRun.get(target.run_id) as { n: number }).n;
    run.abort(new AgentStop('cancelled', why));
    return open;
  }

  list(filter: { run_id?: string; status?: AgentStatus; limit?: number } = {}): AgentRow[] {
    this.flush();
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.run_id) (where.push('run_id = ?'), params.push(filter.run_id));
    if (filter.status) (where.push('status = ?'), params.push(filter.status));
    params.push(Math.min(filter.limit ?? LIST_MAX, LIST_MAX));
    const sql = `SELECT * FROM agents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id, input_index LIMIT ?`;
    return this.db.prepare(sql).all(...params) as AgentRow[];
  }

  run(runId: string): AgentRow[] {
    this.flush();
    return this.st.run.all(runId) as AgentRow[];
  }

  get(id: string): AgentRow | undefined {
    this.flush();
    return this.st.one.get(id) as AgentRow | undefined;
  }

  /** An agent's transitions, oldest first. */
  static transitions(row: AgentRow): Array<{ phase: string; at: number }> {
    return (JSON.parse(row.transitions) as Array<[string, number]>).map(([phase, at]) => ({ phase, at }));
  }

  /** Writes buffered transitions in one transaction. */
  flush(): void {
    if (!this.dirty.size) return;
    const dirty = [...this.dirty];
    this.dirty.clear();
    const runs = new Set<string>();
    this.db.transaction(() => {
      for (const [id, p] of dirty) {
        const o = this.open.get(id);
        if (!o) continue; // not enqueued by this ledger
        runs.add(o.run);
        this.st.update.run({
          rowid: o.rowid,
          status: p.status ?? null,
          phase: p.phase ?? null,
          started_at: p.started_at ?? null,
          ended_at: p.ended_at ?? null,
          result: p.result ?? null,
          memories_loaded: p.memories_loaded ?? null,
          memories_written: p.memories_written ?? null,
          cost_usd: p.cost_usd ?? null,
          error: p.error ?? null,
          transitions: JSON.stringify(o.trail),
        });
        if (p.ended_at != null) this.open.delete(id); // ended: its row is complete on disk
      }
    })();
    this.wrote(runs);
  }
}
