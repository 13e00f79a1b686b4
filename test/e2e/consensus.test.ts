/**
 * byzantine_propose / verify_certificate end to end: the built server over stdio through the SDK
 * Client. Commit; commit with a lying primary (view change shown); f+1 faults give no false
 * certificate; tampered certificates rejected; keys and log resources (no private key material);
 * bad input as isError with the server still serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callErr, callOk, expectMatchesSchema } from '../helpers/mcp.js';
import { makeTempDir, resourceJson, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

interface Proposal {
  committed: boolean;
  cluster: string;
  value: unknown;
  digest: string;
  sequence: number | null;
  view: number | null;
  n: number;
  f: number;
  quorum: number;
  certificate: Array<{ replica: number; signature: string }>;
  view_changes: number;
  messages: number;
  bytes: number;
  faulty_replicas: number[];
  elapsed_ms: number;
  reason?: string;
}
interface Verdict {
  valid: boolean;
  signers: number[];
  quorum: number;
  reason?: string;
}

describe('byzantine_propose and verify_certificate', () => {
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  const propose = (args: Record<string, unknown>) => callOk<Proposal>(client, 'byzantine_propose', args);
  const verify = (args: Record<string, unknown>) => callOk<Verdict>(client, 'verify_certificate', args);

  beforeAll(async () => {
    tmp = makeTempDir();
    h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    client = h.client;
  });
  afterAll(async () => {
    await h?.close();
    tmp?.remove();
  });

  it('commits a value with a certificate that verifies, and logs it', async () => {
    const tools = (await client.listTools()).tools;
    const tool = tools.find((t) => t.name === 'byzantine_propose')!;
    const value = { action: 'restart', service: 'api', replicas: 3 };
    const r = await propose({ value });
    expectMatchesSchema(tool.outputSchema, r);
    expect(r).toMatchObject({
      mode: 'simulate',
      committed: true,
      cluster: 'default',
      n: 4,
      f: 1,
      quorum: 3,
      sequence: 1,
      view: 0,
      view_changes: 0,
      faulty_replicas: [],
    });
    expect(r.certificate.length).toBeGreaterThanOrEqual(3);
    expect(r.messages).toBeGreaterThan(0);
    const v = await verify({ cluster: 'default', value, certificate: r.certificate, sequence: r.sequence, view: r.view });
    expect(v).toMatchObject({ valid: true, quorum: 3 });
    expect(v.signers.length).toBeGreaterThanOrEqual(3);
    // Keys order does not matter: the digest is over canonical JSON.
    expect(
      (
        await verify({
          cluster: 'default',
          value: { replicas: 3, service: 'api', action: 'restart' },
          certificate: r.certificate,
          sequence: 1,
          view: 0,
        })
      ).valid,
    ).toBe(true);
    const second = await propose({ value: 'second' });
    expect(second.sequence).toBe(2);
    const log = resourceJson<{
      total: number;
      entries: Array<{ sequence: number; value: unknown; certificate: unknown[] }>;
      next: string | null;
    }>(await client.readResource({ uri: 'consensus://default/log?after=0&limit=1' }));
    expect(log.total).toBe(2);
    expect(log.entries[0]).toMatchObject({ sequence: 1, value });
    expect(log.next).toBe('consensus://default/log?after=1&limit=1');
    const page2 = resourceJson<{ entries: Array<{ sequence: number; value: unknown }>; next: string | null }>(
      await client.readResource({ uri: log.next! }),
    );
    expect(page2.entries.map((e) => e.value)).toEqual(['second']);
    expect(page2.next).toBeNull();
  });

  it('a lying primary is replaced by a view change and the value still commits', async () => {
    const r = await propose({ value: { pick: 'b' }, cluster: 'liar', faults: [{ replica: 0, behavior: 'corrupt_digest' }] });
    expect(r.committed).toBe(true);
    expect(r.view_changes).toBeGreaterThanOrEqual(1);
    expect(r.view).toBeGreaterThanOrEqual(1);
    expect(r.faulty_replicas).toEqual([0]);
    expect(
      (await verify({ cluster: 'liar', value: { pick: 'b' }, certificate: r.certificate, sequence: r.sequence, view: r.view }))
        .valid,
    ).toBe(true);
    const eq = await propose({
      value: { pick: 'c' },
      cluster: 'liar7',
      replicas: 7,
      faults: [
        { replica: 0, behavior: 'equivocate' },
        { replica: 3, behavior: 'random' },
      ],
    });
    expect(eq).toMatchObject({ committed: true, n: 7, f: 2 });
  });

  it('with f+1 faulty replicas there is no false certificate: committed false with a reason', async () => {
    const r = await propose({
      value: 'x',
      cluster: 'over',
      faults: [
        { replica: 1, behavior: 'silent' },
        { replica: 2, behavior: 'silent' },
      ],
      timeout_ms: 300,
    });
    expect(r.committed).toBe(false);
    expect(r.certificate).toEqual([]);
    expect(r.sequence).toBeNull();
    expect(r.reason).toMatch(/more than f = 1/);
    const log = resourceJson<{ total: number }>(await client.readResource({ uri: 'consensus://over/log' }));
    expect(log.total).toBe(0);
  });

  it('honest replicas refuse a value that does not match the schema', async () => {
    const schema = { type: 'object', required: ['action'], properties: { action: { enum: ['restart', 'scale'] } } };
    const bad = await propose({ value: { action: 'delete' }, cluster: 'typed', schema });
    expect(bad.committed).toBe(false);
    expect(bad.reason).toMatch(/Rejected by .*does not match the schema/);
    expect((await propose({ value: { action: 'scale' }, cluster: 'typed', schema })).committed).toBe(true);
  });

  it('rejects tampered certificates', async () => {
    const value = { config: 'v2' };
    const r = await propose({ value, cluster: 'tamper' });
    const base = { cluster: 'tamper', value, certificate: r.certificate, sequence: r.sequence, view: r.view };
    expect((await verify(base)).valid).toBe(true);
    const changedValue = await verify({ ...base, value: { config: 'v3' } });
    expect(changedValue.valid).toBe(false);
    expect(changedValue.reason).toMatch(/0 valid signature\(s\), 3 needed/);
    expect((await verify({ ...base, sequence: r.sequence! + 1 })).valid).toBe(false);
    expect((await verify({ ...base, view: r.view! + 1 })).valid).toBe(false);
    // Replica 0 presented with replica 1's signature: a real signature, but not replica 0's.
    const flipped = r.certificate.map((c, i) => (i === 0 ? { ...c, signature: r.certificate[1].signature } : c)).slice(0, 3);
    const bad = await verify({ ...base, certificate: flipped });
    expect(bad.valid).toBe(false);
    expect(bad.signers).toHaveLength(2);
    const dup = await verify({ ...base, certificate: [r.certificate[0], r.certificate[0], r.certificate[0]] });
    expect(dup.valid).toBe(false);
    expect(dup.reason).toMatch(/listed twice/);
    // Another cluster's keys do not verify this cluster's certificate.
    expect((await verify({ ...base, cluster: 'default' })).valid).toBe(false);
  });

  it('publishes public keys only', async () => {
    const keys = resourceJson<{ n: number; quorum: number; public_keys: Array<{ replica: number; key: string }> }>(
      await client.readResource({ uri: 'consensus://default/keys' }),
    );
    expect(keys.n).toBe(4);
    expect(keys.public_keys).toHaveLength(4);
    for (const k of keys.public_keys) expect(k.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const list = await client.listResources();
    expect(list.resources.map((x) => x.uri)).toContain('consensus://default/keys');
    const text = JSON.stringify(keys) + JSON.stringify(list);
    expect(text).not.toMatch(/private|PRIVATE|secret/i);
    await expect(client.readResource({ uri: 'consensus://nope/keys' })).rejects.toThrow(/No consensus cluster "nope"/);
    expect(h.stderr()).not.toMatch(/BEGIN PRIVATE KEY|mac_secret/);
  });

  it('bad input is an isError result that says what to send, and the server keeps serving', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['byzantine_propose', {}, /value is missing/],
      ['byzantine_propose', { value: 'x', replicas: 3 }, /replicas must be at least 4/],
      ['byzantine_propose', { value: 'x', replicas: 32 }, /replicas must be at most 31/],
      ['byzantine_propose', { value: 'x', cluster: 'Bad Name' }, /cluster must be 1-64 characters/],
      ['byzantine_propose', { value: 'x', faults: [{ replica: 0, behavior: 'lie' }] }, /behavior must be one of crash, silent/],
      ['byzantine_propose', { value: 'x', faults: [{ replica: 9, behavior: 'silent' }] }, /replicas 0\.\.3/],
      [
        'byzantine_propose',
        {
          value: 'x',
          faults: [
            { replica: 1, behavior: 'silent' },
            { replica: 1, behavior: 'crash' },
          ],
        },
        /twice/,
      ],
      ['byzantine_propose', { value: 'x', replicas: 7 }, /already exists with 4 replicas/],
      ['byzantine_propose', { value: 'v'.repeat(70_000) }, /over the 64 KiB limit/],
      ['byzantine_propose', { value: 'x', schema: { type: 'nonsense' } }, /not a valid JSON Schema/],
      ['byzantine_propose', { value: 'x', timeout_ms: 10 }, /timeout_ms must be at least 50/],
      ['byzantine_propose', { value: 'x', vaule: 1 }, /Unknown field.*"vaule"/],
      ['verify_certificate', { cluster: 'default', value: 1, certificate: [], sequence: 1, view: 0 }, /certificate is empty/],
      [
        'verify_certificate',
        { cluster: 'default', value: 1, certificate: 'abc', sequence: 1, view: 0 },
        /certificate must be the array/,
      ],
      [
        'verify_certificate',
        { cluster: 'ghost', value: 1, certificate: [{ replica: 0, signature: 'x' }], sequence: 1, view: 0 },
        /No consensus cluster "ghost"/,
      ],
      [
        'verify_certificate',
        { cluster: 'default', value: 1, certificate: [{ replica: 0, signature: 'x' }], sequence: 0, view: 0 },
        /sequence must be at least 1/,
      ],
      // Without a cluster there are no nodes: mode nodes and node certificates say so.
      ['byzantine_propose', { value: 'x', mode: 'nodes' }, /needs the cluster, and this node is not in one/],
      ['byzantine_propose', { value: 'x', mode: 'paxos' }, /mode must be "nodes".*or "simulate"/],
      [
        'verify_certificate',
        { cluster: 'default', value: 1, certificate: [{ node: 'ABC', signature: 'x' }], sequence: 1, view: 0 },
        /not in a cluster of 4 or more nodes/,
      ],
      [
        'verify_certificate',
        { cluster: 'default', value: 1, certificate: [{ signature: 'x' }], sequence: 1, view: 0 },
        /needs "replica" \(simulate\) or "node"/,
      ],
    ];
    for (const [tool, args, re] of cases) {
      const text = await callErr(client, tool, args);
      expect(text, `${tool} ${JSON.stringify(args).slice(0, 80)}`).toMatch(re);
    }
    const log = resourceJson<{ total: number }>(await client.readResource({ uri: 'consensus://default/log' }));
    expect(log.total).toBe(2);
    expect((await propose({ value: 'still serving' })).committed).toBe(true);
  });
});
