/**
 * One scenario over both transports: a server over stdio or Streamable HTTP on a fresh temp DB,
 * with clients that record the notifications they receive. Over stdio a server has one client,
 * so `writer()` is that client; over HTTP it is a second session of the same server, which is how
 * a change made by someone else reaches a subscriber.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  connectHttpClient,
  makeTempDir,
  startHttpServer,
  startStdioClient,
  withTimeout,
  type ClientSetup,
  type HttpServerHandle,
  type TempDir,
} from './server.js';

export const TRANSPORTS = ['stdio', 'http'] as const;
export type TransportKind = (typeof TRANSPORTS)[number];

export interface Arrival {
  method: string;
  params: Record<string, unknown>;
}

/** Notifications a client received, in order, and a way to wait for one. */
export class Inbox {
  readonly all: Arrival[] = [];
  private waiters = new Set<{ match: (a: Arrival) => boolean; resolve: (a: Arrival) => void }>();

  constructor(client: Client) {
    const record = (n: { method: string; params?: Record<string, unknown> }) => {
      const a = { method: n.method, params: n.params ?? {} };
      this.all.push(a);
      for (const w of [...this.waiters]) if (w.match(a)) (this.waiters.delete(w), w.resolve(a));
    };
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => record(n));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => record(n));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => record(n));
  }

  /** The first notification (already here or still to come) that matches; fails after `ms`. */
  waitFor(match: (a: Arrival) => boolean, what: string, ms = 10_000): Promise<Arrival> {
    const seen = this.all.find(match);
    if (seen) return Promise.resolve(seen);
    let w: { match: (a: Arrival) => boolean; resolve: (a: Arrival) => void } | undefined;
    const p = new Promise<Arrival>((resolve) => {
      w = { match, resolve };
      this.waiters.add(w);
    });
    return withTimeout(p, ms, `${what}; received so far: ${JSON.stringify(this.all).slice(0, 600)}`).finally(() =>
      this.waiters.delete(w!),
    );
  }

  updated(uri: string): Promise<Arrival> {
    return this.waitFor(
      (a) => a.method === 'notifications/resources/updated' && a.params.uri === uri,
      `resources/updated for ${uri}`,
    );
  }

  count(match: (a: Arrival) => boolean): number {
    return this.all.filter(match).length;
  }
}

export interface Session {
  client: Client;
  inbox: Inbox;
  /** The server's stderr so far (its log). */
  stderr(): string;
  close(): Promise<void>;
}

export interface Fixture {
  kind: TransportKind;
  tmp: TempDir;
  /** The first client (made by start). */
  main: Session;
  /** A client whose changes the main client must hear about: itself on stdio, another session on HTTP. */
  writer(): Promise<Session>;
  /** Another client with its own capabilities (stdio: another server process on the same DB). */
  connect(setup?: ClientSetup): Promise<Session>;
  http?: HttpServerHandle;
  close(): Promise<void>;
}

export interface FixtureOptions {
  env?: Record<string, string>;
  extraArgs?: string[];
  client?: ClientSetup;
  tmp?: TempDir;
  logLevel?: string;
}

/** Environment with no LLM provider configured (so nothing leaks in from the developer's shell). */
export const NO_PROVIDERS: Record<string, string> = {
  ANTHROPIC_API_KEY: '',
  OPENAI_API_KEY: '',
  GEMINI_API_KEY: '',
  OLLAMA_BASE_URL: '',
};

export async function startFixture(kind: TransportKind, opts: FixtureOptions = {}): Promise<Fixture> {
  const tmp = opts.tmp ?? makeTempDir(`sixfold-${kind}-`);
  const sessions: Session[] = [];
  const env = { ...NO_PROVIDERS, ...opts.env };
  if (kind === 'stdio') {
    const open = async (setup?: ClientSetup): Promise<Session> => {
      const h = await startStdioClient({
        db: tmp.db,
        xdg: tmp.xdg,
        env,
        extraArgs: opts.extraArgs,
        logLevel: opts.logLevel,
        client: setup,
      });
      const s = { client: h.client, inbox: new Inbox(h.client), stderr: h.stderr, close: () => h.close() };
      sessions.push(s);
      return s;
    };
    const main = await open(opts.client);
    return {
      kind,
      tmp,
      main,
      writer: async () => main,
      connect: open,
      close: async () => {
        await Promise.all(sessions.map((s) => s.close()));
        if (!opts.tmp) tmp.remove();
      },
    };
  }
  const http = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, env, extraArgs: opts.extraArgs });
  const open = async (setup?: ClientSetup): Promise<Session> => {
    const h = await connectHttpClient(http.url, env.SIXFOLD_HTTP_TOKEN, setup);
    const s = { client: h.client, inbox: new Inbox(h.client), stderr: http.stderr, close: () => h.close() };
    sessions.push(s);
    await h.notificationsReady();
    return s;
  };
  const main = await open(opts.client);
  return {
    kind,
    tmp,
    main,
    http,
    writer: () => open(),
    connect: open,
    close: async () => {
      await Promise.all(sessions.map((s) => s.close()));
      await http.close().catch(() => {});
      if (!opts.tmp) tmp.remove();
    },
  };
}
