/**
 * byzantine_propose across real sixfold processes on loopback, each holding only its own key:
 * commit through any node with certificates that check offline against the nodes' public keys;
 * a partition (the minority node cannot commit, the majority can; healed, it catches up); kill -9
 * the primary and still commit (view change); restart it and it catches up with nothing lost; one lying node is tolerated; f+1 lying nodes give no certificate and commit nothing; the
 * consensus value never crosses the wire in plaintext (a recording relay sits on every connection
 * of one node). 4 and 7 nodes.
 */
import { verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromText } from '../../src/patterns/consensus/node-keys.js';
import { nodeIdOf } from '../../src/peer/identity.js';
import { callErr, callOk } from '../helpers/mcp.js';
import { fullyConnected, restartNode, startCluster, stopCluster, until, type NodeHandle } from '../helpers/cluster.js';
import { startRelay, type Relay } from '../helpers/relay.js';
import { makeTempDir, resourceJson, runCli, type TempDir } from '../helpers/server.js';

interface Proposal {
  mode: string;
  committed: boolean;
  cluster: string;
  digest: string;
  sequence: number | null;
  view: number | null;
  n: number;
  f: number;
  quorum: number;
  certificate: Array<{ replica: number; node: string; key?: string; signature: string }>;
  signers: string[];
  batch?: string[];
  statement_cluster: string;
  view_changes: number;
  reason?: string;
}
interface Keys {
  statement_cluster: string;
  n: number;
  quorum: number;
  members: Array<{ replica: number; node: string; key: string | null }>;
}
interface Log {
  total: number;
  last_sequence: number;
  entries: Array<{ sequence: number; state_digest: string; values: Array<{ value: unknown; proposer: string }> }>;
}

/** Fast timers so view changes and reconnects take a fraction of a second. */
const CONFIG = {
  consensus: { view_change_timeout_ms: 500, retransmit_ms: 50, checkpoint_interval: 4, window: 16 },
  cluster: { backoff_base_ms: 50, backoff_max_ms: 500, heartbeat_ms: 500 },
};

function configFile(t: TempDir): string {
  const p = join(t.dir, 'consensus.json');
  writeFileSync(p, JSON.stringify(CONFIG));
  return p;
}

const propose = (n: NodeHandle, args: Record<string, unknown>) => callOk<Proposal>(n.client, 'byzantine_propose', args);
const readJson = async <T>(n: NodeHandle, uri: string) => resourceJson<T>(await n.client.readResource({ uri }));
const logOf = (n: NodeHandle) => readJson<Log>(n, 'consensus://default/log');
const chain = (l: Log) => l.entries.map((e) => `${e.sequence}:${e.state_digest}`);

/** Every node's log reaches `seq`; returns them. */
async function logsAt(nodes: NodeHandle[], seq: number): Promise<Log[]> {
  return Promise.all(
    nodes.map((n) =>
      until(
        () => logOf(n),
        (l) => l.last_sequence >= seq,
        30_000,
        `node ${n.index}'s log to reach ${seq}`,
      ),
    ),
  );
}

/** What an outsider does with consensus://{cluster}/keys: each key hashes to its node id; 2f+1 distinct members' signatures verify. */
function checkOffline(keys: Keys, p: Proposal): number {
  const stmt = Buffer.from(`sixfold-pbft-commit\n${keys.statement_cluster}\n${p.view}\n${p.sequence}\n${p.digest}`);
  const good = new Set<string>();
  for (const s of p.certificate) {
    const m = keys.members.find((x) => x.node === s.node);
    if (!m?.key || m.replica !== s.replica) continue;
    const key = publicKeyFromText(m.key);
    if (nodeIdOf(key) !== m.node) continue;
    if (verify(null, stmt, key, Buffer.from(s.signature, 'base64'))) good.add(m.node);
  }
  return good.size;
}

describe('consensus across four processes', { timeout: 120_000 }, () => {
  let nodes: NodeHandle[] = [];
  let relay: Relay;
  let tmp: TempDir;
  const canary = 'consensus-canary-4be1c9d07f';

  beforeAll(async () => {
    tmp = makeTempDir();
    relay = await startRelay();
    const cfg = configFile(tmp);
    // Every connection of node 0 goes through the recording relay: the others dial it there, it dials nobody.
    nodes = await startCluster({
      n: 4,
      args: () => ['--config', cfg],
      dialAddress: (i, j, own) => {
        if (i === 0) return null;
        if (j !== 0) return own;
        const [host, port] = own.split(':');
        relay.target(host, Number(port));
        return relay.address;
      },
    });
    await fullyConnected(nodes);
  }, 180_000);

  afterAll(async () => {
    await stopCluster(nodes);
    await relay?.close();
    tmp?.remove();
  }, 30_000);

  it('commits through every node; each certificate has 2f+1 node signatures that verify offline and on another node', async () => {
    const results: Proposal[] = [];
    for (const n of nodes) {
      const p = await propose(n, { value: { deploy: `v${n.index}`, note: canary } });
      expect(p.reason).toBeUndefined();
      expect(p).toMatchObject({ mode: 'nodes', committed: true, cluster: 'default', n: 4, f: 1, quorum: 3 });
      // Increasing (a view change on a loaded machine may fill a sequence with PBFT's null request).
      expect(p.sequence).toBeGreaterThan(results.at(-1)?.sequence ?? 0);
      expect(p.certificate.length).toBeGreaterThanOrEqual(3);
      expect(new Set(p.signers).size).toBe(p.certificate.length);
      expect(p.signers.every((id) => nodes.some((x) => x.id === id))).toBe(true);
      results.push(p);
    }
    const keys = await readJson<Keys>(nodes[2], 'consensus://default/keys');
    expect(keys).toMatchObject({ n: 4, quorum: 3 });
    expect(JSON.stringify(keys)).not.toMatch(/private|PRIVATE/);
    for (const [k, p] of results.entries()) {
      expect(checkOffline(keys, p)).toBeGreaterThanOrEqual(3);
      const on = nodes[(k + 1) % 4];
      const v = await callOk<{ valid: boolean; mode: string; signer_nodes: string[] }>(on.client, 'verify_certificate', {
        cluster: 'default',
        value: { deploy: `v${k}`, note: canary },
        certificate: p.certificate,
        sequence: p.sequence,
        view: p.view,
      });
      expect(v).toMatchObject({ valid: true, mode: 'nodes' });
      // Another value, or another sequence: invalid.
      expect(
        (
          await callOk<{ valid: boolean }>(on.client, 'verify_certificate', {
            cluster: 'default',
            value: 'forged',
            certificate: p.certificate,
            sequence: p.sequence,
            view: p.view,
          })
        ).valid,
      ).toBe(false);
      expect(
        (
          await callOk<{ valid: boolean }>(on.client, 'verify_certificate', {
            cluster: 'default',
            value: { deploy: `v${k}`, note: canary },
            certificate: p.certificate,
            sequence: p.sequence! + 1,
            view: p.view,
          })
        ).valid,
      ).toBe(false);
    }
    const logs = await logsAt(nodes, results[3].sequence!);
    for (const l of logs) expect(chain(l)).toEqual(chain(logs[0]));
    const first = logs[1].entries.find((e) => e.sequence === results[0].sequence)!;
    expect(first.values[0]).toMatchObject({ value: { deploy: 'v0', note: canary }, proposer: nodes[0].id });
  });

  it('the value never crosses the wire in plaintext (every connection of node 0 passes a recording relay)', () => {
    const wire = relay.recorded();
    expect(wire.length).toBeGreaterThan(2000);
    expect(wire.includes(Buffer.from(canary))).toBe(false);
    expect(wire.includes(Buffer.from('sixfold-pbft'))).toBe(false);
    expect(relay.firsts.length).toBeGreaterThanOrEqual(6);
    for (const f of relay.firsts) expect(f[0]).toBe(0x16); // every stream starts with a TLS handshake record
  });

  it('simulation knobs are refused in mode nodes; mode simulate still runs here and says it is a simulation', async () => {
    expect(
      await callErr(nodes[1].client, 'byzantine_propose', { value: 1, faults: [{ replica: 0, behavior: 'silent' }] }),
    ).toMatch(/apply to mode "simulate" only/);
    const sim = await callOk<Proposal & { faulty_replicas: number[] }>(nodes[1].client, 'byzantine_propose', {
      value: 'sim',
      mode: 'simulate',
      cluster: 'lab',
    });
    expect(sim).toMatchObject({ mode: 'simulate', committed: true, n: 4 });
    const text = await nodes[1].client.callTool({
      name: 'byzantine_propose',
      arguments: { value: 'sim2', mode: 'simulate', cluster: 'lab' },
    });
    expect((text.content as Array<{ text: string }>)[0].text).toMatch(/^SIMULATION/);
    const simKeys = await readJson<{ mode: string }>(nodes[1], 'consensus://lab/simulated/keys');
    expect(simKeys.mode).toBe('simulate');
  });

  it('a partition cuts node 0 off: it cannot commit alone, the other three still do; healed, it catches up', async () => {
    const before = await logOf(nodes[0]);
    relay.cut();
    await until(
      () => readJson<{ peers_connected: string[] }>(nodes[0], 'consensus://default/status'),
      (s) => s.peers_connected.length === 0,
      30_000,
      'node 0 to be cut off',
    );
    const alone = await propose(nodes[0], { value: 'from the minority side', timeout_ms: 1000 });
    expect(alone.committed).toBe(false);
    expect(alone.reason).toMatch(/connected to 0 of its 3 peers/);
    let last = 0;
    let made: Proposal | undefined;
    for (const n of nodes.slice(1)) {
      const p = await propose(n, { value: { majority: n.index } });
      expect(p.reason).toBeUndefined();
      expect(p.committed).toBe(true);
      expect(p.signers).not.toContain(nodes[0].id);
      last = Math.max(last, p.sequence!);
      made = p;
    }
    // Offline: node 0, cut off, checks the majority's certificate with the keys it remembers (none in the entries).
    const bare = made!.certificate.map(({ node, signature }) => ({ node, signature }));
    const v = await callOk<{ valid: boolean }>(nodes[0].client, 'verify_certificate', {
      cluster: 'default',
      value: { majority: 3 },
      certificate: bare,
      sequence: made!.sequence,
      view: made!.view,
    });
    expect(v.valid).toBe(true);
    expect((await logOf(nodes[0])).last_sequence).toBe(before.last_sequence); // nothing reached it meanwhile
    relay.heal();
    const [healed, other] = await logsAt([nodes[0], nodes[1]], last);
    expect(chain(healed).slice(0, chain(other).length)).toEqual(chain(other));
    // Cut off, it did not strand itself in a view change of its own: it votes again at once.
    const [s0, s1] = await Promise.all(
      [0, 1].map((i) => readJson<{ in_view_change: boolean; view: number }>(nodes[i], 'consensus://default/status')),
    );
    expect(s0.in_view_change).toBe(false);
    expect(s0.view).toBe(s1.view);
  });

  it('kill -9 the primary: the others still commit (view change); restarted, it catches up from its peers with nothing lost', async () => {
    const primary = nodes.reduce((a, b) => (a.id < b.id ? a : b));
    const before = await logOf(primary);
    expect(before.total).toBeGreaterThanOrEqual(4);
    process.kill(primary.pid, 'SIGKILL');
    const others = nodes.filter((n) => n !== primary);
    const p = await propose(others[0], { value: 'after the crash' });
    expect(p.reason).toBeUndefined();
    expect(p.committed).toBe(true);
    expect(p.view).toBeGreaterThanOrEqual(1);
    expect(p.signers).not.toContain(primary.id);
    let last = p.sequence!;
    for (let k = 0; k < 6; k++) {
      const q = await propose(others[k % 3], { value: { while_down: k } });
      expect(q.committed).toBe(true);
      last = Math.max(last, q.sequence!);
    }

    const back = await restartNode(primary);
    nodes[primary.index] = back;
    const [mine, theirs] = await logsAt([back, others[0]], last);
    const status = await readJson<{ open: boolean; last_executed: number; view: number; peers_connected: string[] }>(
      back,
      'consensus://default/status',
    );
    expect(status).toMatchObject({ open: true });
    expect(status.last_executed).toBeGreaterThanOrEqual(last);
    expect(status.view).toBeGreaterThanOrEqual(1); // it learnt the view the others moved to
    expect(chain(mine)).toEqual(chain(theirs));
    expect(chain(mine).slice(0, before.entries.length)).toEqual(chain(before)); // what it had before the kill is still there
    // It takes part again: a commit through it.
    const again = await propose(back, { value: 'through the restarted node' });
    expect(again.committed).toBe(true);
    await logsAt(nodes, again.sequence!);
  });
});

describe('lying nodes among four processes', { timeout: 120_000 }, () => {
  let nodes: NodeHandle[] = [];
  let tmp: TempDir;
  const FAULT = { SIXFOLD_TEST_FAULT: 'corrupt_digest' };
  // f + 1 = 2 of 4 lie: node 0 corrupts every digest it sends, node 1 withholds its votes. Neither
  // lets an honest node gather a quorum, so nothing is prepared or executed anywhere honest. (Two
  // corrupt_digest nodes are different: each runs the honest state machine underneath, and their
  // signed view changes can carry a request into a view where the two honest nodes both prepare
  // it; PBFT then counts it committed, certificate or not. See docs/tools/byzantine_propose.md.)
  const faults: Array<Record<string, string>> = [FAULT, { SIXFOLD_TEST_FAULT: 'silent' }, {}, {}];

  beforeAll(async () => {
    tmp = makeTempDir();
    const cfg = configFile(tmp);
    nodes = await startCluster({
      n: 4,
      args: (i) => ['--config', cfg, ...(i < 2 ? ['--unsafe-test-faults'] : [])],
      env: (i) => faults[i],
    });
    await fullyConnected(nodes);
  }, 180_000);

  afterAll(async () => {
    await stopCluster(nodes);
    tmp?.remove();
  }, 30_000);

  it('SIXFOLD_TEST_FAULT without --unsafe-test-faults refuses to start; with it, the node warns at start', async () => {
    const t = makeTempDir();
    try {
      const r = await runCli(['--db', t.db], { XDG_DATA_HOME: t.xdg, ...FAULT });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/SIXFOLD_TEST_FAULT .*needs --unsafe-test-faults/);
    } finally {
      t.remove();
    }
    expect(nodes[0].stderr()).toMatch(/UNSAFE TEST FAULT/);
    expect(nodes[2].stderr()).not.toMatch(/UNSAFE TEST FAULT/);
  });

  it('f+1 lying nodes: no certificate, a clear reason, nothing committed on the honest nodes', async () => {
    const p = await propose(nodes[2], { value: 'must not commit', timeout_ms: 2000 });
    expect(p).toMatchObject({ mode: 'nodes', committed: false, sequence: null, certificate: [] });
    expect(p.reason).toMatch(/No certificate within 2000 ms: 3 matching signatures from distinct nodes are needed/);
    for (const n of [nodes[2], nodes[3]]) expect((await logOf(n)).total).toBe(0);
  });

  it('one lying node (the other restarted honest): safe and live, honest logs agree', async () => {
    nodes[1] = await restartNode(nodes[1], {});
    await fullyConnected(nodes);
    const honest = [nodes[1], nodes[2], nodes[3]];
    let seq = 0;
    for (const [k, n] of honest.entries()) {
      const p = await propose(n, { value: { with_one_liar: k } });
      expect(p.reason).toBeUndefined();
      expect(p.committed).toBe(true);
      expect(p.signers).not.toContain(nodes[0].id);
      seq = Math.max(seq, p.sequence!);
    }
    const logs = await logsAt(honest, seq);
    for (const l of logs) expect(chain(l)).toEqual(chain(logs[0]));
  });
});

describe('consensus across seven processes', { timeout: 120_000 }, () => {
  let nodes: NodeHandle[] = [];
  let tmp: TempDir;

  beforeAll(async () => {
    tmp = makeTempDir();
    const cfg = configFile(tmp);
    // Node 3 equivocates; f = 2, so a crash besides it is tolerated too.
    nodes = await startCluster({
      n: 7,
      args: (i) => ['--config', cfg, ...(i === 3 ? ['--unsafe-test-faults'] : [])],
      env: (i): Record<string, string> => (i === 3 ? { SIXFOLD_TEST_FAULT: 'equivocate' } : {}),
    });
    await fullyConnected(nodes);
  }, 180_000);

  afterAll(async () => {
    await stopCluster(nodes);
    tmp?.remove();
  }, 30_000);

  it('commits through any node with a liar among them, and after kill -9 of another; honest logs agree', async () => {
    for (const i of [0, 4, 6]) {
      const p = await propose(nodes[i], { value: { seven: i } });
      expect(p.reason).toBeUndefined();
      expect(p).toMatchObject({ committed: true, n: 7, f: 2, quorum: 5 });
      expect(p.certificate.length).toBeGreaterThanOrEqual(5);
    }
    process.kill(nodes[5].pid, 'SIGKILL');
    const honest = nodes.filter((n) => n.index !== 3 && n.index !== 5);
    let seq = 0;
    for (const n of honest.slice(0, 3)) {
      const p = await propose(n, { value: { after_kill: n.index } });
      expect(p.reason).toBeUndefined();
      expect(p.committed).toBe(true);
      seq = p.sequence!;
    }
    const logs = await logsAt(honest, seq);
    for (const l of logs) expect(chain(l)).toEqual(chain(logs[0]));
  });
});
