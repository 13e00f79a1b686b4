import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../../../src/log.js';
import { WsGossipTransport, decodeFrame, encodeFrame } from '../../../src/transport/gossip-ws.js';
import type { GossipMessage } from '../../../src/patterns/crdt/gossip.js';

const log = createLogger('silent');
const made: WsGossipTransport[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.close()));
});

function transport(opts: { port?: number; peers?: string[]; token?: string }): WsGossipTransport {
  const t = new WsGossipTransport({ host: '127.0.0.1', port: opts.port, peers: opts.peers ?? [], token: opts.token, backoffBaseMs: 20, backoffMaxMs: 200, maxFrameBytes: 1 << 20, log });
  made.push(t);
  return t;
}

const opened = (t: WsGossipTransport) => new Promise<string>((resolve) => { t.onOpen = resolve; });
const received = (t: WsGossipTransport) => new Promise<[string, GossipMessage]>((resolve) => t.onMessage((from, m) => resolve([from, m])));

describe('WebSocket gossip transport', () => {
  it('frames round-trip; garbage and frames for bad doc ids are dropped', () => {
    const m: GossipMessage = { doc: 'a:b.c', sync: new Uint8Array([0, 1, 0]), dg: 123, re: 1 };
    const back = decodeFrame(encodeFrame(m))!;
    expect({ ...back, sync: new Uint8Array(back.sync) }).toEqual(m);
    expect(decodeFrame(Buffer.from([0xc1, 0xff, 0x00]))).toBeUndefined();
    expect(decodeFrame(encodeFrame({ doc: 'bad id!', sync: new Uint8Array([0]) }))).toBeUndefined();
    expect(decodeFrame(Buffer.from(JSON.stringify({ d: 'x', s: 'not bytes' })))).toBeUndefined();
  });

  it('a dialer retries with backoff until the listener appears, then both directions carry frames', async () => {
    const probe = transport({ port: 0 });
    await probe.start();
    const url = probe.url!;
    const port = Number(new URL(url).port);
    await probe.close();

    const dialer = transport({ peers: [url] });
    await dialer.start();
    // Nothing listens yet: attempts pile up in backoff (observable in status()).
    await expect.poll(() => dialer.status()[0].attempts, { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(2);
    expect(dialer.connected()).toEqual([]);

    const listener = transport({ port });
    const inbound = opened(listener);
    const outbound = opened(dialer);
    await listener.start();
    const [inPeer, outPeer] = await Promise.all([inbound, outbound]);
    expect(outPeer).toBe(url);
    expect(dialer.status()[0].state).toBe('open');

    const atListener = received(listener);
    dialer.send(url, { doc: 'd', sync: new Uint8Array([2, 1, 7]) });
    expect((await atListener)[1].doc).toBe('d');
    const atDialer = received(dialer);
    listener.send(inPeer, { doc: 'e', sync: new Uint8Array([0, 0]) });
    expect((await atDialer)[0]).toBe(url);
  });

  it('with a token, the upgrade is refused without it (401) and accepted with it', async () => {
    const token = 'unit-token-0123456789abcdef';
    const listener = transport({ port: 0, token });
    await listener.start();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(listener.url!);
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
    const good = transport({ peers: [listener.url!], token });
    const ok = opened(good);
    await good.start();
    expect(await ok).toBe(listener.url);
  });

  it('refuses browsers (any Origin) and foreign Host names (DNS rebinding) with 403, token or not', async () => {
    const listener = transport({ port: 0 });
    await listener.start();
    const upgrade = (headers: Record<string, string>) => new Promise<number>((resolve) => {
      const ws = new WebSocket(listener.url!, { headers });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.terminate(); });
      ws.on('error', () => {});
    });
    expect(await upgrade({ origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade({ origin: 'null' })).toBe(403);
    expect(await upgrade({ host: `attacker.example:${new URL(listener.url!).port}` })).toBe(403);
    expect(await upgrade({ host: `localhost:${new URL(listener.url!).port}` })).toBe(101);
    expect(await upgrade({})).toBe(101);
  });
});
