/**
 * Seven real sixfold processes on loopback, each allowing and dialling the other six over mutual
 * TLS (one of them serves MCP over Streamable HTTP, the rest over stdio): aggregate over the
 * cluster equals the exact answer, CRDT gossip converges on every node, a node killed with
 * SIGKILL is reported in coverage. Then two nodes with a TCP relay between them that records
 * every byte: a value gossiped across it never appears in plaintext on the wire.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocView } from '../../src/patterns/crdt/docs.js';
import { callErr, callOk } from '../helpers/mcp.js';
import { fullyConnected, startCluster, stopCluster, until, type NodeHandle } from '../helpers/cluster.js';

interface AggResult {
  results: Record<string, number | null>;
  source: string;
  agents: number;
  depth: number;
  fanout: number;
  messages_total: number;
  coverage: number;
  cluster: {
    nodes: number;
    answered: string[];
    missing: Array<{ id: string; reason: string }>;
    values: number;
    requests: number;
    complete_tree_depth: number;
  };
}

/** Node i holds three memories with latency values 10i+1, 10i+2, 10i+4 (and one without the field). */
const valuesOf = (i: number) => [10 * i + 1, 10 * i + 2, 10 * i + 4];

function exact(nodes: number[]) {
  const v = nodes.flatMap(valuesOf);
  const sum = v.reduce((a, b) => a + b, 0);
  const mean = sum / v.length;
  return {
    count: v.length,
    sum,
    min: Math.min(...v),
    max: Math.max(...v),
    mean,
    variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length,
  };
}

const agg = (n: NodeHandle, args: Record<string, unknown>) =>
  callOk<AggResult>(n.client, 'aggregate', {
    cluster: { namespace: 'lat', field: 'latency_ms', timeout_ms: 3000 },
    ops: ['count', 'sum', 'min', 'max', 'mean', 'variance'],
    ...args,
  });

const read = (n: NodeHandle, doc: string) =>
  n.client
    .callTool({ name: 'crdt_read', arguments: { doc } })
    .then((r) => (r.isError ? undefined : (r.structuredContent as unknown as DocView)));

describe('a cluster of seven processes', { timeout: 60_000 }, () => {
  let nodes: NodeHandle[] = [];

  beforeAll(async () => {
    nodes = await startCluster({ n: 7, http: new Set([6]), args: () => ['--log-level', 'info'] });
    await Promise.all(
      nodes.map(async (n) => {
        for (const v of valuesOf(n.index))
          await callOk(n.client, 'memory_store', {
            namespace: 'lat',
            content: `request took ${v} ms`,
            metadata: { latency_ms: v },
          });
        await callOk(n.client, 'memory_store', { namespace: 'lat', content: 'no latency here', metadata: { other: 1 } });
      }),
    );
    await fullyConnected(nodes);
  }, 180_000);

  afterAll(async () => {
    await stopCluster(nodes);
  }, 30_000);

  it('aggregate with the cluster source equals the exact answer over all seven nodes; depth and messages as the tree says', async () => {
    const want = exact([0, 1, 2, 3, 4, 5, 6]);
    const r = await agg(nodes[0], { fanout: 2 });
    expect(r).toMatchObject({ source: 'cluster', agents: 7, fanout: 2, coverage: 1, depth: 2, messages_total: 6 });
    expect(r.cluster).toMatchObject({ nodes: 7, missing: [], values: 21, requests: 6, complete_tree_depth: 2 });
    expect(r.cluster.answered.sort()).toEqual(nodes.map((n) => n.id).sort());
    expect(r.results).toMatchObject({ count: want.count, sum: want.sum, min: want.min, max: want.max });
    expect(r.results.mean).toBeCloseTo(want.mean, 9);
    expect(r.results.variance).toBeCloseTo(want.variance, 9);
    // From another node (the HTTP one), as a star: the same answer, depth 1.
    const star = await agg(nodes[6], { fanout: 16 });
    expect(star).toMatchObject({ coverage: 1, depth: 1, messages_total: 6 });
    expect(star.results).toMatchObject({ count: want.count, sum: want.sum, min: want.min, max: want.max });
    // Simulation knobs make no sense for real nodes: refused with what to send instead.
    expect(
      await callErr(nodes[0].client, 'aggregate', {
        cluster: { namespace: 'lat', field: 'latency_ms' },
        ops: ['sum'],
        failures: 0.1,
      }),
    ).toMatch(/simulated sources only/);
  });

  it('gossip converges across the cluster: one edit on each of the seven nodes, every node ends with all seven', async () => {
    await Promise.all(
      nodes.map((n) =>
        callOk(n.client, 'crdt_merge', {
          doc: 'cluster-doc',
          ops: [{ op: 'map_set', target: 'm', key: `node${n.index}`, value: n.index }],
          actor: `a${n.index}`,
        }),
      ),
    );
    const want = Object.fromEntries(nodes.map((n) => [`node${n.index}`, n.index]));
    await Promise.all(
      nodes.map((n) =>
        until(
          () => read(n, 'cluster-doc'),
          (v) =>
            JSON.stringify(v?.snapshot.m && Object.keys(v.snapshot.m as object).sort()) ===
            JSON.stringify(Object.keys(want).sort()),
          15_000,
          `node ${n.index} to hold every edit`,
        ),
      ),
    );
    const views = await Promise.all(nodes.map((n) => read(n, 'cluster-doc')));
    expect(new Set(views.map((v) => v!.state_vector)).size).toBe(1);
    expect(views[3]!.snapshot.m).toEqual(want);
  });

  it('a node killed with SIGKILL is reported in coverage, and the rest still give the exact answer', async () => {
    const victim = nodes[1]; // with fanout 2 it leads nodes 3 and 4: they are asked directly
    process.kill(victim.pid, 'SIGKILL');
    const r = await agg(nodes[0], { fanout: 2 });
    expect(r.coverage).toBeCloseTo(6 / 7, 9);
    expect(r.cluster.missing.map((m) => m.id)).toEqual([victim.id]);
    const want = exact([0, 2, 3, 4, 5, 6]);
    expect(r.results).toMatchObject({ count: want.count, sum: want.sum, min: want.min, max: want.max });
    expect(r.cluster.answered).toHaveLength(6);
  });
});

describe('the wire between two nodes', { timeout: 120_000 }, () => {
  let nodes: NodeHandle[] = [];
  let relay: Server | undefined;
  const sockets = new Set<Socket>();
  const recorded: Buffer[] = [];

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
    await stopCluster(nodes);
  }, 30_000);

  it('carries only TLS records: a value gossiped through a recording relay never appears in plaintext', async () => {
    // The relay listens on a free port and forwards to node 0's address once known.
    let target: { host: string; port: number } | undefined;
    relay = createServer((inbound) => {
      sockets.add(inbound);
      if (!target) return void inbound.destroy(); // node 1 dialled before we learnt node 0's address: it redials
      const out = connect(target!.port, target!.host);
      sockets.add(out);
      inbound.on('data', (c: Buffer) => recorded.push(Buffer.from(c)));
      out.on('data', (c: Buffer) => recorded.push(Buffer.from(c)));
      inbound.pipe(out).pipe(inbound);
      const end = () => {
        inbound.destroy();
        out.destroy();
      };
      inbound.on('error', end).on('close', end);
      out.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => relay!.listen(0, '127.0.0.1', () => resolve()));
    const relayAt = `127.0.0.1:${(relay.address() as { port: number }).port}`;
    // Node 1 dials node 0 through the relay; node 0 allows node 1 without an address for it, so
    // the relay carries the pair's only connection.
    nodes = await startCluster({ n: 2, dialAddress: (i) => (i === 1 ? relayAt : null) });
    target = { host: nodes[0].host, port: nodes[0].port };
    await until(
      () => callOk<{ peers: Array<{ state: string; address: string }> }>(nodes[1].client, 'gossip_status', {}),
      (s) => s.peers[0]?.state === 'open',
      60_000,
      'node 1 to connect',
    );

    const canary = 'plaintext-canary-7d1e0f3b9a';
    await callOk(nodes[1].client, 'crdt_merge', {
      doc: 'wire',
      ops: [{ op: 'map_set', target: 'm', key: 'secret', value: canary }],
    });
    await until(
      () => read(nodes[0], 'wire'),
      (v) => (v?.snapshot.m as Record<string, unknown> | undefined)?.secret === canary,
      15_000,
      'the value on node 0',
    );

    const wire = Buffer.concat(recorded);
    expect(wire.length).toBeGreaterThan(500);
    expect(wire.includes(Buffer.from(canary))).toBe(false);
    expect(wire.includes(Buffer.from('wire'))).toBe(false); // the doc id is encrypted too
    // It is TLS: a handshake record first, application-data records (type 23, version 3.3) after.
    expect(recorded[0][0]).toBe(0x16);
    expect(wire.includes(Buffer.from([0x17, 0x03, 0x03]))).toBe(true);
  });
});
