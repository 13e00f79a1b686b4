/**
 * PBFT unit tests: MAC authenticators and signatures, each normal-case phase on one replica,
 * message counts per phase, view change, checkpoint garbage collection, state transfer, schema
 * refusal and the new-view decision rule.
 */
import { describe, expect, it } from 'vitest';
import { batchDigest, makeRequest, requestInfo } from '../../../../src/patterns/consensus/batch.js';
import { Liar } from '../../../../src/patterns/consensus/byzantine.js';
import { valueDigest } from '../../../../src/patterns/consensus/canonical.js';
import { verifyCertificate } from '../../../../src/patterns/consensus/certificate.js';
import { SimCluster, genesis, judge } from '../../../../src/patterns/consensus/cluster.js';
import { ClusterKeys, generateKeys, PublicKeys } from '../../../../src/patterns/consensus/keys.js';
import {
  commitStatement,
  decode,
  encode,
  openSigned,
  signBody,
  type CheckpointBody,
  type Msg,
  type ViewChangeBody,
} from '../../../../src/patterns/consensus/messages.js';
import { selectNewView } from '../../../../src/patterns/consensus/new-view.js';
import { Replica } from '../../../../src/patterns/consensus/pbft.js';
import { SchemaValidator } from '../../../../src/patterns/consensus/schema.js';
import { mulberry32 } from '../../../../src/random.js';

const keys4 = new ClusterKeys(generateKeys(4));
const keys7 = new ClusterKeys(generateKeys(7));
const BASE = { seq: 0, stateDigest: 'genesis', view: 0 };
const OPTS = {
  cluster: 'unit',
  checkpointInterval: 16,
  window: 64,
  viewChangeTimeoutMs: 40,
  retransmitMs: 15,
  maxInflight: 4,
  batchMax: 1,
  base: BASE,
};

/** Runs one proposal to completion and counts the messages of each type that were sent. */
function countedRun(keys: ClusterKeys, value: unknown) {
  const c = new SimCluster({ cluster: 'unit', keys, seed: 3 });
  const counts: Record<string, number> = {};
  const send = c.net.send.bind(c.net);
  c.net.send = (from, to, wire, extra) => {
    const t = (JSON.parse(wire.slice(wire.indexOf('\n') + 1)) as Msg).t;
    counts[t] = (counts[t] ?? 0) + 1;
    send(from, to, wire, extra);
  };
  const r = c.propose(value);
  c.net.run(() => c.client.settled(r) && c.honestExecuted(1), 1000);
  return { c, r, counts };
}

describe('authentication', () => {
  it('MAC authenticators: each recipient checks its own entry; tampering, misdelivery and forged senders are refused', () => {
    const msg: Msg = { t: 'p', v: 0, s: 1, d: 'abc', i: 2 };
    const wire = encode(keys4, 2, [0, 1, 3], msg);
    for (const me of [0, 1, 3]) expect(decode(keys4, me, wire)).toEqual({ ok: true, from: 2, msg });
    expect(decode(keys4, 2, wire)).toEqual({ ok: false, why: 'no MAC for me' });
    expect(decode(keys4, 0, wire.replace('"d":"abc"', '"d":"abd"'))).toEqual({ ok: false, why: 'bad MAC' });
    expect(decode(keys4, 0, `1${wire.slice(1)}`)).toEqual({ ok: false, why: 'bad MAC' });
    // Replica 1 MACs a message claiming to come from replica 2.
    expect(decode(keys4, 0, encode(keys4, 1, [0], msg))).toEqual({ ok: false, why: 'sender mismatch' });
    // Another cluster's keys: every MAC fails.
    expect(decode(keys7, 0, wire)).toEqual({ ok: false, why: 'bad MAC' });
  });

  it('signed statements open only untampered and with the signer named in them', () => {
    const x = signBody(keys4, 1, { t: 'ck', s: 16, d: 'state', i: 1 });
    expect(openSigned(keys4, x, 'ck')).toEqual({ t: 'ck', s: 16, d: 'state', i: 1 });
    expect(openSigned(keys4, { ...x, m: x.m.replace('16', '32') }, 'ck')).toBeNull();
    expect(openSigned(keys4, { ...x, i: 2 }, 'ck')).toBeNull();
    expect(openSigned(keys4, x, 'vc')).toBeNull();
  });

  it('certificates verify with public keys alone and fail for another value, sequence, view or key set', () => {
    const { c, r } = countedRun(keys4, { ok: 1 });
    const cert = c.client.result(r).cert!;
    const pub = new PublicKeys([...keys4.pub.text]);
    const ok = verifyCertificate(pub, 'unit', { ok: 1 }, cert.signatures, cert.seq, cert.view);
    expect(ok).toMatchObject({ valid: true, quorum: 3 });
    expect(verifyCertificate(pub, 'unit', { ok: 2 }, cert.signatures, cert.seq, cert.view).valid).toBe(false);
    expect(verifyCertificate(pub, 'unit', { ok: 1 }, cert.signatures, cert.seq + 1, cert.view).valid).toBe(false);
    expect(verifyCertificate(pub, 'other', { ok: 1 }, cert.signatures, cert.seq, cert.view).valid).toBe(false);
    expect(
      verifyCertificate(new PublicKeys(keys7.pub.text.slice(0, 4)), 'unit', { ok: 1 }, cert.signatures, cert.seq, cert.view)
        .valid,
    ).toBe(false);
    expect(verifyCertificate(pub, 'unit', { ok: 1 }, cert.signatures.slice(0, 2), cert.seq, cert.view).reason).toMatch(
      /2 valid signature\(s\), 3 needed/,
    );
  });
});

describe('normal case, one replica at a time', () => {
  const q = makeRequest(keys4, 'unit', 4, 1, { x: 1 });
  const d = batchDigest([requestInfo(q)]);
  const pp: Msg = { t: 'pp', v: 0, s: 1, d, b: [q], i: 0 };

  it('pre-prepare -> prepare -> (2f prepares) commit -> (2f+1 commits) execute and a signed reply', () => {
    const r1 = new Replica({ ...OPTS, id: 1, keys: keys4 });
    r1.receive(0, pp, 0);
    expect(r1.drain()).toEqual([{ to: [0, 2, 3], msg: { t: 'p', v: 0, s: 1, d, i: 1 } }]);
    r1.receive(2, { t: 'p', v: 0, s: 1, d, i: 2 }, 1);
    expect(r1.drain()).toEqual([{ to: [0, 2, 3], msg: { t: 'c', v: 0, s: 1, d, i: 1 } }]);
    r1.receive(0, { t: 'c', v: 0, s: 1, d, i: 0 }, 2);
    expect(r1.drain()).toEqual([]);
    expect(r1.lastExec).toBe(0);
    r1.receive(3, { t: 'c', v: 0, s: 1, d, i: 3 }, 3);
    const out = r1.drain();
    expect(r1.lastExec).toBe(1);
    expect(out).toHaveLength(1);
    const rep = out[0].msg as Extract<Msg, { t: 'rep' }>;
    expect(out[0].to).toEqual([4]);
    expect(rep).toMatchObject({ t: 'rep', v: 0, s: 1, d: valueDigest({ x: 1 }), rs: [1] });
    expect(keys4.pub.verify(1, commitStatement('unit', 0, 1, valueDigest({ x: 1 })), rep.g)).toBe(true);
  });

  it('refuses pre-prepares from a backup, with a digest that does not match, out of the watermarks, or with a forged request', () => {
    const r2 = new Replica({ ...OPTS, id: 2, keys: keys4 });
    r2.receive(1, { ...pp, i: 1 } as Msg, 0);
    r2.receive(0, { ...pp, d: 'f'.repeat(64) } as Msg, 0);
    r2.receive(0, { ...pp, s: 65 } as Msg, 0);
    const forged = { ...q, v: { x: 2 } };
    r2.receive(0, { ...pp, b: [forged], d: batchDigest([requestInfo(forged)]) } as Msg, 0);
    expect(r2.drain()).toEqual([]);
    // The genuine one is accepted; a second, different one for the same view and sequence is not.
    r2.receive(0, pp, 1);
    expect(r2.drain()).toHaveLength(1);
    r2.receive(0, { t: 'pp', v: 0, s: 1, d: batchDigest([]), b: [], i: 0 }, 2);
    expect(r2.drain()).toEqual([]);
  });

  it('messages per phase match PBFT: n-1 pre-prepares, (n-1)^2 prepares, n(n-1) commits, n replies', () => {
    for (const keys of [keys4, keys7]) {
      const n = keys.n;
      const { counts } = countedRun(keys, 'count me');
      expect(counts).toEqual({ req: n, pp: n - 1, p: (n - 1) ** 2, c: n * (n - 1), rep: n });
    }
  });
});

describe('view change, checkpoints, state transfer, schema', () => {
  it('a silent primary is voted out; the next primary commits in view 1 and all honest replicas agree', () => {
    const c = new SimCluster({ cluster: 'unit', keys: keys4, faults: [{ replica: 0, behavior: 'silent' }], seed: 5 });
    const r = c.propose('after view change');
    c.net.run(() => c.client.settled(r) && c.honestExecuted(1), 2000);
    const out = judge(c, r, 'after view change');
    expect(out.committed).toBe(true);
    expect(out.certificate!.view).toBe(1);
    expect(c.honest.map((x) => x.view)).toEqual([1, 1, 1]);
    expect(c.honest.every((x) => x.viewChanges >= 1)).toBe(true);
  });

  it('a replica alone in a view change does not race ahead: its next-view timer starts only with 2f+1 view changes (PBFT rule 1)', () => {
    // Replica 2 (not the primary of view 1, which stays silent here).
    const r2 = new Replica({ ...OPTS, id: 2, keys: keys4 });
    r2.receive(4, { t: 'req', q: makeRequest(keys4, 'unit', 4, 1, 'stuck') }, 0);
    r2.tick(40);
    expect([r2.inViewChange, r2.vcTarget]).toEqual([true, 1]);
    for (let t = 45; t <= 2000; t += 5) r2.tick(t);
    expect(r2.vcTarget).toBe(1);
    const vc = (i: number) => ({
      t: 'vc' as const,
      x: signBody(keys4, i, { t: 'vc', v: 1, h: 0, hd: BASE.stateDigest, ck: [], P: [], Q: [], B: {}, i }),
    });
    r2.receive(0, vc(0), 2000);
    r2.receive(3, vc(3), 2000);
    r2.tick(2079);
    expect(r2.vcTarget).toBe(1);
    r2.tick(2080);
    expect(r2.vcTarget).toBe(2);
  });

  it('a replica left in an older view, with nothing pending, learns the new view from a peer on a status message', () => {
    const c = new SimCluster({ cluster: 'unit', keys: keys4, faults: [{ replica: 0, behavior: 'silent' }], seed: 5 });
    const r = c.propose('after view change');
    c.net.run(() => c.client.settled(r) && c.honestExecuted(1), 2000);
    const stale = new Replica({ ...OPTS, id: 3, keys: keys4, base: genesis('unit') });
    stale.receive(1, { t: 'st', v: 1, i: 1 }, 0);
    const asked = stale.drain();
    expect(asked).toEqual([{ to: [1], msg: { t: 'st', v: 0, i: 3 } }]);
    c.replicas[1].receive(3, asked[0].msg, c.net.now);
    const relayed = c.replicas[1].drain();
    expect(relayed.map((o) => [o.to, o.msg.t])).toEqual([[[3], 'nv']]);
    stale.receive(1, relayed[0].msg, 1);
    expect([stale.view, stale.inViewChange]).toEqual([1, false]);
  });

  it('stable checkpoints every K sequences garbage-collect the protocol log and carry 2f+1 signatures', () => {
    const c = new SimCluster({ cluster: 'unit', keys: keys4, seed: 9, timing: { checkpointInterval: 2, window: 4 } });
    for (let i = 1; i <= 9; i++) {
      const r = c.propose({ i });
      c.net.run(() => c.client.settled(r) && c.honestExecuted(i), 100_000);
    }
    c.net.run(() => c.replicas.every((x) => x.h === 8), c.net.now + 1000);
    for (const x of c.replicas) {
      expect(x.lastExec).toBe(9);
      expect(x.h).toBe(8);
      expect(x.logSize).toBeLessThanOrEqual(1);
      const proof = x.stableCheckpoint.proof.map((p) => openSigned<CheckpointBody>(keys4, p, 'ck'));
      expect(proof.filter((p) => p && p.s === 8 && p.d === x.executed.get(8)!.state)).toHaveLength(3);
    }
    expect(new Set(c.replicas.map((x) => x.stateDigest)).size).toBe(1);
  });

  it('a replica cut off while others commit catches up by state transfer after the partition heals', () => {
    const network = {
      minDelayMs: 0.1,
      maxDelayMs: 1,
      dropRate: 0,
      duplicateRate: 0,
      reorderRate: 0,
      partitions: [{ startMs: 0, endMs: 200, groups: [[3], [0, 1, 2, 4]] }],
      healAtMs: 200,
    };
    const c = new SimCluster({ cluster: 'unit', keys: keys4, seed: 2, network, timing: { checkpointInterval: 2, window: 4 } });
    for (let i = 1; i <= 5; i++) {
      const r = c.propose({ i });
      c.net.run(() => c.client.settled(r), 150);
    }
    expect(c.replicas[3].lastExec).toBe(0);
    c.client.keepAlive = true;
    expect(c.net.run(() => c.replicas[3].lastExec === 5, 5000)).toBe(true);
    expect(c.replicas[3].stateDigest).toBe(c.replicas[0].stateDigest);
    expect(c.safetyViolation()).toBeNull();
  });

  it('a backup an equivocating primary gave another batch, whose copy of the request was lost, catches up (it holds f+1 commits for a batch it cannot run)', () => {
    // The interleaving of the flaky TLS test, scripted: primary 0 equivocates (the real batch to 1
    // and 2, the null batch and forged commits to 3) and the client's request to 3 is lost (a
    // duplicate connection torn down under it). 0, 1 and 2 commit and execute; 3 has nothing
    // pending, so no timer of its own: only the commits of the others say that sequence 1 exists.
    const rs = [0, 1, 2, 3].map((id) => new Replica({ ...OPTS, id, keys: keys4 }));
    const liar = new Liar({ replica: 0, behavior: 'equivocate' }, mulberry32(1), 0);
    const q = makeRequest(keys4, 'unit', 4, 1, 'equivocated');
    const queue: Array<{ from: number; to: number; msg: Msg }> = [];
    let now = 0;
    const pump = () => {
      for (const r of rs) {
        for (const o of r.drain()) {
          for (const e of r.id === 0 ? liar.transform(o) : [o])
            for (const to of e.to) if (to < 4) queue.push({ from: r.id, to, msg: e.msg });
        }
      }
      while (queue.length) {
        const { from, to, msg } = queue.shift()!;
        rs[to].receive(from, msg, now);
        pump();
      }
    };
    for (const to of [0, 1, 2]) rs[to].receive(4, { t: 'req', q }, now);
    pump();
    expect(rs.map((r) => r.lastExec)).toEqual([1, 1, 1, 0]);
    for (now = 5; now <= 1000 && rs[3].lastExec < 1; now += 5) {
      for (const r of rs) r.tick(now);
      pump();
    }
    expect(rs[3].lastExec).toBe(1);
    // By state transfer (f+1 matching batches), not a view change: the primary's lie cost nothing else.
    expect([rs[3].view, rs[3].inViewChange]).toEqual([0, false]);
    expect(rs[3].executed.get(1)!.d).toBe(rs[1].executed.get(1)!.d);
    expect(rs[3].stateDigest).toBe(rs[1].stateDigest);
    expect(rs.map((r) => r.conflicts)).toEqual([0, 0, 0, 0]);
  });

  it('honest replicas refuse a value that does not match its schema (f+1 rejections end the request)', () => {
    const validator = new SchemaValidator();
    const c = new SimCluster({ cluster: 'unit', keys: keys4, seed: 4, validate: validator.validate });
    const schema = { type: 'integer', minimum: 10 };
    const bad = c.propose(3, schema);
    c.net.run(() => c.client.settled(bad), 1000);
    const out = judge(c, bad, 3);
    expect(out.committed).toBe(false);
    expect(out.reason).toMatch(/Rejected by \d replicas .*must be >= 10/);
    const good = c.propose(12, schema);
    c.net.run(() => c.client.settled(good) && c.honestExecuted(1), 1000);
    expect(judge(c, good, 12).committed).toBe(true);
  });
});

describe('new-view decision', () => {
  const vc = (i: number, P: ViewChangeBody['P'], Q: ViewChangeBody['Q'], B: ViewChangeBody['B'] = {}): ViewChangeBody => ({
    t: 'vc',
    v: 1,
    h: 0,
    hd: 'g',
    ck: [],
    P,
    Q,
    B,
    i,
  });
  const q = makeRequest(keys4, 'unit', 4, 1, 'kept');
  const d = batchDigest([requestInfo(q)]);

  it('re-issues a value prepared by an honest replica when 2f+1 do not contradict and f+1 pre-prepared it', () => {
    const got = selectNewView([vc(0, [[1, 0, d]], [[1, d, 0]], { [d]: [q] }), vc(1, [], [[1, d, 0]]), vc(2, [], [])], 1, 8);
    expect(got!.entries).toEqual([{ s: 1, d, b: [q] }]);
  });

  it('fills a sequence nobody prepared with the null batch, and waits when neither rule decides', () => {
    const nul = selectNewView([vc(0, [], [[1, d, 0]]), vc(1, [], []), vc(2, [], [])], 1, 8);
    expect(nul!.entries).toEqual([{ s: 1, d: batchDigest([]), b: [] }]);
    const gap = selectNewView([vc(0, [[2, 0, d]], [[2, d, 0]], { [d]: [q] }), vc(1, [], [[2, d, 0]]), vc(2, [], [])], 1, 8);
    expect(gap!.entries.map((e) => [e.s, e.b.length])).toEqual([
      [1, 0],
      [2, 1],
    ]);
    // Only one pre-prepare claim (could be a liar's): not enough to re-issue, too many prepared claims for null.
    expect(
      selectNewView([vc(0, [[1, 0, d]], [[1, d, 0]], { [d]: [q] }), vc(1, [], []), vc(2, [[1, 0, d]], [])], 1, 8),
    ).toBeNull();
    expect(selectNewView([vc(0, [], []), vc(1, [], [])], 1, 8)).toBeNull();
  });
});
