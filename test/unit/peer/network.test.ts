/**
 * The peer network in one process over real mutual TLS 1.3 on 127.0.0.1: allow-list at the
 * handshake, typed channels with the authenticated sender, request/response, keying material,
 * the one-connection-per-pair rule, reconnects, heartbeats, frame and queue limits.
 */
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerRequestError } from '../../../src/peer/network.js';
import { ALPN } from '../../../src/peer/tls.js';
import type { PeerTransport } from '../../../src/peer/transport.js';
import { createServer } from 'node:net';
import { closeAll, identity, network, networks, up } from './helpers.js';

afterEach(closeAll);

/** A port free right now on 127.0.0.1 (the two nodes must know each other's before either starts). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('peer network over mutual TLS', () => {
  it('connects an allowed pair; messages and requests carry the authenticated sender; errors and timeouts come back', async () => {
    const [ia, ib] = await Promise.all([identity(), identity()]);
    const a = await network(ia, [{ id: ib.nodeId }]);
    const b = await network(ib, [{ id: ia.nodeId, address: a.address() }]);
    await Promise.all([up(a, ib.nodeId), up(b, ia.nodeId)]);

    const got = new Promise<[string, unknown]>((resolve) => a.onMessage('crdt', (from, body) => resolve([from, body])));
    expect(b.send(ia.nodeId, 'crdt', { hello: new Uint8Array([1, 2, 3]) })).toBe(true);
    const [from, body] = await got;
    expect(from).toBe(ib.nodeId);
    expect(new Uint8Array((body as { hello: Uint8Array }).hello)).toEqual(new Uint8Array([1, 2, 3]));

    a.onRequest('aggregate', async (who, q) => ({ who, echo: q }));
    expect(await b.request(ia.nodeId, 'aggregate', { n: 7 })).toEqual({ who: ib.nodeId, echo: { n: 7 } });

    a.onRequest('consensus', () => {
      throw new Error('no such view');
    });
    await expect(b.request(ia.nodeId, 'consensus', {})).rejects.toMatchObject({
      reason: 'remote',
      message: expect.stringMatching(/no such view/),
    });

    a.onRequest('crdt', () => new Promise(() => {})); // never answers
    const err = (await b.request(ia.nodeId, 'crdt', {}, { timeoutMs: 50 }).catch((e: unknown) => e)) as PeerRequestError;
    expect(err).toBeInstanceOf(PeerRequestError);
    expect(err.reason).toBe('timeout');

    const status = b.status();
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ peer: ia.nodeId, state: 'open', direction: 'out', epoch: 1 });
    expect(a.status()[0]).toMatchObject({ peer: ib.nodeId, state: 'open', direction: 'in', address: null });
  });

  it('keying material is equal on both ends, differs by label and changes with each connection', async () => {
    const [ia, ib] = await Promise.all([identity(), identity()]);
    const a = await network(ia, [{ id: ib.nodeId }]);
    const b = await network(ib, [{ id: ia.nodeId, address: a.address() }]);
    await Promise.all([up(a, ib.nodeId), up(b, ia.nodeId)]);
    const ka = a.keyingMaterial(ib.nodeId, 'sixfold test')!;
    const kb = b.keyingMaterial(ia.nodeId, 'sixfold test')!;
    expect(ka.material.length).toBe(32);
    expect(ka.material.equals(kb.material)).toBe(true);
    expect(ka.epoch).toBe(kb.epoch);
    expect(a.keyingMaterial(ib.nodeId, 'another label')!.material.equals(ka.material)).toBe(false);

    // A goes away and comes back on the same port: B redials, a new session, new material.
    const port = a.address()!.port;
    const down = new Promise<void>((resolve) => b.onPeer((e) => e.state === 'down' && resolve()));
    await a.close();
    networks.splice(networks.indexOf(a), 1);
    await down;
    expect(b.keyingMaterial(ia.nodeId, 'sixfold test')).toBeUndefined();
    const a2 = await network(ia, [{ id: ib.nodeId }], { listen: { host: '127.0.0.1', port } });
    await Promise.all([up(a2, ib.nodeId), up(b, ia.nodeId)]);
    const again = b.keyingMaterial(ia.nodeId, 'sixfold test')!;
    expect(again.epoch).toBe(2);
    expect(again.material.equals(kb.material)).toBe(false);
    expect(again.material.equals(a2.keyingMaterial(ib.nodeId, 'sixfold test')!.material)).toBe(true);
  });

  it('refuses a node that is not in the allow-list at the handshake; a dialer checks the id it reached', async () => {
    const [ia, ib, ic] = await Promise.all([identity(), identity(), identity()]);
    const a = await network(ia, [{ id: ib.nodeId }]);
    const stranger = await network(ic, [{ id: ia.nodeId, address: a.address() }], { listen: null });
    const seen: string[] = [];
    a.onPeer((e) => seen.push(e.peer));
    await expect.poll(() => stranger.status()[0].last_error, { timeout: 5000, interval: 10 }).toMatch(/did not accept this node/);
    expect(stranger.isConnected(ia.nodeId)).toBe(false);
    expect(a.connected()).toEqual([]);
    expect(seen).toEqual([]);

    // B expects A at that address, but configured the wrong id for it.
    const b = await network(ib, [{ id: ic.nodeId, address: a.address() }], { listen: null });
    await expect.poll(() => b.status()[0].last_error, { timeout: 5000, interval: 10 }).toMatch(/not the configured/);
  });

  it('when both nodes dial at once, both ends keep the connection the smaller id dialled and drop the other', async () => {
    const [ia, ib] = await Promise.all([identity(), identity()]);
    // Each dial completes its TLS handshake, then waits until the other node's dial has too, so
    // two connections of the pair meet for certain.
    let arrived = 0;
    let release: () => void = () => {};
    const both = new Promise<void>((resolve) => (release = resolve));
    const barrier = (t: PeerTransport): PeerTransport => ({
      listen: (at, on) => t.listen(at, on),
      close: () => t.close(),
      dial: async (to, expected, ms) => {
        const s = await t.dial(to, expected, ms);
        if (++arrived === 2) release();
        await both;
        return s;
      },
    });
    const [pa, pb] = await Promise.all([freePort(), freePort()]);
    const at = (port: number) => ({ host: '127.0.0.1', port });
    const [a, b] = await Promise.all([
      network(ia, [{ id: ib.nodeId, address: at(pb) }], { listen: at(pa), dialGraceMs: 0, wrap: barrier }),
      network(ib, [{ id: ia.nodeId, address: at(pa) }], { listen: at(pb), dialGraceMs: 0, wrap: barrier }),
    ]);
    await both;
    await Promise.all([up(a, ib.nodeId), up(b, ia.nodeId)]);
    const aOut = ia.nodeId < ib.nodeId;
    await expect
      .poll(() => [a.status()[0].direction, b.status()[0].direction], { timeout: 5000, interval: 10 })
      .toEqual(aOut ? ['out', 'in'] : ['in', 'out']);
    // The loser is gone on both ends and traffic flows on the one connection left.
    a.onRequest('aggregate', () => 'pong');
    expect(await b.request(ia.nodeId, 'aggregate', null)).toBe('pong');
    expect(a.keyingMaterial(ib.nodeId, 'x')!.material.equals(b.keyingMaterial(ia.nodeId, 'x')!.material)).toBe(true);
  });

  it('closes a connection on an oversize frame header, before buffering it, and on heartbeat silence', async () => {
    const [ia, ib] = await Promise.all([identity(), identity()]);
    const a = await network(ia, [{ id: ib.nodeId }], { heartbeatMs: 100 });
    const addr = a.address()!;
    const dial = () =>
      new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
        const s = tlsConnect({
          host: addr.host,
          port: addr.port,
          key: ib.tlsKeyPem(),
          cert: ib.certificatePem,
          rejectUnauthorized: false,
          ALPNProtocols: [ALPN],
          minVersion: 'TLSv1.3',
        });
        s.once('secureConnect', () => resolve(s));
        s.once('error', reject);
      });
    const closed = (s: import('node:tls').TLSSocket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

    // A raw client with B's key: a frame header announcing 2 GiB is refused at once.
    const s1 = await dial();
    s1.on('error', () => {});
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x7fffffff, 0);
    const c1 = closed(s1);
    s1.write(header);
    await c1;

    // A client that says hello and then nothing: dropped after 3 heartbeats of silence.
    const s2 = await dial();
    s2.on('error', () => {});
    const { encodeFrame, FrameType } = await import('../../../src/peer/frame.js');
    s2.write(encodeFrame({ type: FrameType.HELLO, channel: '', id: 0, body: { v: 1 } }, 1 << 20));
    await up(a, ib.nodeId);
    s2.pause(); // never reads, never writes
    const down = new Promise<string>((resolve) => a.onPeer((e) => e.state === 'down' && resolve(e.reason ?? '')));
    expect(await down).toMatch(/heartbeat timeout/);
    s2.destroy();
  });

  it('refuses sends past the queue limit (backpressure) and drained() waits for room', async () => {
    const [ia, ib] = await Promise.all([identity(), identity()]);
    const a = await network(ia, [{ id: ib.nodeId }]);
    const b = await network(ib, [{ id: ia.nodeId, address: a.address() }], { queueBytes: 256 * 1024 });
    await Promise.all([up(a, ib.nodeId), up(b, ia.nodeId)]);
    let received = 0;
    a.onMessage('crdt', () => received++);
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    let refused = false;
    for (let i = 0; i < 1000 && !refused; i++) {
      if (b.send(ia.nodeId, 'crdt', chunk)) sent++;
      else refused = true;
    }
    expect(refused).toBe(true);
    expect(b.counters.dropped_backpressure).toBe(1);
    await b.drained(ia.nodeId);
    expect(b.send(ia.nodeId, 'crdt', chunk)).toBe(true);
    await expect.poll(() => received, { timeout: 5000, interval: 10 }).toBe(sent + 1);
    expect(() => b.send(ia.nodeId, 'crdt', new Uint8Array(2 << 20))).toThrow(/frame limit/);
  });
});
