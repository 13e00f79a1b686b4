/**
 * Warnings reach the client as notifications/message, honouring logging/setLevel, over stdio and
 * HTTP; stderr logging is unchanged. The warning: a gossip connection refused for a missing token
 * (the server listens for gossip with a token set), caused by a raw WebSocket from the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORTS, startFixture, type Fixture } from '../helpers/both.js';
import { callOk } from '../helpers/mcp.js';
import { withTimeout } from '../helpers/server.js';
import type { GossipStatus } from '../../src/transport/gossip-node.js';

const TOKEN = 'client-logging-token-0123456789';
const REFUSED = 'gossip connection refused: bad or missing token';

/** Opens a gossip connection without the token; resolves once the server has answered (401). */
function knock(url: string): Promise<number> {
  return withTimeout(new Promise<number>((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
  }), 10_000, 'the gossip listener to answer');
}

describe.each(TRANSPORTS)('logging to the client over %s', (kind) => {
  let f: Fixture;
  let url: string;

  beforeAll(async () => {
    f = await startFixture(kind, { env: { SIXFOLD_HTTP_TOKEN: TOKEN }, extraArgs: ['--gossip-port', '0'] });
    const s = await callOk<GossipStatus>(f.main.client, 'gossip_status', {});
    url = s.listen_url!;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });
  afterAll(async () => {
    await f?.close();
  });

  const warnings = () => f.main.inbox.count((a) => a.method === 'notifications/message' && (a.params.data as { message?: string }).message === REFUSED);

  it('sends warnings as notifications/message with the log fields; honours logging/setLevel', async () => {
    const { client, inbox } = f.main;
    expect(client.getServerCapabilities()?.logging).toBeDefined();
    await client.setLoggingLevel('warning');
    expect(await knock(url)).toBe(401);
    const first = await inbox.waitFor((a) => a.method === 'notifications/message', 'the warning');
    expect(first.params).toMatchObject({ level: 'warning', logger: 'sixfold', data: { message: REFUSED, from: expect.any(String) } });
    expect(JSON.stringify(first.params)).not.toContain(TOKEN);

    // At "error", the next warning is not sent; back at "warning", the one after is.
    await client.setLoggingLevel('error');
    expect(await knock(url)).toBe(401); // logged (and filtered) before the 401 went out
    await client.setLoggingLevel('warning');
    expect(await knock(url)).toBe(401);
    await inbox.waitFor(() => warnings() === 2, 'the second sent warning');
    await client.ping(); // and nothing else trails in
    expect(warnings()).toBe(2);

    // stderr logging is as before: every refusal is there, filtered or not.
    const lines = f.main.stderr().split('\n').filter((l) => l.includes(REFUSED));
    expect(lines).toHaveLength(3);
  });
});
