/**
 * `npm run bench -- consensus`: PBFT commit latency by cluster size (in-process, simulated
 * network with zero wall-clock delay, so the figure is the protocol's CPU cost), messages and
 * bytes per commit beside PBFT's O(n²) formula, batched throughput, MAC authenticators against
 * signing every message, and latency with a faulty primary (view change included).
 * `consensus-long`: ten times the CI property-test schedules.
 */
import fc from 'fast-check';
import { SimCluster, type Timing } from '../src/patterns/consensus/cluster.js';
import { CI_RUNS, checkSchedule, keysFor, scheduleArb } from '../testkit/consensus-schedules.js';
import { fmt, summarize, type Row } from './lib/stats.js';
import { bftFaults } from '../src/patterns/vote/quorum.js';

const keys = keysFor; // one key set per cluster size, shared with the property runs

interface Sample {
  ms: number;
  messages: number;
  bytes: number;
}

/** Sequential proposals on one long-lived cluster; each timed from request to verified certificate. */
export function latency(n: number, runs: number, opts: { signEverything?: boolean; timing?: Partial<Timing> } = {}): Sample[] {
  const c = new SimCluster({
    cluster: 'bench',
    keys: keys(n),
    seed: 42,
    signEverything: opts.signEverything,
    timing: { checkpointInterval: 128, window: 256, ...opts.timing },
  });
  const out: Sample[] = [];
  const warm = Math.min(20, runs);
  for (let i = 0; i < warm + runs; i++) {
    const m0 = c.net.stats.messages;
    const b0 = c.net.stats.bytes;
    const t = performance.now();
    const r = c.propose({ op: 'set', key: `k${i}`, value: i });
    if (!c.net.run(() => c.client.settled(r), c.net.now + 10_000) || !c.client.result(r).cert)
      throw new Error(`bench: n=${n} proposal ${i} did not commit`);
    const ms = performance.now() - t;
    // Let stragglers finish before the next proposal (untimed), so every sample starts idle.
    const seq = c.client.result(r).cert!.seq;
    c.net.run(() => c.honestExecuted(seq), c.net.now + 10_000);
    if (i >= warm) out.push({ ms, messages: c.net.stats.messages - m0, bytes: c.net.stats.bytes - b0 });
  }
  return out;
}

export function throughput(total: number): { perSecond: number; batches: number } {
  const c = new SimCluster({
    cluster: 'bench',
    keys: keys(4),
    seed: 7,
    timing: { batchMax: 512, maxInflight: 2, checkpointInterval: 64, window: 256 },
  });
  const t = performance.now();
  const rs: number[] = [];
  for (let i = 0; i < total; i++) rs.push(c.propose({ op: 'incr', i }));
  let k = 0;
  const ok = c.net.run(() => {
    while (k < rs.length && c.client.settled(rs[k])) k++;
    return k === rs.length;
  }, 600_000);
  const ms = performance.now() - t;
  if (!ok || rs.some((r) => !c.client.result(r).cert)) throw new Error('bench: batched proposals did not all commit');
  return { perSecond: (total / ms) * 1000, batches: c.replicas[0].lastExec };
}

function faultyPrimary(n: number, runs: number): { wall: number[]; sim: number[]; views: number } {
  const wall: number[] = [];
  const sim: number[] = [];
  let views = 0;
  for (let i = 0; i < runs; i++) {
    const c = new SimCluster({ cluster: 'bench', keys: keys(n), seed: 100 + i, faults: [{ replica: 0, behavior: 'silent' }] });
    const t = performance.now();
    const r = c.propose({ heal: i });
    if (!c.net.run(() => c.client.settled(r), 10_000) || !c.client.result(r).cert)
      throw new Error('bench: faulty-primary proposal did not commit');
    wall.push(performance.now() - t);
    const res = c.client.result(r);
    sim.push(res.doneAt! - res.sentAt);
    views = Math.max(views, res.cert!.view);
  }
  return { wall, sim, views };
}

export async function runConsensusBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes: Array<[number, number]> = [
    [4, 400],
    [7, 300],
    [10, 200],
    [16, 100],
    [31, 40],
  ];
  const perCommit: string[] = [];
  for (const [n, runs] of sizes) {
    const s = latency(n, runs);
    const l = summarize(s.map((x) => x.ms));
    const goal = n === 4 ? 1 : n === 16 ? 10 : undefined;
    rows.push({
      figure: `commit latency, in-process, n = ${n} (f = ${bftFaults(n)}), ${runs} sequential commits`,
      anchor: n === 4 ? 'seeds: < 10 ms; Ed25519 on every message ≈ 5 ms CPU per n=4 decision' : 'seeds: < 10 ms',
      ours: `p50 ${fmt(l.p50, 3)} ms, p99 ${fmt(l.p99, 3)} ms`,
      goal: goal ? `p50 < ${goal} ms` : 'print',
      met: goal ? l.p50 < goal : undefined,
    });
    const msgs = s.reduce((a, x) => a + x.messages, 0) / s.length;
    const bytes = s.reduce((a, x) => a + x.bytes, 0) / s.length;
    perCommit.push(`n=${n}: ${fmt(msgs, 0)} msgs (2n² = ${2 * n * n}), ${fmt(bytes / 1024, 1)} KiB`);
    rows.push({
      figure: `messages and bytes per commit, n = ${n}`,
      anchor: `PBFT O(n²): n requests + (n-1) pre-prepares + (n-1)² prepares + n(n-1) commits + n replies = 2n² = ${2 * n * n}`,
      ours: `${fmt(msgs, 1)} messages (${fmt(msgs / (2 * n * n), 3)} × 2n²), ${fmt(bytes, 0)} bytes`,
      goal: 'print; within 5% of 2n² (the rest: checkpoints every 128, timer retransmissions)',
      met: Math.abs(msgs - 2 * n * n) <= 0.05 * 2 * n * n,
    });
  }
  const tp = throughput(20_000);
  rows.push({
    figure: 'throughput with batching, n = 4 (20,000 proposals submitted at once, batches up to 512)',
    anchor: '—',
    ours: `${fmt(tp.perSecond, 0)} proposals/s (${tp.batches} batches)`,
    goal: '>= 5,000/s',
    met: tp.perSecond >= 5000,
  });
  for (const n of [4, 16]) {
    const mac = summarize(latency(n, n === 4 ? 300 : 60).map((x) => x.ms)).p50;
    const sig = summarize(latency(n, n === 4 ? 300 : 60, { signEverything: true }).map((x) => x.ms)).p50;
    rows.push({
      figure: `MAC fast path vs signatures-everywhere, n = ${n}, p50 commit latency`,
      anchor: `signatures everywhere: ${fmt(sig, 3)} ms`,
      ours: `MACs: ${fmt(mac, 3)} ms (${fmt(sig / mac, 1)}× faster)`,
      goal: 'print the ratio',
    });
  }
  for (const n of [4, 7]) {
    const fp = faultyPrimary(n, 30);
    const w = summarize(fp.wall);
    const s = summarize(fp.sim);
    rows.push({
      figure: `commit latency with a silent primary, n = ${n} (view change included, 30 runs)`,
      anchor: 'view-change timeout 40 ms (simulated)',
      ours: `CPU p50 ${fmt(w.p50, 2)} ms, p99 ${fmt(w.p99, 2)} ms; simulated time p50 ${fmt(s.p50, 1)} ms (committed in view ${fp.views})`,
      goal: 'print',
    });
  }
  return rows;
}

/** Ten times the CI property-test schedules; prints failing schedules (and fast-check's seed/path). */
export async function runConsensusLong(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [4, 7, 10]) {
    const runs = CI_RUNS[n] * 10;
    const t = performance.now();
    let failure = '';
    try {
      fc.assert(
        fc.property(scheduleArb(n), (s) => checkSchedule(s, true)),
        { numRuns: runs, seed: Number(process.env.CONSENSUS_SEED ?? Date.now() % 2 ** 31) },
      );
    } catch (err) {
      failure = (err as Error).message;
      process.stderr.write(`${failure}\n`);
    }
    rows.push({
      figure: `property schedules, n = ${n} (safety + liveness, up to f Byzantine)`,
      anchor: `CI runs ${CI_RUNS[n]}`,
      ours: `${runs} schedules in ${fmt((performance.now() - t) / 1000, 1)} s${failure ? ': FAILED (see stderr)' : ''}`,
      goal: 'all pass',
      met: !failure,
    });
  }
  return rows;
}
