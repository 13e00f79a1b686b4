/**
 * What the peer network needs from a transport: authenticated, encrypted byte streams to nodes
 * named by their node id. TLS 1.3 over TCP is the one we have (tls.ts); QUIC can implement the
 * same interface later without the network above it changing.
 */
import type { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { NodeId } from './node-id.js';

export interface PeerAddress {
  host: string;
  port: number;
}

/** A stream whose far end proved it holds the key of `peerId` (checked by the transport). */
export interface SecureStream {
  readonly peerId: NodeId;
  /** The peer's public key, from its certificate. */
  readonly publicKey: KeyObject;
  /** host:port of the far end, for status and logs. */
  readonly remote: string;
  readonly outbound: boolean;
  /** The byte stream; `writableLength` is what is queued and not yet handed to the OS. */
  readonly socket: Duplex;
  /** Keying material exported from the session (RFC 5705 / RFC 8446 §7.5): equal on both ends. */
  exportKeyingMaterial(length: number, label: string): Buffer;
}

export interface PeerTransport {
  /** Listens; resolves with the bound address (port 0 resolved). Streams arrive only from allowed ids. */
  listen(at: PeerAddress, onStream: (s: SecureStream) => void): Promise<PeerAddress>;
  /** Connects; rejects unless the far end proves it is `expected`. */
  dial(to: PeerAddress, expected: NodeId, timeoutMs: number): Promise<SecureStream>;
  close(): Promise<void>;
}

export function formatAddress(a: PeerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** "host:port" or "[v6]:port" -> address; undefined if it is not one. */
export function parseAddress(text: string): PeerAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}
