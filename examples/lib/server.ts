/**
 * Starting a sixfold server for an example, the way a user's MCP client does: the built server
 * (dist/src/main.js) as a child process over stdio, on a database in a temporary folder, driven
 * through the SDK's real Client.
 *
 * LLM steps go through the server's tools. With a provider key in the environment the server's
 * router answers them. Without one, the server asks this client's model through sampling; an
 * example has no model, so the client answers with a scripted stand-in: prepared, deterministic
 * replies, labelled as such wherever they show.
 */
import { execFile } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { SERVER_MAIN, REPO_ROOT } from './paths.js';

/** Answers one LLM request (the user message and the system prompt) with prepared text. */
export type StandIn = (prompt: string, system: string | undefined) => string;

/** The model name the stand-in reports, so results show who answered. */
export const STAND_IN_MODEL = 'scripted-stand-in';
export const STAND_IN_LABEL =
  "scripted stand-in for an LLM (no provider key: the example's MCP client answers the server's sampling requests with prepared, deterministic replies)";

export interface StartOptions {
  /** Folder for the database and the server's XDG data (the caller removes it). */
  dir: string;
  /** File name of the database inside `dir`. */
  dbName?: string;
  standIn: StandIn;
  /** More environment for the server (tests point the provider variables at a fake provider). */
  env?: Record<string, string>;
  /** More CLI arguments (cluster flags). */
  args?: string[];
}

/** What answered the LLM steps of a tool result, by the fields sixfold's results carry. */
export interface LlmFields {
  via?: string;
  provider?: string | null;
  model?: string | null;
  source?: string;
  votes?: Array<{ provider: string; model: string | null }>;
  agents?: Array<{ provider: string | null }>;
}

/** The user's choice of models and routing carries over into an example; nothing else of SIXFOLD_* does. */
const KEEP = /^SIXFOLD_(ROUTER_POLICY|ROUTER_PROVIDER|(?!EMBED_)[A-Z0-9_]+_MODEL)$/;

/**
 * The server's environment: ours without SIXFOLD_* settings (a user's own database, config, tools
 * or embedder must not leak into an example; provider keys and model choices do pass), then the
 * example's settings.
 */
function serverEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && (!k.startsWith('SIXFOLD_') || KEEP.test(k))) env[k] = v;
  return {
    ...env,
    XDG_DATA_HOME: join(dir, 'xdg'),
    // hash-384 embeds instantly; use-lite would add seconds of model load and ~0.1 s per embedding.
    SIXFOLD_EMBEDDER: 'hash-384',
    ...extra,
  };
}

/** `sixfold node-id --db PATH`: makes the database's node identity and returns its id (line 1). */
export function nodeId(dir: string, dbName = 'sixfold.db'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SERVER_MAIN, 'node-id', '--db', join(dir, dbName)],
      { cwd: REPO_ROOT, env: serverEnv(dir), timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`sixfold node-id failed: ${err.message} ${stderr}`));
        else resolve(stdout.split('\n')[0].trim());
      },
    );
  });
}

export class Sixfold {
  /** Who answered LLM steps so far, one label each (stand-in, router provider/model, memory). */
  readonly answeredBy = new Set<string>();
  /** Sampling requests the stand-in answered. */
  sampled = 0;
  private stderrText = '';

  private constructor(
    readonly client: Client,
    private readonly transport: StdioClientTransport,
  ) {
    transport.stderr?.on('data', (c: Buffer) => {
      this.stderrText = (this.stderrText + c.toString('utf8')).slice(-20_000);
    });
  }

  static async start(opts: StartOptions): Promise<Sixfold> {
    const env = serverEnv(opts.dir, opts.env);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_MAIN, '--db', join(opts.dir, opts.dbName ?? 'sixfold.db'), '--log-level', 'warn', ...(opts.args ?? [])],
      cwd: REPO_ROOT,
      env,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'sixfold-example', version: '1.0.0' }, { capabilities: { sampling: {} } });
    const self = new Sixfold(client, transport);
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      const content = req.params.messages[0]?.content;
      const blocks = (Array.isArray(content) ? content : [content]) as Array<{ type?: string; text?: string } | undefined>;
      const prompt = blocks.find((b) => b?.type === 'text')?.text ?? '';
      self.sampled++;
      return {
        model: STAND_IN_MODEL,
        role: 'assistant' as const,
        content: { type: 'text' as const, text: opts.standIn(prompt, req.params.systemPrompt) },
      };
    });
    try {
      await client.connect(transport);
    } catch (e) {
      await transport.close().catch(() => {});
      throw new Error(`the sixfold server did not start: ${(e as Error).message}\n${self.stderrText}`);
    }
    return self;
  }

  /** Calls a tool; an error result becomes an exception carrying its text. Returns structuredContent. */
  async call<T>(tool: string, args: Record<string, unknown>): Promise<T> {
    const r = await this.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 120_000 });
    const text = (r.content as Array<{ type: string; text?: string }>).find((c) => c.type === 'text')?.text ?? '';
    if (r.isError) throw new Error(`${tool} failed: ${text}`);
    const out = r.structuredContent as T;
    this.note(out as LlmFields);
    return out;
  }

  /** Reads a JSON resource. */
  async readJson<T>(uri: string): Promise<T> {
    const r = await this.client.readResource({ uri });
    const c = r.contents[0] as { text?: string } | undefined;
    return JSON.parse(c?.text ?? 'null') as T;
  }

  /** Remembers who answered the LLM steps of a result. */
  note(r: LlmFields): void {
    if (r.source === 'memory') this.answeredBy.add('memory (a near-repeat answered from what was learned; no LLM call)');
    const seen: Array<{ provider?: string | null; model?: string | null }> = [];
    if (r.via && r.provider !== undefined) seen.push(r);
    if (Array.isArray(r.votes)) for (const v of r.votes) seen.push(v);
    if (Array.isArray(r.agents))
      for (const a of r.agents)
        if (a.provider) seen.push({ provider: a.provider, model: r.via === 'sampling' ? STAND_IN_MODEL : null });
    for (const s of seen) {
      if (!s.provider) continue;
      if (s.provider === 'client')
        this.answeredBy.add(s.model === STAND_IN_MODEL ? STAND_IN_LABEL : `the client's model ${s.model ?? ''} (sampling)`);
      else this.answeredBy.add(`${s.provider}${s.model ? ` ${s.model}` : ''} (the server's router)`);
    }
  }

  stderr(): string {
    return this.stderrText;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}
