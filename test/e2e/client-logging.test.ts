/**
 * Warnings reach the client as notifications/message, honouring logging/setLevel, over stdio and
 * HTTP; stderr logging is unchanged. The warning: a peer connection refused at the TLS handshake
 * (the server listens for cluster peers), caused by a TLS client from the test that presents no
 * node certificate.
 */
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, startFixture, type Fixture } from '../helpers/both.js';
import { callOk } from '../helpers/mcp.js';
import { withTimeout } from '../helpers/server.js';

const TOKEN = 'client-logging-token-0123456789';
const REFUSED = 'peer connection refused at the TLS handshake';

/** A TLS connection with no node certificate; resolves once the server has dropped it. */
function knock(address: string): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return withTimeout(
    new Promise<void>((resolve) => {
      const s = connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
      s.on('error', () => {});
      s.on('close', () => resolve());
    }),
    10_000,
    'the cluster listener to drop the connection',
  );
}

describe.each(TRANSPORTS)('logging to the client over %s', (kind) => {
  let f: Fixture;
  let url: string;

  beforeAll(async () => {
    f = await startFixture(kind, { env: { SIXFOLD_HTTP_TOKEN: TOKEN }, extraArgs: ['--cluster-port', '0'] });
    const s = await callOk<{ listen: string | null }>(f.main.client, 'gossip_status', {});
    url = s.listen!;
    expect(url).toMatch(/^127\.0\.0\.1:\d+$/);
  });
  afterAll(async () => {
    await f?.close();
  });

  const warnings = () =>
    f.main.inbox.count(
      (a) => a.method === 'notifications/message' && (a.params.data as { message?: string }).message === REFUSED,
    );

  it('sends warnings as notifications/message with the log fields; honours logging/setLevel', async () => {
    const { client, inbox } = f.main;
    expect(client.getServerCapabilities()?.logging).toBeDefined();
    await client.setLoggingLevel('warning');
    await knock(url);
    const first = await inbox.waitFor((a) => a.method === 'notifications/message', 'the warning');
    expect(first.params).toMatchObject({
      level: 'warning',
      logger: 'sixfold',
      data: { message: REFUSED, from: expect.any(String) },
    });
    expect(JSON.stringify(first.params)).not.toContain(TOKEN);

    // At "error", the next warning is not sent; back at "warning", the one after is.
    await client.setLoggingLevel('error');
    await knock(url); // logged (and filtered) before the connection was dropped
    await client.setLoggingLevel('warning');
    await knock(url);
    await inbox.waitFor(() => warnings() === 2, 'the second sent warning');
    await client.ping(); // and nothing else trails in
    expect(warnings()).toBe(2);

    // stderr logging is as before: every refusal is there, filtered or not.
    const lines = f.main
      .stderr()
      .split('\n')
      .filter((l) => l.includes(`"${REFUSED}"`));
    expect(lines).toHaveLength(3);
  });
});
