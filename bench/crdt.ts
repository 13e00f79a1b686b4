/**
 * crdt: gossip convergence of real Y.Docs over the in-memory network (seeded), the integration
 * floor measured in the same run, and crdt_merge throughput through the pattern module.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as Y from 'yjs';
import { Cluster } from '../src/patterns/crdt/cluster.js';
import { DocStore } from '../src/patterns/crdt/docs.js';
import type { Replica } from '../src/patterns/crdt/gossip.js';
import { YDocReplica } from '../src/patterns/crdt/replica.js';
import { mulberry32 } from '../src/random.js';
import { openDatabase } from '../src/memory/db.js';
import { fmt, median, settle, type Row } from './lib/stats.js';
import { canonicalJson } from '../src/canonical-json.js';

const SEED = 42;
const RTT_MS = 1;
/** A push-pull exchange is three one-way messages: SyncStep1, then SyncStep2 + SyncStep1, then SyncStep2. */
const RTT_PER_EXCHANGE = 1.5;
const MAX_ROUNDS = 60;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Node i's doc with its one distinct edit, under a seeded clientID. */
function editedDoc(i: number, rng: () => number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = Math.floor(rng() * 0x7fffffff) + 1;
  doc.getMap('m').set(`k${i}`, i);
  return doc;
}

interface YRun {
  n: number;
  fanout: number;
  loss: number;
  rounds: number;
  cpuMs: number;
  /** GC pauses (wall time) inside the nodes' timed work: the shared heap's. */
  gcMs: number;
  simulatedMs: number;
  msgsPerNode: number;
  bytesPerNode: number;
}

/** GC pauses as they happen (start, end in performance.now() time). */
const gcPauses: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });

/**
 * Σ over rounds of the slowest node's processing (CPU time), with GC pauses taken out: the simulation keeps
 * every node's heap in one process, so one collection walks a thousand heaps and lands on
 * whichever node is running. A real node collects only its own (a thousandth of this heap).
 */
function slowestWithoutGc(
  trace: NonNullable<Cluster<YDocReplica>['net']['trace']>,
  rounds: number,
): { sum: number; gcMs: number } {
  const busy: Array<Map<string, number>> = Array.from({ length: rounds }, () => new Map());
  const pauses = [...gcPauses].sort((a, b) => a[0] - b[0]);
  let gcMs = 0;
  let p = 0;
  for (let i = 0; i < trace.t0.length; i++) {
    const t0 = trace.t0[i];
    const t1 = trace.t1[i];
    while (p < pauses.length && pauses[p][1] < t0) p++;
    let inGc = 0;
    for (let q = p; q < pauses.length && pauses[q][0] < t1; q++)
      inGc += Math.max(0, Math.min(t1, pauses[q][1]) - Math.max(t0, pauses[q][0]));
    gcMs += inGc;
    const m = busy[trace.round[i]];
    // The span's CPU time (not its wall time: other processes' time slices are not this node's
    // work) less the GC pauses inside it.
    if (m) m.set(trace.node[i], (m.get(trace.node[i]) ?? 0) + Math.max(0, Math.min(trace.cpu[i], t1 - t0) - inGc));
  }
  let sum = 0;
  for (const m of busy) sum += Math.max(0, ...m.values());
  return { sum, gcMs };
}

export async function runYjs(n: number, fanout: number, loss = 0): Promise<YRun> {
  const rng = mulberry32(SEED + n);
  const cluster: Cluster<YDocReplica> = new Cluster<YDocReplica>({
    n,
    fanout,
    seed: SEED,
    loss,
    make: (i) => new YDocReplica(editedDoc(i, rng)),
    apply: (r, updates) =>
      r.doc.transact(() => {
        for (const u of updates) Y.applyUpdate(r.doc, u);
      }),
  });
  const done = () => cluster.nodes.every((x) => x.replica.doc.store.clients.size === n);
  cluster.net.trace = { round: [], node: [], t0: [], t1: [], cpu: [] };
  gcPauses.length = 0;
  const c0 = cpuMs();
  const rounds = cluster.runUntil(done, MAX_ROUNDS);
  const cpu = cpuMs() - c0;
  await new Promise((r) => setTimeout(r, 200)); // let the GC observer deliver
  const t = cluster.totals();
  const { sum, gcMs } = slowestWithoutGc(cluster.net.trace, cluster.history.length);
  // A round is `fanout` exchanges one after another, each 1.5 RTT.
  const simulatedMs = sum + cluster.history.length * RTT_MS * RTT_PER_EXCHANGE * fanout;
  const snapshot = canonicalJson(cluster.nodes[0].replica.doc.toJSON());
  if (rounds > 0 && !cluster.nodes.every((x) => canonicalJson(x.replica.doc.toJSON()) === snapshot)) {
    throw new Error(`N=${n}: state vectors match but snapshots differ`);
  }
  for (const x of cluster.nodes) x.replica.doc.destroy();
  return { n, fanout, loss, rounds, cpuMs: cpu, gcMs, simulatedMs, msgsPerNode: t.sent / n, bytesPerNode: t.sentBytes / n };
}

/** The same engine over a stand-in doc: a bitset of known edits (real Y.Docs at 10000 nodes would take minutes of integration alone). */
class BitsetReplica implements Replica {
  bits: Uint32Array;
  constructor(words: number, i: number) {
    this.bits = new Uint32Array(words);
    this.bits[i >>> 5] |= 1 << (i & 31);
  }
  stateVector(): Uint8Array {
    return new Uint8Array(this.bits.buffer);
  }
  digest(): number {
    return 0;
  }
  compare(sv: Uint8Array): { diff: Uint8Array | null; want: Uint8Array | null } {
    const remote = new Uint32Array(sv.slice().buffer);
    let peerLacks = false;
    let lacking = false;
    for (let w = 0; w < this.bits.length; w++) {
      if (this.bits[w] & ~remote[w]) peerLacks = true;
      if (remote[w] & ~this.bits[w]) lacking = true;
    }
    const want = lacking ? this.and(remote, true) : null;
    return { diff: peerLacks ? this.and(remote, false) : null, want };
  }
  /** Bits of ours not in `other` (a diff), or of `other` not in ours (a request). */
  private and(other: Uint32Array, request: boolean): Uint8Array {
    const out = new Uint32Array(this.bits.length);
    for (let w = 0; w < out.length; w++) out[w] = request ? other[w] & ~this.bits[w] : this.bits[w] & ~other[w];
    return new Uint8Array(out.buffer);
  }
  answer(want: Uint8Array): Uint8Array | null {
    const w32 = new Uint32Array(want.slice().buffer);
    const out = new Uint32Array(this.bits.length);
    let any = false;
    for (let w = 0; w < out.length; w++) if ((out[w] = this.bits[w] & w32[w])) any = true;
    return any ? new Uint8Array(out.buffer) : null;
  }
  full(): boolean {
    return this.bits.every((w, i) => w === this.expect[i]);
  }
  expect!: Uint32Array;
}

function runBitset(n: number, fanout: number): number {
  const words = Math.ceil(n / 32);
  const expect = new Uint32Array(words);
  for (let i = 0; i < n; i++) expect[i >>> 5] |= 1 << (i & 31);
  const cluster = new Cluster<BitsetReplica>({
    n,
    fanout,
    seed: SEED,
    make: (i) => Object.assign(new BitsetReplica(words, i), { expect }),
    apply: (r, updates) => {
      for (const u of updates) {
        const d = new Uint32Array(u.slice().buffer);
        for (let w = 0; w < words; w++) r.bits[w] |= d[w];
      }
    },
  });
  return cluster.runUntil(() => cluster.nodes.every((x) => x.replica.full()), MAX_ROUNDS);
}

/** The floor: every one of n docs integrates the other nodes' edits once, as one merged update. */
async function integrationFloor(n: number): Promise<{ cpu: number; gc: number }> {
  const rng = mulberry32(SEED + n);
  const merged = Y.mergeUpdates(Array.from({ length: n }, (_, i) => Y.encodeStateAsUpdate(editedDoc(i, rng))));
  const docs = Array.from({ length: n }, () => new Y.Doc());
  await new Promise((r) => setTimeout(r, 200));
  gcPauses.length = 0;
  const w0 = performance.now();
  const c0 = cpuMs();
  for (const d of docs) Y.applyUpdate(d, merged);
  const cpu = cpuMs() - c0;
  const w1 = performance.now();
  await new Promise((r) => setTimeout(r, 200)); // let the GC observer deliver
  const gc = gcPauses.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, w1) - Math.max(a, w0)), 0); // wall time
  if (docs[n - 1].store.clients.size !== n) throw new Error('floor: merge incomplete');
  return { cpu, gc };
}

/**
 * updates/s: single-character updates from a typing client, applied by raw Y.applyUpdate (in
 * batches of `batch` per Yjs transaction, the way the pattern applies one call's updates) vs
 * DocStore.merge with `batch` updates per call (persisted: one SQLite transaction per call).
 */
export function throughput(count: number, batch: number): { raw: number; pattern: number } {
  const src = new Y.Doc();
  src.clientID = 7;
  const updates: Uint8Array[] = [];
  src.on('update', (u: Uint8Array) => updates.push(u));
  const text = src.getText('t');
  const r = mulberry32(SEED);
  for (let i = 0; i < count; i++) text.insert(Math.floor(r() * (text.length + 1)), 'x');

  const raw = new Y.Doc();
  const t0 = performance.now();
  for (let i = 0; i < updates.length; i += batch) {
    raw.transact(() => {
      for (let j = i; j < Math.min(i + batch, updates.length); j++) Y.applyUpdate(raw, updates[j]);
    });
  }
  const rawMs = performance.now() - t0;

  const dir = mkdtempSync(join(tmpdir(), 'sixfold-crdt-bench-'));
  const db = openDatabase(join(dir, 'bench.db'));
  try {
    const store = new DocStore(db, { compactEvery: 100, cacheSize: 4, maxDocBytes: 64 << 20 });
    const t1 = performance.now();
    for (let i = 0; i < updates.length; i += batch) store.merge('bench', { updates: updates.slice(i, i + batch) });
    const patternMs = performance.now() - t1;
    if (JSON.stringify(store.view('bench').snapshot) !== JSON.stringify({ t: text.toString() }))
      throw new Error('throughput: result differs');
    return { raw: count / (rawMs / 1000), pattern: count / (patternMs / 1000) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCrdtBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const yjs: YRun[] = [];
  for (const n of [100, 1000]) {
    for (const f of [1, 2, 3]) {
      await settle();
      yjs.push(await runYjs(n, f));
    }
  }
  const bits = [1, 2, 3].map((f) => runBitset(10_000, f));
  const at = (n: number) => yjs.filter((r) => r.n === n);
  const rounds = (rs: YRun[]) => rs.map((r) => `f${r.fanout}: ${r.rounds}`).join(', ');
  const best1000 = Math.min(...at(1000).map((r) => r.rounds));
  rows.push({
    figure:
      'rounds to converge (one distinct edit per node; f = fanout: a round is f push-pull exchanges per node, one after another)',
    anchor: 'push-pull theory ≈ log3 N + O(log log N) (≈ 9 at 1000); original project: no convergence in 30 s at 1000',
    ours: `N=100 ${rounds(at(100))}; N=1000 ${rounds(at(1000))}; N=10000 (bitset stand-in doc, same engine) ${bits.map((b, i) => `f${i + 1}: ${b}`).join(', ')}`,
    goal: '1000 nodes <= 12 rounds',
    met: best1000 > 0 && best1000 <= 12,
  });

  await settle();
  const floors = [await integrationFloor(1000), await integrationFloor(1000), await integrationFloor(1000)];
  const floor = median(floors.map((f) => f.cpu));
  const floorGc = median(floors.map((f) => f.gc));
  const f3 = at(1000).find((r) => r.fanout === 3)!;
  rows.push({
    figure:
      'total CPU to converge, N=1000, vs the integration floor (1000 docs each applying one merged 1000-item update), same run',
    anchor: 'naive full-diff push-pull ≈ 6.5× the floor',
    ours: `floor ${fmt(floor, 0)} ms; ${at(1000)
      .map((r) => `f${r.fanout}: ${fmt(r.cpuMs, 0)} ms (${fmt(r.cpuMs / floor)}×)`)
      .join(', ')}. GC pauses (wall): floor ${fmt(floorGc, 0)} ms, f3 ${fmt(f3.gcMs, 0)} ms`,
    goal: '<= 2× the floor (f3)',
    met: f3.cpuMs <= 2 * floor,
  });
  rows.push({
    figure: `simulated distributed time at N=1000: Σ rounds (slowest node's measured processing, shared-heap GC pauses excluded, + fanout × ${RTT_PER_EXCHANGE} × ${RTT_MS} ms RTT)`,
    anchor: 'seeds: < 100 ms at 1000 nodes',
    ours: at(1000)
      .map((r) => `f${r.fanout}: ${fmt(r.simulatedMs, 1)} ms`)
      .join(', '),
    goal: '< 100 ms at 1000 nodes (f3)',
    met: f3.simulatedMs < 100,
  });
  await settle();
  const lossy = await runYjs(1000, 3, 0.1);
  rows.push({
    figure: 'the same with 10% message loss (N=1000, f3)',
    anchor: '≈ 10 rounds at 1000 (simulation)',
    ours: `${lossy.rounds} rounds, ${fmt(lossy.simulatedMs, 1)} ms simulated, ${fmt(lossy.cpuMs, 0)} ms CPU`,
    goal: 'print',
  });
  rows.push({
    figure: 'messages and bytes sent per node to converge (N=1000)',
    anchor: 'naive: ≈ 38 KB per node at 1000',
    ours: at(1000)
      .map((r) => `f${r.fanout}: ${fmt(r.msgsPerNode, 1)} msgs, ${fmt(r.bytesPerNode / 1024, 1)} KB`)
      .join('; '),
    goal: 'print, and below naive (f3)',
    met: f3.bytesPerNode < 38 * 1024,
  });
  await settle();
  throughput(5_000, 100); // warm the JIT for both paths
  // Best of five for each path: on a shared machine a slow run is other processes' time, not ours.
  const tp = (count: number, batch: number) => {
    const runs = [1, 2, 3, 4, 5].map(() => throughput(count, batch));
    const raw = Math.max(...runs.map((t) => t.raw));
    const pat = Math.max(...runs.map((t) => t.pattern));
    return { raw, pat, overhead: raw / pat - 1 };
  };
  const big = tp(20_000, 1000);
  const mid = tp(20_000, 100);
  const one = tp(2_000, 1);
  const show = (t: { raw: number; pat: number; overhead: number }) =>
    `raw ${fmt(t.raw, 0)}/s, pattern ${fmt(t.pat, 0)}/s (overhead ${fmt(t.overhead * 100, 0)}%)`;
  rows.push({
    figure:
      'crdt_merge throughput: single-char text updates/s through DocStore.merge (persisted: one SQLite commit per call) vs raw Y.applyUpdate batched the same way, best of 5',
    anchor: 'Yjs itself',
    ours: `1000 per call: ${show(big)}; 100 per call: ${show(mid)}; 1 per call: ${show(one)}`,
    goal: 'overhead < 10% (1000 per call)',
    met: big.overhead < 0.1,
  });
  return rows;
}
