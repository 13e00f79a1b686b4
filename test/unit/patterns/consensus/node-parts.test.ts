/**
 * The parts of consensus across nodes that need no network: MAC keys from TLS exporter bytes
 * (rekeyed per connection, older ones still checking), node certificates checked offline, the
 * test-fault switch in the config, and the node log store (resume point, history).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config.js';
import { openDatabase } from '../../../../src/memory/db.js';
import { batchValueDigest, valueDigest } from '../../../../src/patterns/consensus/canonical.js';
import { verifyNodeCertificate } from '../../../../src/patterns/consensus/node-certificate.js';
import { publicKeyFromText, publicKeyToText } from '../../../../src/patterns/consensus/node-keys.js';
import { commitStatement } from '../../../../src/patterns/consensus/messages.js';
import { NodeKeys } from '../../../../src/patterns/consensus/node-keys.js';
import { NodeLogStore } from '../../../../src/patterns/consensus/node-store.js';
import { nodeIdOf } from '../../../../src/peer/identity.js';
import { thrown } from '../../helpers.js';

const noKey = () => undefined;

describe('NodeKeys', () => {
  it('MACs check on the other end of the pair only with the same exporter bytes; a reconnect rekeys, and recent keys still check', () => {
    const m1 = Buffer.alloc(32, 1);
    const a = new NodeKeys(4, 0, () => Buffer.alloc(64), noKey);
    const b = new NodeKeys(4, 1, () => Buffer.alloc(64), noKey);
    const c = new NodeKeys(4, 2, () => Buffer.alloc(64), noKey);
    expect(a.mac(4, 1, 'x')).toBe(''); // never connected: no key
    a.rekey(1, m1);
    b.rekey(0, m1);
    const g0 = a.generation;
    // Client of node 0 (party 4) to replica 1, and replica 0 to replica 1.
    const mac = a.mac(4, 1, 'request');
    expect(b.checkMac(4, 1, 'request', mac)).toBe(true);
    expect(b.checkMac(4, 1, 'other', mac)).toBe(false);
    expect(b.checkMac(0, 1, 'request', mac)).toBe(false); // another pair of parties, another key
    expect(c.checkMac(4, 2, 'request', mac)).toBe(false); // node 2 has no key with node 0
    // A new connection: new key and key id; the old authenticator still checks on b, which holds both.
    const m2 = Buffer.alloc(32, 2);
    a.rekey(1, m2);
    b.rekey(0, m2);
    expect(a.generation).toBe(g0 + 1);
    const mac2 = a.mac(4, 1, 'request');
    expect(mac2.split('.')[0]).not.toBe(mac.split('.')[0]);
    expect(b.checkMac(4, 1, 'request', mac2)).toBe(true);
    expect(b.checkMac(4, 1, 'request', mac)).toBe(true);
    // The node's own client and replica share an in-memory key.
    expect(a.checkMac(4, 0, 'self', a.mac(4, 0, 'self'))).toBe(true);
    expect(() => a.sign(1, 'x')).toThrow(/signs only as replica 0/);
  });
});

describe('verifyNodeCertificate', () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPairSync('ed25519'));
  const ids = keys.map((k) => nodeIdOf(k.publicKey));
  const members = [...ids].sort();
  const keyOfMember = (m: number) => keys[ids.indexOf(members[m])];
  const stmtCluster = 'nodes/abc/default';
  const signAs = (m: number, digest: string, seq = 1, view = 0) =>
    sign(null, Buffer.from(commitStatement(stmtCluster, view, seq, digest)), keyOfMember(m).privateKey).toString('base64');
  const base = (
    certificate: Array<{ replica?: number; node?: string; key?: string; signature: string }>,
    extra: Record<string, unknown> = {},
  ) =>
    verifyNodeCertificate({
      members,
      statementCluster: stmtCluster,
      value: { v: 1 },
      certificate,
      sequence: 1,
      view: 0,
      keyOf: (m) => keyOfMember(m).publicKey,
      keyFromText: (t) => publicKeyFromText(t),
      idOf: (k: KeyObject) => nodeIdOf(k),
      ...extra,
    });
  const d = valueDigest({ v: 1 });

  it('valid with 2f+1 distinct members, by node id or replica number, with or without keys', () => {
    const cert = [0, 1, 2].map((m) => ({
      node: members[m],
      key: publicKeyToText(keyOfMember(m).publicKey),
      signature: signAs(m, d),
    }));
    expect(base(cert)).toMatchObject({ valid: true, signers: [0, 1, 2], signer_nodes: members.slice(0, 3), quorum: 3 });
    expect(base([0, 1, 3].map((m) => ({ replica: m, signature: signAs(m, d) })))).toMatchObject({
      valid: true,
      signers: [0, 1, 3],
    });
    // Offline without any stored key: the keys in the certificate suffice.
    expect(base(cert, { keyOf: () => undefined }).valid).toBe(true);
  });

  it("refuses a key that is not the node's, a non-member, a duplicate, a wrong value, and an unknown key", () => {
    const other = generateKeyPairSync('ed25519');
    const forged = {
      node: members[2],
      key: publicKeyToText(other.publicKey),
      signature: sign(null, Buffer.from(commitStatement(stmtCluster, 0, 1, d)), other.privateKey).toString('base64'),
    };
    const r = base([{ node: members[0], signature: signAs(0, d) }, { node: members[1], signature: signAs(1, d) }, forged]);
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(
      /2 valid signature\(s\) from distinct members, 3 needed: the key given for node .* is not the key of node/,
    );
    expect(base([{ node: 'NOTAMEMBER', signature: 'x' }]).reason).toMatch(/is not a member/);
    expect(
      base([
        { replica: 0, signature: signAs(0, d) },
        { replica: 0, signature: signAs(0, d) },
        { replica: 1, signature: signAs(1, d) },
      ]).reason,
    ).toMatch(/listed twice/);
    expect(base([0, 1, 2].map((m) => ({ replica: m, signature: signAs(m, valueDigest('other')) }))).valid).toBe(false);
    expect(base([{ replica: 0, signature: signAs(0, d) }], { keyOf: () => undefined }).reason).toMatch(/not known here/);
  });

  it("a value committed in a batch verifies with the batch's digests, and only if it is one of them", () => {
    const batch = [valueDigest('a'), d, valueDigest('c')];
    const cert = [0, 1, 2].map((m) => ({ replica: m, signature: signAs(m, batchValueDigest(batch)) }));
    expect(base(cert, { batch }).valid).toBe(true);
    expect(base(cert).valid).toBe(false);
    expect(base(cert, { batch: [valueDigest('a'), valueDigest('c')] }).reason).toMatch(/not in batch/);
  });
});

describe('test faults in the config', () => {
  it('SIXFOLD_TEST_FAULT needs --unsafe-test-faults; it parses behavior[:delay]; a config file cannot set it', () => {
    expect(loadConfig({}, {}).test_fault).toBeUndefined();
    expect(thrown(() => loadConfig({}, { SIXFOLD_TEST_FAULT: 'silent' })).message).toMatch(/needs --unsafe-test-faults/);
    expect(loadConfig({ unsafeTestFaults: true }, { SIXFOLD_TEST_FAULT: 'equivocate' }).test_fault).toEqual({
      behavior: 'equivocate',
    });
    expect(loadConfig({ unsafeTestFaults: true }, { SIXFOLD_TEST_FAULT: 'delay:200' }).test_fault).toEqual({
      behavior: 'delay',
      delay_ms: 200,
    });
    expect(thrown(() => loadConfig({ unsafeTestFaults: true }, { SIXFOLD_TEST_FAULT: 'lie' })).message).toMatch(/is not a fault/);
    expect(loadConfig({ unsafeTestFaults: true }, {}).test_fault).toBeUndefined();
    expect(thrown(() => loadConfig({}, { SIXFOLD_CONFIG: '/nonexistent' })).message).toMatch(/Cannot read config file/);
  });

  it('consensus timers have defaults', () => {
    expect(loadConfig({}, {}).consensus).toMatchObject({
      view_change_timeout_ms: 1000,
      retransmit_ms: 250,
      checkpoint_interval: 64,
      window: 256,
      batch_max: 64,
    });
  });
});

describe('NodeLogStore', () => {
  it('resumes from the stable checkpoint and the batches after it; serves history; one certificate per sequence', () => {
    const db = openDatabase(':memory:');
    const store = new NodeLogStore(db, () => 1_000);
    const g = 'nodes/x/default';
    expect(store.resume(g, 'genesis')).toBeUndefined();
    const b = (k: number) => [{ c: 4, r: k, v: { k }, a: ['mac'] }];
    const e = (k: number) => ({ d: `d${k}`, rd: valueDigest({ k }), b: b(k), state: `s${k}`, vd: [valueDigest({ k })] });
    for (let k = 1; k <= 5; k++) store.append(g, k, e(k), 0);
    store.saveCheckpoint(g, { s: 4, d: 's4', proof: [{ i: 0, m: 'ck', g: 'sig' }] }, 1);
    const r = store.resume(g, 'genesis')!;
    expect(r.stable).toEqual({ s: 4, d: 's4', proof: [{ i: 0, m: 'ck', g: 'sig' }] });
    expect(r.view).toBe(1);
    expect(r.entries.map((x) => x.s)).toEqual([5]);
    expect(r.entries[0].b).toEqual([{ c: 4, r: 5, v: { k: 5 }, a: [] }]); // authenticators are not stored
    expect(store.executed(g, 2)).toMatchObject({ d: 'd2', rd: valueDigest({ k: 2 }), state: 's2' });
    // An older checkpoint does not replace a newer one.
    store.saveCheckpoint(g, { s: 2, d: 's2', proof: [] }, 0);
    expect(store.resume(g, 'genesis')!.stable.s).toBe(4);
    store.saveCertificate(g, { seq: 3, view: 0, digest: 'x', signatures: [{ replica: 0, signature: 'a' }] });
    const log = store.log(g, 2, 10, 4);
    expect(log.map((x) => x.sequence)).toEqual([3, 4, 5]);
    expect(log[0]).toMatchObject({
      values: [{ value: { k: 3 }, proposer: 0 }],
      certificate: { view: 0, signatures: [{ replica: 0, signature: 'a' }] },
    });
    expect(log[1].certificate).toBeNull();
    expect(store.count(g)).toEqual({ total: 5, last: 5 });
    expect(store.groups('nodes/x/')).toEqual([g]);
    expect(() => db.prepare('DELETE FROM consensus_node_log').run()).toThrow(/append-only/);
    db.close();
  });
});
