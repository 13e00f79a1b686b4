import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../../src/memory/db.js';
import type { AgentIO, Execution } from '../../../../src/patterns/ephemeral/agent.js';
import { AgentLedger, RESTARTED } from '../../../../src/patterns/ephemeral/ledger.js';
import { runEphemeral, type RunOptions } from '../../../../src/patterns/ephemeral/run.js';

const base: Omit<RunOptions, 'task'> = {
  role: 'worker',
  namespace: 'agents',
  memoryK: 3,
  persist: false,
  ttlMs: 60_000,
  concurrency: 4,
  maxTokens: 1024,
  maxMemoryChars: 100_000,
  reduce: 'none',
};

/** Scripted I/O: execute answers from `answer`, or waits for the test to release it. */
function stubIO(answer: (prompt: string) => string | Promise<string> = (p) => `done: ${/input \((\d+)/.exec(p)?.[1] ?? '?'}`) {
  let active = 0;
  const io = {
    maxActive: 0,
    executed: [] as string[],
    aborted: [] as string[],
    remembered: [] as { content: string; persist: boolean; metadata: Record<string, unknown> }[],
    recalled: [] as string[],
    memories: [] as string[],
    price: null as AgentIO['price'],
    async recall(query: string) {
      io.recalled.push(query);
      return io.memories;
    },
    async execute(req: { prompt: string; maxTokens: number }, signal: AbortSignal): Promise<Execution> {
      io.executed.push(req.prompt);
      active++;
      io.maxActive = Math.max(io.maxActive, active);
      signal.addEventListener('abort', () => io.aborted.push(req.prompt));
      try {
        const text = await answer(req.prompt);
        return { text, provider: 'fake', costUsd: req.prompt.length / 1e6 };
      } finally {
        active--;
      }
    },
    async remember(m: { content: string; persist: boolean; metadata: Record<string, unknown> }) {
      io.remembered.push(m);
    },
  };
  return io;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const never = () => new Promise<string>(() => {});

describe('runEphemeral', () => {
  let db: DB;
  let ledger: AgentLedger;
  beforeEach(() => {
    db = openDatabase(':memory:');
    ledger = new AgentLedger(db);
  });
  afterEach(() => db.close());

  it('returns results in input order whatever order agents finish in', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const io = stubIO(async (p) => {
      const i = Number(/input \((\d+)/.exec(p)![1]) - 1;
      await gates[i].promise;
      return `r${i}`;
    });
    const run = runEphemeral({ ...base, task: 't', inputs: ['a', 'b', 'c'] }, io, ledger);
    gates[2].resolve();
    gates[1].resolve();
    gates[0].resolve();
    const r = await run;
    expect(r.agents.map((a) => [a.input_index, a.result, a.status])).toEqual([
      [0, 'r0', 'succeeded'],
      [1, 'r1', 'succeeded'],
      [2, 'r2', 'succeeded'],
    ]);
    expect(r.totals).toMatchObject({ spawned: 3, succeeded: 3, failed: 0 });
    expect(io.remembered.map((m) => m.metadata.input_index)).toEqual(expect.arrayContaining([0, 1, 2]));
    expect(io.remembered.every((m) => m.metadata.run_id === r.run_id && m.persist === false)).toBe(true);
    // Every transition is in the ledger.
    const rows = ledger.run(r.run_id);
    expect(rows.map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(AgentLedger.transitions(rows[0]).map((e) => e.phase)).toEqual([
      'queued',
      'loading',
      'executing',
      'persisting',
      'succeeded',
    ]);
  });

  it('loads memories into the prompt and searches by task and input', async () => {
    const io = stubIO(() => 'ok');
    io.memories = ['the sky is green here'];
    const r = await runEphemeral({ ...base, task: 'colour?', inputs: ['sky'], persist: true }, io, ledger);
    expect(r.agents[0].memories_loaded).toBe(1);
    expect(io.recalled).toEqual(['colour?\nsky']);
    expect(io.executed[0]).toContain('- the sky is green here');
    expect(io.remembered[0]).toMatchObject({ persist: true, content: 'Result of "colour?" for input "sky": ok' });
  });

  it('never has more than `concurrency` agents executing', async () => {
    const gates: Array<() => void> = [];
    const io = stubIO(() => new Promise<string>((res) => gates.push(() => res('x'))));
    const run = runEphemeral({ ...base, task: 't', count: 10, concurrency: 3 }, io, ledger);
    // Release agents one at a time as they arrive, until all ten have run.
    for (let released = 0; released < 10; released++) {
      while (!gates.length) await new Promise((r) => setImmediate(r));
      expect(io.maxActive).toBeLessThanOrEqual(3);
      gates.shift()!();
    }
    const r = await run;
    expect(r.totals.succeeded).toBe(10);
    expect(io.maxActive).toBe(3);
  });

  it('expires an agent whose TTL runs out, aborting its call; others continue', async () => {
    const io = stubIO((p) => (p.includes('slow') ? never() : 'fast'));
    const r = await runEphemeral({ ...base, task: 't', inputs: ['slow', 'quick'], ttlMs: 50 }, io, ledger);
    expect(r.agents[0]).toMatchObject({ status: 'expired', result: null, error: 'TTL of 50 ms expired', memories_written: 0 });
    expect(r.agents[1]).toMatchObject({ status: 'succeeded', result: 'fast' });
    expect(io.aborted.some((p) => p.includes('slow'))).toBe(true);
    expect(r.totals).toMatchObject({ expired: 1, succeeded: 1 });
  });

  it('fails an agent over budget with the reason; the others succeed', async () => {
    const io = stubIO(() => 'ok');
    io.price = { provider: 'fake', input: 1_000_000, output: 1_000_000 }; // $1 per token
    const long = 'word '.repeat(400);
    const r = await runEphemeral({ ...base, task: 't', inputs: ['short', long], budgetUsd: 200 }, io, ledger);
    expect(r.agents[0].status).toBe('succeeded');
    expect(r.agents[1].status).toBe('failed');
    expect(r.agents[1].error).toMatch(/^budget exceeded before the call: the prompt \(~\d+ tokens\) costs ~\$\d+\.\d+ at fake/);
    expect(io.executed).toHaveLength(1);
    // Spending over the budget after the call also fails the agent, and its result is not kept.
    const io2 = stubIO(() => 'ok');
    const r2 = await runEphemeral({ ...base, task: 't', inputs: ['x'.repeat(200)], budgetUsd: 0.0001 }, io2, ledger);
    expect(r2.agents[0]).toMatchObject({ status: 'failed', result: null, memories_written: 0 });
    expect(r2.agents[0].error).toMatch(/^budget exceeded: the call to fake cost \$0\.000\d+, over the budget of \$0\.000100/);
  });

  it('caps max_tokens by what the budget leaves', async () => {
    let asked = 0;
    const io = stubIO(() => 'ok');
    const exec = io.execute.bind(io);
    io.execute = (req, signal) => ((asked = req.maxTokens), exec(req, signal));
    io.price = { provider: 'fake', input: 0, output: 1_000_000 }; // $1 per output token
    await runEphemeral({ ...base, task: 't', count: 1, budgetUsd: 5 }, io, ledger);
    expect(asked).toBe(5);
  });

  it('cancels every agent when the caller cancels; queued agents never start', async () => {
    const io = stubIO(() => never());
    const ctl = new AbortController();
    const run = runEphemeral({ ...base, task: 't', count: 5, concurrency: 2, signal: ctl.signal }, io, ledger);
    while (io.executed.length < 2) await new Promise((r) => setImmediate(r));
    ctl.abort();
    const r = await run;
    expect(r.agents.map((a) => a.status)).toEqual(Array(5).fill('cancelled'));
    expect(r.agents[0].error).toBe('the spawn_ephemeral call was cancelled');
    expect(io.executed).toHaveLength(2);
    expect(io.aborted).toHaveLength(2);
    const rows = ledger.run(r.run_id);
    expect(rows.map((a) => a.status)).toEqual(Array(5).fill('cancelled'));
    // The two that ran were started; the three still queued never were.
    expect(rows.map((a) => a.started_at !== null)).toEqual([true, true, false, false, false]);
    expect(AgentLedger.transitions(rows[4]).map((e) => e.phase)).toEqual(['queued', 'cancelled']);
  });

  it('terminates one agent by id, or a whole run', async () => {
    const io = stubIO((p) => (p.includes('hang') ? never() : 'ok'));
    const run = runEphemeral({ ...base, task: 't', inputs: ['hang', 'fine'], concurrency: 2 }, io, ledger);
    while (io.executed.length < 1 || !ledger.list({ status: 'running' }).length) await new Promise((r) => setImmediate(r));
    const [hung] = ledger.list({ status: 'running' }).filter((a) => a.input_index === 0);
    expect(ledger.terminate({ id: hung.id }, 'terminated by test')).toBe(1);
    const r = await run;
    expect(r.agents[0]).toMatchObject({ status: 'cancelled', error: 'terminated by test' });
    expect(r.agents[1].status).toBe('succeeded');
    expect(ledger.terminate({ id: hung.id }, 'again')).toBe(0);

    // A queued agent terminated by id never starts; the others run.
    const io3 = stubIO((p) => (p.includes('\nfirst') ? never() : 'ok'));
    const run3 = runEphemeral({ ...base, task: 't', inputs: ['first', 'second', 'third'], concurrency: 1 }, io3, ledger);
    while (!io3.executed.length) await new Promise((r) => setImmediate(r));
    const queued = ledger.list({ status: 'queued' });
    expect(queued.map((a) => a.input_index).sort()).toEqual([1, 2]);
    const second = queued.find((a) => a.input_index === 1)!;
    expect(ledger.terminate({ id: second.id }, 'not needed')).toBe(1);
    expect(ledger.terminate({ id: second.id }, 'twice')).toBe(0);
    ledger.terminate({ id: ledger.list({ status: 'running' })[0].id }, 'stop the first');
    const r3 = await run3;
    expect(r3.agents.map((a) => [a.status, a.error ?? null])).toEqual([
      ['cancelled', 'stop the first'],
      ['cancelled', 'not needed'],
      ['succeeded', null],
    ]);
    expect(ledger.get(second.id)!.started_at).toBeNull();
    expect(io3.executed).toHaveLength(2);

    const io2 = stubIO(() => never());
    const run2 = runEphemeral({ ...base, task: 't', count: 4, concurrency: 1 }, io2, ledger);
    while (!io2.executed.length) await new Promise((r) => setImmediate(r));
    const runId = ledger.list({ status: 'running' })[0].run_id;
    expect(ledger.terminate({ run_id: runId }, 'run stopped')).toBe(4);
    const r2 = await run2;
    expect(r2.agents.every((a) => a.status === 'cancelled' && a.error === 'run stopped')).toBe(true);
    expect(io2.executed).toHaveLength(1);
  });

  it('reduces by vote with the multi_model_vote normalisation, or by concatenation', async () => {
    const answers = ['Paris.', '"paris"', 'PARIS', 'Lyon'];
    const io = stubIO((p) => answers[Number(/agent (\d+) of/.exec(p)![1]) - 1]);
    const v = await runEphemeral({ ...base, task: 'capital?', count: 4, reduce: 'vote' }, io, ledger);
    expect(v.reduced).toEqual({ kind: 'vote', decision: 'paris', quorum_reached: true, agreement: 0.75, quorum: 3 });
    const b = await runEphemeral(
      { ...base, task: 'capital?', count: 4, reduce: 'vote', vote: { quorum: 'unanimous', format: 'text' } },
      io,
      ledger,
    );
    expect(b.reduced).toMatchObject({ decision: null, quorum_reached: false, quorum: 4 });
    const c = await runEphemeral({ ...base, task: 't', inputs: ['a', 'b'], reduce: 'concat' }, stubIO(), ledger);
    expect(c.reduced).toEqual({ kind: 'concat', text: 'done: 1\n\ndone: 2', agents: 2 });
  });

  it('writes no memory for an empty result', async () => {
    const io = stubIO(() => '   ');
    const r = await runEphemeral({ ...base, task: 't', count: 1 }, io, ledger);
    expect(r.agents[0]).toMatchObject({ status: 'succeeded', memories_written: 0 });
    expect(io.remembered).toHaveLength(0);
  });
});

describe('AgentLedger.recover', () => {
  it('marks agents of a dead process failed and leaves a live one alone', () => {
    const db = openDatabase(':memory:');
    try {
      const dead = new AgentLedger(db, Date.now, 2 ** 22 + 12345); // beyond pid_max: no such process
      dead.enqueue([
        { id: 'a1', run_id: 'r1', role: 'w', input_index: 0 },
        { id: 'a2', run_id: 'r1', role: 'w', input_index: 1 },
      ]);
      dead.start('a1', new AbortController());
      dead.flush();
      const alive = new AgentLedger(db, Date.now, process.ppid); // our parent is certainly running
      alive.enqueue([{ id: 'b1', run_id: 'r2', role: 'w', input_index: 0 }]);
      const restarted = new AgentLedger(db);
      expect(restarted.list().map((a) => [a.id, a.status, a.error])).toEqual(
        expect.arrayContaining([
          ['a1', 'failed', RESTARTED],
          ['a2', 'failed', RESTARTED],
          ['b1', 'queued', null],
        ]),
      );
      expect(restarted.list({ status: 'running' })).toHaveLength(0);
      expect(AgentLedger.transitions(restarted.get('a1')!).map((e) => e.phase)).toEqual(['queued', 'loading', 'failed']);
    } finally {
      db.close();
    }
  });
});
