/**
 * cluster: the distributed patterns across separate sixfold processes (bench/lib/cluster-harness.ts).
 *
 * - gossip convergence, 8 processes, one edit each: anti-entropy only (gossip.push off), rounds
 *   = timer periods from the last edit until every node holds all 8, beside the in-process
 *   simulation's rounds (src/patterns/crdt/cluster.ts, same n and fanout) measured in the same run;
 *   and with push on (the default), the milliseconds to converge.
 * - aggregate over 7 processes (cluster source): depth and partials sent up, as the root counted
 *   them, beside ⌈log_k N⌉ and N − 1; latency = the tool's elapsed_ms on the root node (the time
 *   from the call reaching the tree code to the merged answer), p50/p99 over repeated calls.
 *   Once on loopback, once across network namespaces (veth + bridge), and with 1 ms RTT by tc
 *   netem when the kernel has it.
 * - consensus across nodes (consensusRows): commit latency n = 4 and 7 on loopback beside the
 *   in-process simulation (bench/consensus.ts, same run), with 1 ms RTT by netem when the kernel has
 *   it (else the row says so), batched proposals/s, and messages/bytes per commit beside 2n².
 */
import * as Y from 'yjs';
import { Cluster } from '../src/patterns/crdt/cluster.js';
import { YDocReplica } from '../src/patterns/crdt/replica.js';
import { mulberry32 } from '../src/random.js';
import { Harness, netemAvailable, netnsAvailable, type HarnessOptions } from './lib/cluster-harness.js';
import { fmt, median, summarize, type Row } from './lib/stats.js';
import { latency as simCommitLatency, throughput } from './consensus.js';

const GOSSIP_N = 8;
const GOSSIP_FANOUT = 3;
const GOSSIP_PERIOD_MS = 250;
const GOSSIP_TRIALS = 5;
const AGG_N = 7;
const AGG_CALLS = Number(process.env.BENCH_CLUSTER_CALLS ?? 40);
const RTT_MS = 1;

interface Status {
  counters: { rounds: number };
}

/** The simulation's rounds for n nodes with one edit each (seeded), as in bench/crdt.ts. */
function simulatedRounds(n: number, fanout: number, seed: number): number {
  const rng = mulberry32(seed);
  const cluster = new Cluster<YDocReplica>({
    n,
    fanout,
    seed,
    make: (i) => {
      const doc = new Y.Doc();
      doc.clientID = Math.floor(rng() * 0x7fffffff) + 1;
      doc.getMap('m').set(`k${i}`, i);
      return new YDocReplica(doc);
    },
    apply: (r, updates) =>
      r.doc.transact(() => {
        for (const u of updates) Y.applyUpdate(r.doc, u);
      }),
  });
  return cluster.runUntil(() => cluster.nodes.every((x) => x.replica.doc.store.clients.size === n), 60);
}

/** One edit on every node at once; resolves with ms from the last edit until every node holds all of them. */
async function convergeOnce(h: Harness, doc: string): Promise<{ ms: number; rounds: number[] }> {
  const before = await Promise.all(h.nodes.map((_, i) => h.call<Status>(i, 'gossip_status', {})));
  await Promise.all(
    h.nodes.map((n) =>
      h.call(n.index, 'crdt_merge', {
        doc,
        ops: [{ op: 'map_set', target: 'm', key: `k${n.index}`, value: n.index }],
        actor: `a${n.index}`,
      }),
    ),
  );
  const t0 = performance.now();
  for (;;) {
    const views = await Promise.all(h.nodes.map((n) => n.client.callTool({ name: 'crdt_read', arguments: { doc } })));
    const full = views.every(
      (v) =>
        !v.isError &&
        Object.keys((v.structuredContent as { snapshot: { m?: object } }).snapshot.m ?? {}).length === h.nodes.length,
    );
    if (full) break;
    if (performance.now() - t0 > 60_000) throw new Error(`gossip did not converge on ${doc} in 60 s`);
    await new Promise((r) => setTimeout(r, 5)); // poll interval
  }
  const ms = performance.now() - t0;
  const after = await Promise.all(h.nodes.map((_, i) => h.call<Status>(i, 'gossip_status', {})));
  return { ms, rounds: after.map((s, i) => s.counters.rounds - before[i].counters.rounds) };
}

async function gossipRows(): Promise<Row[]> {
  const sims = Array.from({ length: GOSSIP_TRIALS }, (_, t) => simulatedRounds(GOSSIP_N, GOSSIP_FANOUT, 42 + t));
  const rows: Row[] = [];
  // Anti-entropy only: what the simulation models.
  let h = await Harness.start({
    n: GOSSIP_N,
    placement: 'loopback',
    config: { gossip: { push: false, period_ms: GOSSIP_PERIOD_MS, fanout: GOSSIP_FANOUT } },
  });
  const periods: number[] = [];
  try {
    for (let t = 0; t < GOSSIP_TRIALS; t++) {
      const r = await convergeOnce(h, `bench-ae-${t}`);
      // Timer periods that elapsed: the nodes' timers are not aligned, so this counts whole periods
      // from the last edit to the moment the probe saw every node complete.
      periods.push(Math.ceil(r.ms / GOSSIP_PERIOD_MS));
    }
  } finally {
    await h.close();
  }
  const simMed = median(sims);
  const ourMed = median(periods);
  rows.push({
    figure: `gossip convergence, ${GOSSIP_N} processes, one edit each, anti-entropy only (fanout ${GOSSIP_FANOUT}, period ${GOSSIP_PERIOD_MS} ms), rounds median (max) of ${GOSSIP_TRIALS}`,
    anchor: `in-process simulation, same n and fanout: ${simMed} (${Math.max(...sims)}) rounds`,
    ours: `${ourMed} (${Math.max(...periods)}) rounds`,
    goal: 'within 1 of the simulation',
    met: Math.abs(ourMed - simMed) <= 1,
  });
  // With push (the default): edits go to every connected peer at once.
  h = await Harness.start({
    n: GOSSIP_N,
    placement: 'loopback',
    config: { gossip: { period_ms: GOSSIP_PERIOD_MS, fanout: GOSSIP_FANOUT } },
  });
  const ms: number[] = [];
  try {
    for (let t = 0; t < GOSSIP_TRIALS; t++) ms.push((await convergeOnce(h, `bench-push-${t}`)).ms);
  } finally {
    await h.close();
  }
  rows.push({
    figure: `gossip convergence, ${GOSSIP_N} processes, one edit each, with push (default), ms median (max) incl. MCP polling`,
    anchor: `one anti-entropy period: ${GOSSIP_PERIOD_MS} ms (for scale; no goal in the issue)`,
    ours: `${fmt(median(ms))} (${fmt(Math.max(...ms))}) ms`,
    goal: '—',
  });
  return rows;
}

interface AggOut {
  depth: number;
  messages_total: number;
  coverage: number;
  elapsed_ms: number;
  cluster: { complete_tree_depth: number };
}

function logCeil(n: number, k: number): number {
  let d = 0;
  for (let span = 1; span < n; span *= k) d++;
  return d;
}

async function aggregateRows(placement: HarnessOptions['placement'], rttMs?: number): Promise<Row[]> {
  const where = placement === 'loopback' ? 'loopback' : `network namespaces${rttMs ? `, ${rttMs} ms RTT (netem)` : ''}`;
  const h = await Harness.start({ n: AGG_N, placement, rttMs });
  const rows: Row[] = [];
  try {
    await Promise.all(
      h.nodes.map(async (n) => {
        for (let v = 0; v < 100; v++)
          await h.call(n.index, 'memory_store', {
            namespace: 'bench',
            content: `sample ${n.index}/${v}`,
            metadata: { v: n.index * 100 + v },
          });
      }),
    );
    for (const k of [2, 3, 16]) {
      const lat: number[] = [];
      let last: AggOut | undefined;
      for (let c = 0; c < AGG_CALLS + 3; c++) {
        const r = await h.call<AggOut>(0, 'aggregate', {
          cluster: { namespace: 'bench', field: 'v' },
          ops: ['count', 'sum', 'mean', 'p50'],
          fanout: k,
        });
        if (r.coverage !== 1) throw new Error(`aggregate lost nodes (coverage ${r.coverage})`);
        if (c >= 3) lat.push(r.elapsed_ms); // the first calls warm the nodes up
        last = r;
      }
      const s = summarize(lat);
      const anchorDepth = logCeil(AGG_N, k);
      rows.push({
        figure: `aggregate over ${AGG_N} processes (${where}), fanout ${k}: depth / partials up / latency p50, p99`,
        anchor: `⌈log_k N⌉ = ${anchorDepth} (complete ${k}-ary tree: ${last!.cluster.complete_tree_depth}) / N − 1 = ${AGG_N - 1}`,
        ours: `${last!.depth} / ${last!.messages_total} / ${fmt(s.p50)} ms, ${fmt(s.p99)} ms`,
        goal: 'depth ≤ ⌈log_k N⌉, messages = N − 1',
        met:
          last!.depth <= anchorDepth && last!.depth === last!.cluster.complete_tree_depth && last!.messages_total === AGG_N - 1,
      });
    }
  } finally {
    await h.close();
  }
  return rows;
}

const CONS_RUNS = Number(process.env.BENCH_CONSENSUS_RUNS ?? 200);
const CONS_WARM = 20;
const TP_TOTAL = Number(process.env.BENCH_CONSENSUS_TP ?? 4000);
/** Calls in flight per node while measuring throughput. */
const TP_CONCURRENCY = 64;
/** Checkpoints as rare as in the in-process bench (bench/consensus.ts), so both count the same messages. */
const CONS_CONFIG = { consensus: { checkpoint_interval: 128, window: 256 } };

interface ConsStatus {
  last_executed: number;
  counters: { messages_sent: number; bytes_sent: number; local_messages: number };
}

interface ProposeOut {
  committed: boolean;
  sequence: number | null;
  elapsed_ms: number;
  reason?: string;
}

async function consStatus(h: Harness): Promise<ConsStatus[]> {
  return Promise.all(
    h.nodes.map(async (n) => {
      const r = await n.client.readResource({ uri: 'consensus://bench/status' });
      return JSON.parse((r.contents[0] as { text: string }).text) as ConsStatus;
    }),
  );
}

async function proposeAt(h: Harness, i: number, value: unknown): Promise<ProposeOut> {
  const r = await h.call<ProposeOut>(i, 'byzantine_propose', { cluster: 'bench', value });
  if (!r.committed) throw new Error(`bench: a proposal through node ${i} did not commit: ${r.reason}`);
  return r;
}

/** Resolves once every node executed `seq` (polls each node's status resource). */
async function allExecuted(h: Harness, seq: number): Promise<ConsStatus[]> {
  const t0 = performance.now();
  for (;;) {
    const st = await consStatus(h);
    if (st.every((s) => s.last_executed >= seq)) return st;
    if (performance.now() - t0 > 30_000) throw new Error(`bench: not every node executed ${seq} within 30 s`);
    await new Promise((r) => setTimeout(r, 5)); // poll interval
  }
}

/**
 * Sequential commits, the proposer rotating over the nodes; latency = the tool's elapsed_ms on the
 * proposing node (from the call reaching byzantine_propose to the verified certificate: the MCP
 * round trip is not in it). Messages and bytes = every node's consensus counters over the run
 * (wire text bytes, as the in-process simulation counts them), after every node executed the last.
 */
async function commitRun(h: Harness, runs: number): Promise<{ lat: number[]; messages: number; remote: number; bytes: number }> {
  const n = h.nodes.length;
  let seq = 0;
  for (let i = 0; i < CONS_WARM; i++) seq = (await proposeAt(h, i % n, { warm: i })).sequence!;
  const before = await allExecuted(h, seq);
  const lat: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await proposeAt(h, i % n, { op: 'set', key: `k${i}`, value: i });
    lat.push(r.elapsed_ms);
    seq = r.sequence!;
  }
  const after = await allExecuted(h, seq);
  const sum = (xs: ConsStatus[], f: (c: ConsStatus['counters']) => number) => xs.reduce((a, s) => a + f(s.counters), 0);
  const remote = (sum(after, (c) => c.messages_sent) - sum(before, (c) => c.messages_sent)) / runs;
  const local = (sum(after, (c) => c.local_messages) - sum(before, (c) => c.local_messages)) / runs;
  const bytes = (sum(after, (c) => c.bytes_sent) - sum(before, (c) => c.bytes_sent)) / runs;
  return { lat, messages: remote + local, remote, bytes };
}

/** TP_TOTAL proposals through all nodes at once (TP_CONCURRENCY calls in flight per node); proposals/s from first call to last certificate. */
async function throughputRun(h: Harness): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    h.nodes.flatMap((node) =>
      Array.from({ length: TP_CONCURRENCY }, async () => {
        for (;;) {
          const k = next++;
          if (k >= TP_TOTAL) return;
          await proposeAt(h, node.index, { op: 'incr', k });
        }
      }),
    ),
  );
  return (TP_TOTAL / (performance.now() - t0)) * 1000;
}

function simLatency(n: number): ReturnType<typeof summarize> {
  return summarize(simCommitLatency(n, 300).map((x) => x.ms));
}

/**
 * The consensus rows of the issue's table: PBFT with every node its own process (own key, own
 * database), over the mutual-TLS peer network, driven through MCP over stdio like a user's client.
 */
export async function consensusRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const loopbackP50: Record<number, number> = {};
  for (const n of [4, 7]) {
    const sim = simLatency(n);
    const h = await Harness.start({ n, placement: 'loopback', config: CONS_CONFIG });
    try {
      const r = await commitRun(h, CONS_RUNS);
      const s = summarize(r.lat);
      loopbackP50[n] = s.p50;
      rows.push({
        figure: `commit latency, n = ${n} separate processes, loopback, ${CONS_RUNS} sequential commits (proposer rotating)`,
        anchor: `in-process simulation, same n: p50 ${fmt(sim.p50, 3)} ms, p99 ${fmt(sim.p99, 3)} ms`,
        ours: `p50 ${fmt(s.p50, 3)} ms, p99 ${fmt(s.p99, 3)} ms`,
        goal: n === 4 ? 'p50 < 3 ms' : 'print',
        met: n === 4 ? s.p50 < 3 : undefined,
      });
      const two = 2 * n * n;
      rows.push({
        figure: `messages and bytes per commit across processes, n = ${n}`,
        anchor: `2n² = ${two} (n requests, n − 1 pre-prepares, (n − 1)² prepares, n(n − 1) commits, n replies)`,
        ours: `${fmt(r.messages, 1)} messages (${fmt(r.messages / two, 3)} × 2n²: ${fmt(r.remote, 1)} between processes + ${fmt(r.messages - r.remote, 1)} inside the proposing node), ${fmt(r.bytes, 0)} bytes`,
        goal: 'within 5% of 2n²',
        met: Math.abs(r.messages - two) <= 0.05 * two,
      });
      if (n === 4) {
        const simTp = throughput(10_000);
        const ours = await throughputRun(h);
        rows.push({
          figure: `committed proposals/s with batching, n = 4 separate processes, loopback (${TP_TOTAL} proposals, ${TP_CONCURRENCY} MCP calls in flight per node)`,
          anchor: `in-process batched: ${fmt(simTp.perSecond, 0)} proposals/s (10,000 at once, batches up to 512)`,
          ours: `${fmt(ours, 0)} proposals/s (batches up to 64)`,
          goal: '>= 2,000/s',
          met: ours >= 2000,
        });
      }
    } finally {
      await h.close();
    }
  }
  const ns = netnsAvailable();
  const netem = ns.ok ? netemAvailable() : ns;
  const theory = `theory: 5 one-way delays (5 × ${RTT_MS / 2} ms) + processing (loopback p50 ${fmt(loopbackP50[4], 2)} ms) = ${fmt(2.5 * RTT_MS + loopbackP50[4], 2)} ms`;
  if (!netem.ok) {
    rows.push({
      figure: `commit latency, n = 4 and 7, ${RTT_MS} ms RTT between nodes (netem, network namespaces)`,
      anchor: theory,
      ours: `not measured: ${netem.why}`,
      goal: 'n = 4 p50 < 6 ms',
    });
  } else {
    for (const n of [4, 7]) {
      const h = await Harness.start({ n, placement: 'netns', rttMs: RTT_MS, config: CONS_CONFIG });
      try {
        const s = summarize((await commitRun(h, CONS_RUNS)).lat);
        rows.push({
          figure: `commit latency, n = ${n}, ${RTT_MS} ms RTT between nodes (netem, network namespaces)`,
          anchor: theory,
          ours: `p50 ${fmt(s.p50, 3)} ms, p99 ${fmt(s.p99, 3)} ms`,
          goal: n === 4 ? 'p50 < 6 ms' : 'print',
          met: n === 4 ? s.p50 < 6 : undefined,
        });
      } finally {
        await h.close();
      }
    }
  }
  if (ns.ok) {
    // Without netem, namespaces still show what a real network path (veth + bridge) adds over loopback.
    const h = await Harness.start({ n: 4, placement: 'netns', config: CONS_CONFIG });
    try {
      const s = summarize((await commitRun(h, CONS_RUNS)).lat);
      rows.push({
        figure: 'commit latency, n = 4, separate network namespaces (veth + bridge), no added delay',
        anchor: `loopback, same n: p50 ${fmt(loopbackP50[4], 3)} ms`,
        ours: `p50 ${fmt(s.p50, 3)} ms, p99 ${fmt(s.p99, 3)} ms`,
        goal: 'print',
      });
    } finally {
      await h.close();
    }
  }
  return rows;
}

/** BENCH_CLUSTER_PARTS=consensus,gossip,aggregate (default: all) runs only some of the suite. */
export async function runClusterBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const parts = new Set((process.env.BENCH_CLUSTER_PARTS ?? 'consensus,gossip,aggregate').split(',').map((x) => x.trim()));
  if (parts.has('consensus')) rows.push(...(await consensusRows()));
  if (parts.has('gossip')) rows.push(...(await gossipRows()));
  if (!parts.has('aggregate')) return rows;
  rows.push(...(await aggregateRows('loopback')));
  const ns = netnsAvailable();
  if (!ns.ok) {
    rows.push({
      figure: `aggregate over ${AGG_N} processes in network namespaces`,
      anchor: '—',
      ours: `not measured: ${ns.why}`,
      goal: '—',
    });
    return rows;
  }
  rows.push(...(await aggregateRows('netns')));
  const netem = netemAvailable();
  if (netem.ok) rows.push(...(await aggregateRows('netns', RTT_MS)));
  else
    rows.push({
      figure: `aggregate over ${AGG_N} processes, ${RTT_MS} ms RTT (netem)`,
      anchor: 'depth × RTT + processing',
      ours: `not measured: ${netem.why}`,
      goal: '—',
    });
  return rows;
}
