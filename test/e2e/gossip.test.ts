/**
 * Two real sixfold processes on 127.0.0.1 gossiping CRDT documents over the cluster's peer network
 * (mutual TLS). Each node's id is made first with `sixfold node-id`; A listens on a free port
 * (--cluster-port 0, the address read from gossip_status) and allows B by id; B dials it with
 * --peer ID@HOST:PORT. Waits are polls of observable state (crdt_read / gossip_status through the
 * MCP client) with a bounded deadline.
 */
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { callOk } from '../helpers/mcp.js';
import type { DocView } from '../../src/patterns/crdt/docs.js';
import type { GossipStatus } from '../../src/cluster/gossip-node.js';
import { childEnv, makeTempDir, runCli, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

type View = DocView;
type Status = GossipStatus;

const open: StdioClientHandle[] = [];
const dirs: TempDir[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) d.remove();
});

function temp(): TempDir {
  const t = makeTempDir('sixfold-gossip-');
  dirs.push(t);
  return t;
}

async function start(t: TempDir, args: string[], env: Record<string, string> = {}): Promise<StdioClientHandle> {
  const h = await startStdioClient({ db: t.db, xdg: t.xdg, logLevel: 'info', extraArgs: args, env, startTimeoutMs: 60_000 });
  open.push(h);
  return h;
}

async function stop(h: StdioClientHandle): Promise<void> {
  open.splice(open.indexOf(h), 1);
  await h.close();
}

/** Polls `probe` until `ok` holds; fails after `ms` with the last value seen. */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 20)); // poll interval, not a synchronisation
  }
}

const status = (h: StdioClientHandle) => callOk<Status>(h.client, 'gossip_status', {});
const read = (h: StdioClientHandle, doc: string) =>
  h.client
    .callTool({ name: 'crdt_read', arguments: { doc } })
    .then((r) => (r.isError ? undefined : (r.structuredContent as unknown as View)));
const merge = (h: StdioClientHandle, doc: string, ops: unknown[], actor?: string) =>
  callOk<View>(h.client, 'crdt_merge', { doc, ops, actor });

async function listenAddress(h: StdioClientHandle): Promise<string> {
  const s = await until(
    () => status(h),
    (v) => v.listen !== null,
    30_000,
    'the cluster to listen',
  );
  expect(s.listen).toMatch(/^127\.0\.0\.1:\d+$/);
  return s.listen!;
}

/** `sixfold node-id` on a fresh DB: creates the identity, prints the id on line 1. */
async function nodeId(t: TempDir): Promise<string> {
  const r = await runCli(['node-id', '--db', t.db], childEnv(t.xdg), 60_000);
  expect(r.code).toBe(0);
  return r.stdout.split('\n')[0];
}

const connected = (h: StdioClientHandle) =>
  until(
    () => status(h),
    (s) => s.peers.some((p) => p.state === 'open'),
    30_000,
    'a gossip peer to connect',
  );

// Several processes start one after another in each test: bounded waits, generous under load.
describe('gossip between two sixfold processes', { timeout: 120_000 }, () => {
  it('an op on A is readable on B within 1 s (and back); B stopped, edits on both, B restarted: converged, nothing lost', async () => {
    const ta = temp();
    const tb = temp();
    const [idA, idB] = await Promise.all([nodeId(ta), nodeId(tb)]);
    const a = await start(ta, ['--cluster-port', '0', '--peer', idB]);
    const addr = await listenAddress(a);
    const url = `${idA}@${addr}`;
    let b = await start(tb, ['--peer', url]);
    await connected(b);
    await connected(a);

    await merge(a, 'shared', [{ op: 'map_set', target: 'm', key: 'from_a', value: 1 }], 'a');
    const t0 = Date.now();
    await until(
      () => read(b, 'shared'),
      (v) => (v?.snapshot.m as Record<string, unknown> | undefined)?.from_a === 1,
      1000,
      "A's op on B",
    );
    expect(Date.now() - t0).toBeLessThanOrEqual(1000);

    await merge(b, 'shared', [{ op: 'map_set', target: 'm', key: 'from_b', value: 2 }], 'b');
    await until(
      () => read(a, 'shared'),
      (v) => (v?.snapshot.m as Record<string, unknown> | undefined)?.from_b === 2,
      1000,
      "B's op on A",
    );

    // B down: A edits. B back without its peer (isolated): B edits. Then B rejoins.
    await stop(b);
    await merge(a, 'shared', [{ op: 'text_insert', target: 'log', value: 'A-while-B-down;' }], 'a');
    await merge(a, 'only-a', [{ op: 'array_push', target: 'list', value: 'a-doc' }], 'a');
    b = await start(tb, []);
    expect((await read(b, 'shared'))?.snapshot.m).toEqual({ from_a: 1, from_b: 2 }); // B's own DB kept everything
    await merge(b, 'shared', [{ op: 'text_insert', target: 'log', value: 'B-isolated;' }], 'b');
    await merge(b, 'only-b', [{ op: 'map_set', target: 'k', key: 'v', value: true }], 'b');
    await stop(b);
    b = await start(tb, ['--peer', url]);

    const same = async () => {
      const [x, y] = await Promise.all([read(a, 'shared'), read(b, 'shared')]);
      return { x, y };
    };
    const { x } = await until(
      same,
      ({ x: p, y: q }) => !!p && !!q && p.state_vector === q.state_vector,
      30_000,
      'A and B to converge on "shared"',
    );
    expect(x!.snapshot.m).toEqual({ from_a: 1, from_b: 2 });
    expect(['A-while-B-down;B-isolated;', 'B-isolated;A-while-B-down;']).toContain(x!.snapshot.log);
    const onlyA = await until(
      () => read(b, 'only-a'),
      (v) => v !== undefined,
      30_000,
      '"only-a" on B',
    );
    expect(onlyA!.snapshot).toEqual({ list: ['a-doc'] });
    const onlyB = await until(
      () => read(a, 'only-b'),
      (v) => v !== undefined,
      30_000,
      '"only-b" on A',
    );
    expect(onlyB!.snapshot).toEqual({ k: { v: true } });
  });

  it('a node not in the allow-list is refused at the handshake, and an allowed one syncs', async () => {
    const [ta, tw, tr] = [temp(), temp(), temp()];
    const [idA, idWrong, idRight] = await Promise.all([nodeId(ta), nodeId(tw), nodeId(tr)]);
    const a = await start(ta, ['--cluster-port', '0', '--peer', idRight]);
    const url = `${idA}@${await listenAddress(a)}`;
    await merge(a, 'secret', [{ op: 'map_set', target: 'm', key: 'k', value: 'v' }]);
    const wrong = await start(tw, ['--peer', url]);
    const refused = await until(
      () => status(wrong),
      (s) => typeof s.peers[0]?.last_error === 'string',
      30_000,
      'the refusal',
    );
    expect(refused.peers[0].last_error).toMatch(/did not accept this node/);
    expect(refused.peers[0].state).not.toBe('open');
    expect(await read(wrong, 'secret')).toBeUndefined();
    expect(a.stderr()).toContain(idWrong);
    expect(a.stderr()).toMatch(/refused at the TLS handshake: node id not in cluster\.peers/);
    const right = await start(tr, ['--peer', url]);
    await until(
      () => read(right, 'secret'),
      (v) => v !== undefined,
      30_000,
      'the doc on the allowed peer',
    );
  });

  it('refuses to listen beyond loopback with an empty allow-list; the WebSocket flags say what replaced them', async () => {
    const t = temp();
    let r = await runCli(
      ['--db', t.db, '--cluster-port', '0', '--cluster-host', '0.0.0.0'],
      childEnv(t.xdg, { SIXFOLD_HTTP_TOKEN: 'gossip-e2e-token-0123456789' }),
      60_000,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Refusing to listen for cluster peers on 0\.0\.0\.0:0 with an empty allow-list\. A bearer token \(SIXFOLD_HTTP_TOKEN\) no longer admits peers/,
    );
    // node-id: the id on line 1, made once and kept; then where peers can dial this node.
    const first = await runCli(['node-id', '--db', t.db, '--cluster-port', '7401'], childEnv(t.xdg), 60_000);
    const again = await runCli(
      ['node-id', '--db', t.db, '--cluster-host', '127.0.0.1', '--cluster-port', '7402'],
      childEnv(t.xdg),
      60_000,
    );
    expect(first.stdout.split('\n')).toEqual([expect.stringMatching(/^[A-Z2-7]{9}(-[A-Z2-7]{9}){3}$/), '127.0.0.1:7401', '']);
    expect(again.stdout).toBe(first.stdout.replace(':7401', ':7402'));
    expect(statSync(t.db).mode & 0o777).toBe(0o600);
    r = await runCli(['--db', t.db, '--gossip-port', '0'], childEnv(t.xdg), 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "sixfold: --gossip-port was removed: gossip now runs on the cluster's peer network; use --cluster-port N (and --peer NODE_ID@HOST:PORT for each other node).",
    );
    r = await runCli(['--db', t.db, '--peer', 'ws://127.0.0.1:7401'], childEnv(t.xdg), 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--peer ws:\/\/HOST:PORT was removed.*use --peer NODE_ID@HOST:PORT/);
  });
});
