/**
 * PBFT across nodes, in one process: four nodes, each with its own identity, database and mutual
 * TLS peer network on loopback, each holding only its own key. Commit through any node with a
 * certificate that checks against the members' public keys; a lying primary (view change); f+1
 * silent nodes (no certificate, nothing executed); a node stopped and restarted on its database
 * catches up from its peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commitStatement } from '../../../../src/patterns/consensus/messages.js';
import type { NodeProposal } from '../../../../src/patterns/consensus/node-consensus.js';
import { verifyNodeSignature } from '../../../../src/peer/identity.js';
import { identity } from '../../peer/helpers.js';
import { NodeCluster, testConfig, type TestNode } from './node-cluster.js';

const FAST = { view_change_timeout_ms: 150, retransmit_ms: 30, tick_ms: 5, checkpoint_interval: 4, window: 16 };
let cluster: NodeCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Resolves when `node` executed `seq`; rejects after 20 s with where its replica stands. */
function waitExecuted(node: TestNode, name: string, seq: number): Promise<void> {
  if ((node.consensus.status(name)?.last_executed ?? 0) >= seq) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `node ${node.index} did not execute ${seq} in 20 s: ${JSON.stringify(node.consensus.status(name))} ${JSON.stringify(node.consensus.counters)}`,
        ),
      );
    }, 20_000);
    const off = node.consensus.onExecuted((n, s) => {
      if (n === name && s >= seq) {
        off();
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Checks a certificate the way an outsider would: node public keys and the statement only. */
function checkCertificate(c: NodeCluster, from: TestNode, name: string, p: NodeProposal): number {
  const cert = p.certificate!;
  const status = from.consensus.status(name)!;
  const stmt = Buffer.from(commitStatement(status.statement_cluster, cert.view, cert.seq, cert.digest));
  const members = from.consensus.members;
  const byId = new Map(c.identities.map((x) => [x.nodeId, x]));
  let ok = 0;
  for (const s of cert.signatures) {
    const id = byId.get(members[s.replica])!;
    if (verifyNodeSignature(id.publicKey, stmt, Buffer.from(s.signature, 'base64'))) ok++;
  }
  return ok;
}

function logDigests(node: TestNode, name: string): string[] {
  const st = node.consensus.status(name)!;
  return node.store.log(st.statement_cluster, 0, 1000, node.consensus.n).map((e) => `${e.sequence}:${e.digest}`);
}

describe('PBFT across four nodes over mutual TLS', () => {
  it(
    'commits through every node; certificates hold 2f+1 valid node signatures; every node logs the same',
    { timeout: 90_000 },
    async () => {
      cluster = await NodeCluster.create(4);
      // No view change wanted here: a long timeout, so a loaded machine cannot trigger one.
      const config = testConfig({ ...FAST, view_change_timeout_ms: 10_000 });
      for (let i = 0; i < 4; i++) await cluster.start(i, config);
      await cluster.connected();
      const nodes = cluster.live();
      let last = 0;
      for (const [k, node] of nodes.entries()) {
        const p = await node.consensus.propose('default', { deploy: k }, undefined, { timeoutMs: 30_000 });
        expect(p.reason).toBeUndefined();
        expect(p).toMatchObject({ committed: true, view: 0 });
        expect(p.certificate!.seq).toBe(last + 1);
        last = p.certificate!.seq;
        expect(checkCertificate(cluster, nodes[(k + 1) % 4], 'default', p)).toBeGreaterThanOrEqual(3);
      }
      await Promise.all(nodes.map((n) => waitExecuted(n, 'default', 4)));
      const logs = nodes.map((n) => logDigests(n, 'default'));
      expect(logs[0]).toHaveLength(4);
      for (const l of logs) expect(l).toEqual(logs[0]);
      // Concurrent proposals batch; each value is certified as one of its batch.
      const many = await Promise.all(
        Array.from({ length: 40 }, (_, k) =>
          nodes[k % 4].consensus.propose('default', { many: k }, undefined, { timeoutMs: 30_000 }),
        ),
      );
      expect(many.every((p) => p.committed)).toBe(true);
      expect(many.some((p) => p.certificate!.batch !== undefined)).toBe(true);
    },
  );

  it.each([
    ['corrupt_digest', true],
    ['equivocate', false],
  ] as const)(
    'a primary that lies (%s) cannot break safety; the commit goes through (view change: %s) and honest logs agree',
    { timeout: 90_000 },
    async (behavior, viewChange) => {
      cluster = await NodeCluster.create(4);
      const sorted = cluster.identities.map((x) => x.nodeId).sort();
      const primary = cluster.identities.findIndex((x) => x.nodeId === sorted[0]);
      for (let i = 0; i < 4; i++) await cluster.start(i, testConfig(FAST, i === primary ? { behavior } : undefined));
      await cluster.connected();
      const honest = cluster.live().filter((n) => n.index !== primary);
      const p = await honest[0].consensus.propose('default', 'survives a liar', undefined, { timeoutMs: 30_000 });
      expect(p.reason).toBeUndefined();
      expect(p.committed).toBe(true);
      // Equivocating to half the backups, a primary of four still gathers a quorum in its view.
      if (viewChange) expect(p.viewChanges).toBeGreaterThanOrEqual(1);
      expect(checkCertificate(cluster, honest[1], 'default', p)).toBeGreaterThanOrEqual(3);
      await Promise.all(honest.map((n) => waitExecuted(n, 'default', p.certificate!.seq)));
      const logs = honest.map((n) => logDigests(n, 'default'));
      for (const l of logs) expect(l).toEqual(logs[0]);
    },
  );

  it(
    'with f+1 silent nodes nothing commits: no certificate, a reason, nothing executed on the honest nodes',
    { timeout: 90_000 },
    async () => {
      cluster = await NodeCluster.create(4);
      for (let i = 0; i < 4; i++) await cluster.start(i, testConfig(FAST, i < 2 ? { behavior: 'silent' } : undefined));
      await cluster.connected();
      const p = await cluster.nodes[2]!.consensus.propose('default', 'must not commit', undefined, { timeoutMs: 1500 });
      expect(p.committed).toBe(false);
      expect(p.certificate).toBeNull();
      expect(p.reason).toMatch(/No certificate within 1500 ms: 3 matching signatures/);
      for (const i of [2, 3])
        expect(cluster.nodes[i]!.store.count(cluster.nodes[i]!.consensus.status('default')!.statement_cluster).total).toBe(0);
    },
  );

  it(
    'a node stopped and restarted on its database catches up from its peers; nothing it had is lost',
    { timeout: 90_000 },
    async () => {
      cluster = await NodeCluster.create(4);
      const config = testConfig(FAST);
      for (let i = 0; i < 4; i++) await cluster.start(i, config);
      await cluster.connected();
      const sorted = cluster.identities.map((x) => x.nodeId).sort();
      // Stop a backup that is not the primary of view 0 or 1, so the rest commit without a view change.
      const victim = cluster.identities.findIndex((x) => x.nodeId === sorted[3]);
      const others = cluster.live().filter((n) => n.index !== victim);
      let last = 0;
      for (let k = 0; k < 3; k++) {
        const p = await others[0].consensus.propose('default', { before: k }, undefined, { timeoutMs: 30_000 });
        expect(p.committed).toBe(true);
        last = p.certificate!.seq;
      }
      await waitExecuted(cluster.nodes[victim]!, 'default', last);
      const had = cluster.nodes[victim]!.consensus.status('default')!.last_executed;
      await cluster.stop(victim);
      for (let k = 0; k < 10; k++) {
        const p = await others[k % 3].consensus.propose('default', { while_down: k }, undefined, { timeoutMs: 30_000 });
        expect(p.committed).toBe(true);
        last = p.certificate!.seq;
      }
      const back = await cluster.start(victim, config);
      expect(back.consensus.status('default')!.last_executed).toBe(had); // resumed from its own database
      await waitExecuted(back, 'default', last);
      await waitExecuted(others[0], 'default', last);
      expect(logDigests(back, 'default')).toEqual(logDigests(others[0], 'default'));
      // And it takes part again: a proposal through it commits.
      expect((await back.consensus.propose('default', 'after restart', undefined, { timeoutMs: 30_000 })).committed).toBe(true);
    },
  );

  it(
    'a node with another member list is reported by its peers and takes no part; the others still commit',
    { timeout: 90_000 },
    async () => {
      cluster = await NodeCluster.create(4);
      const stranger = (await identity()).nodeId;
      const config = testConfig({ ...FAST, view_change_timeout_ms: 10_000 });
      for (let i = 0; i < 4; i++) await cluster.start(i, config, i === 3 ? [stranger] : []);
      await cluster.connected();
      const [a, , , odd] = cluster.live();
      const oddIndex = a.consensus.members.indexOf(odd.identity.nodeId);
      // Each side's hello (its member list's hash) arrives right after connecting; poll until both have.
      await new Promise<void>((resolve) => {
        const check = () =>
          a.consensus.mismatched.has(oddIndex) && odd.consensus.mismatched.size === 3 ? resolve() : setTimeout(check, 5);
        check();
      });
      expect(odd.consensus.n).toBe(5);
      const p = await a.consensus.propose('default', 'three of four agree', undefined, { timeoutMs: 30_000 });
      expect(p.committed).toBe(true);
      expect(p.certificate!.signatures.map((x) => x.replica)).not.toContain(oddIndex);
    },
  );

  it(
    'batches are cut by bytes as well as by count, so large values never make an oversized frame',
    { timeout: 90_000 },
    async () => {
      cluster = await NodeCluster.create(4);
      // A 1 MiB frame limit: a batch holds about one 60 KiB value.
      const config = testConfig({ ...FAST, view_change_timeout_ms: 10_000 }, undefined, { max_frame_bytes: 1 << 20 });
      for (let i = 0; i < 4; i++) await cluster.start(i, config);
      await cluster.connected();
      const nodes = cluster.live();
      const big = (k: number) => `${k}:${'x'.repeat(60 * 1024)}`;
      const ps = await Promise.all(
        Array.from({ length: 8 }, (_, k) => nodes[k % 4].consensus.propose('big', big(k), undefined, { timeoutMs: 30_000 })),
      );
      expect(ps.every((p) => p.committed)).toBe(true);
      const seqs = new Set(ps.map((p) => p.certificate!.seq));
      expect(seqs.size).toBeGreaterThanOrEqual(4);
      for (const p of ps) expect((p.certificate!.batch ?? [p.digest]).length).toBeLessThanOrEqual(2);
    },
  );
});
