/**
 * Mutual TLS 1.3 over TCP (node:tls). Both sides present their self-signed Ed25519 certificate;
 * no CA is involved: a node is its key, and its id is the hash of that key. TLS proves the far end
 * holds the private key of the certificate it sent (CertificateVerify), so the id derived from
 * that certificate is authenticated.
 *
 * Node's TLS has no verification hook inside the handshake, so the allow-list is applied at the
 * first moment the peer's certificate is known: a server drops the socket on 'secureConnection'
 * and a client on 'secureConnect', before a byte of application data is read or written. A
 * refused dialer sees its connection closed before the peer's hello (peer.ts reports that).
 */
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from '../log.js';
import { nodeIdOf, type NodeIdentity } from './identity.js';
import { shortId, type NodeId } from './node-id.js';
import { formatAddress, type PeerAddress, type PeerTransport, type SecureStream } from './transport.js';
import { SixfoldError } from '../errors.js';

export const ALPN = 'sixfold-peer/1';
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsTransportError extends Error {}

/** The node id proven by a TLS socket's peer certificate, or an error saying why there is none. */
function peerIdentity(sock: tls.TLSSocket): { id: NodeId; cert: X509Certificate } | { error: string } {
  const cert = sock.getPeerX509Certificate();
  if (!cert) return { error: 'presented no certificate' };
  if (sock.getProtocol() !== 'TLSv1.3') return { error: `negotiated ${sock.getProtocol()}, not TLSv1.3` };
  if (sock.alpnProtocol !== ALPN) return { error: `does not speak ${ALPN}` };
  if (!cert.verify(cert.publicKey)) return { error: 'presented a certificate that is not self-signed by its key' };
  return { id: nodeIdOf(cert.publicKey), cert };
}

function stream(sock: tls.TLSSocket, id: NodeId, cert: X509Certificate, outbound: boolean): SecureStream {
  sock.setNoDelay(true);
  return {
    peerId: id,
    publicKey: cert.publicKey,
    remote: `${sock.remoteAddress}:${sock.remotePort}`,
    outbound,
    socket: sock,
    // No context: RFC 8446 §7.5 treats an absent and an empty context alike; both ends pass the same.
    exportKeyingMaterial: (length, label) => sock.exportKeyingMaterial(length, label, Buffer.alloc(0)),
  };
}

export class TlsTransport implements PeerTransport {
  private server: tls.Server | undefined;
  private readonly context: tls.SecureContext;
  /** Every accepted TCP socket, so close() need not wait for handshakes in progress to time out. */
  private readonly sockets = new Set<import('node:net').Socket>();

  /** `allowed` is asked for every inbound id (the allow-list); refused ids never get a stream. */
  constructor(
    private readonly identity: NodeIdentity,
    private readonly allowed: (id: NodeId) => boolean,
    private readonly log: Logger,
  ) {
    this.context = tls.createSecureContext({
      key: identity.tlsKeyPem(),
      cert: identity.certificatePem,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
    });
  }

  listen(at: PeerAddress, onStream: (s: SecureStream) => void): Promise<PeerAddress> {
    // tls.Server builds its own context from these options (it takes no secureContext).
    const server = tls.createServer({
      key: this.identity.tlsKeyPem(),
      cert: this.identity.certificatePem,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: [ALPN],
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    server.on('secureConnection', (sock) => {
      sock.on('error', () => {}); // a reset after we dropped it is expected
      const who = peerIdentity(sock);
      const from = `${sock.remoteAddress}:${sock.remotePort}`;
      if ('error' in who) {
        this.log.warn({ from, reason: who.error }, 'peer connection refused at the TLS handshake');
        sock.destroy();
        return;
      }
      if (who.id === this.identity.nodeId || !this.allowed(who.id)) {
        this.log.warn({ from, peer: who.id }, 'peer connection refused at the TLS handshake: node id not in cluster.peers');
        sock.destroy();
        return;
      }
      onStream(stream(sock, who.id, who.cert, false));
    });
    server.on('connection', (raw: import('node:net').Socket) => {
      this.sockets.add(raw);
      raw.once('close', () => this.sockets.delete(raw));
    });
    server.on('tlsClientError', (err, sock) => {
      this.log.debug({ err: err.message, from: sock.remoteAddress }, 'TLS handshake with a would-be peer failed');
    });
    server.on('error', (err) => this.log.warn({ err }, 'cluster listener error'));
    this.server = server;
    return new Promise((resolve, reject) => {
      const failed = (err: Error) =>
        reject(
          new SixfoldError(
            'config',
            `Cannot listen for cluster peers on ${formatAddress(at)}: ${err.message}.`,
            'Pick another --cluster-port or --cluster-host, or stop what holds that address.',
          ),
        );
      server.once('error', failed);
      server.listen(at.port, at.host, () => {
        server.off('error', failed);
        const a = server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  dial(to: PeerAddress, expected: NodeId, timeoutMs: number): Promise<SecureStream> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect({
        host: to.host,
        port: to.port,
        secureContext: this.context,
        minVersion: 'TLSv1.3',
        rejectUnauthorized: false,
        ALPNProtocols: [ALPN],
      });
      const timer = setTimeout(() => fail(new TlsTransportError(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      };
      sock.once('error', (err) => fail(err));
      sock.once('secureConnect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.on('error', () => {}); // later errors surface as 'close' to the network above
        const who = peerIdentity(sock);
        if ('error' in who) return fail(new TlsTransportError(`the node at ${to.host}:${to.port} ${who.error}`));
        if (who.id !== expected) {
          return fail(
            new TlsTransportError(
              `the node at ${to.host}:${to.port} is ${shortId(who.id)}…, not the configured ${shortId(expected)}… (wrong address or id?)`,
            ),
          );
        }
        resolve(stream(sock, who.id, who.cert, true));
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const raw of this.sockets) raw.destroy();
    await closed;
  }
}
