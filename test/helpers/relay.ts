/**
 * A TCP relay that records every byte it forwards, for tests that check what travels between
 * nodes. It refuses connections until it knows its target (nodes that dial too early redial).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Relay {
  /** host:port to dial instead of the target. */
  address: string;
  /** Sets where connections go. */
  target(host: string, port: number): void;
  /** Every chunk forwarded, both directions. */
  recorded(): Buffer;
  /** The first chunk of each direction of each connection, in arrival order. */
  firsts: Buffer[];
  /** A partition: drops every open connection and refuses new ones until heal(). */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startRelay(): Promise<Relay> {
  let to: { host: string; port: number } | undefined;
  let cut = false;
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const firsts: Buffer[] = [];
  const server: Server = createServer((inbound) => {
    sockets.add(inbound);
    inbound.on('close', () => sockets.delete(inbound));
    if (!to || cut) return void inbound.destroy();
    const out = connect(to.port, to.host);
    sockets.add(out);
    out.on('close', () => sockets.delete(out));
    const record = (c: Buffer, first: { seen: boolean }) => {
      chunks.push(Buffer.from(c));
      if (!first.seen) {
        first.seen = true;
        firsts.push(Buffer.from(c));
      }
    };
    const a = { seen: false };
    const b = { seen: false };
    inbound.on('data', (c: Buffer) => record(c, a));
    out.on('data', (c: Buffer) => record(c, b));
    inbound.pipe(out).pipe(inbound);
    const end = () => {
      inbound.destroy();
      out.destroy();
    };
    inbound.on('error', end).on('close', end);
    out.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    target: (host, port) => {
      to = { host, port };
    },
    recorded: () => Buffer.concat(chunks),
    firsts,
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    heal: () => {
      cut = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
