import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake LLM provider for tests: a real HTTP server on 127.0.0.1 (port chosen by the OS) that
 * speaks the providers' wire formats: OpenAI `POST …/chat/completions` (also Gemini's and
 * Ollama's OpenAI-compatible paths) and `POST /v1/embeddings`, Anthropic `POST /v1/messages`,
 * and `GET /v1/models`.
 *
 * Behaviour is scripted per model name through `script`, which tests may change between requests.
 * Nothing in src/ knows this exists: point a client's base URL at `baseURL`.
 */

export interface ModelScript {
  /** Answer requests for this model with this HTTP status and an OpenAI-style error body. */
  status?: number;
  /** Only the next `times` requests get `status`; after that the model answers normally. */
  times?: number;
  /** `error.message` of that body. Default for 401 echoes the key, as a careless server might. */
  errorMessage?: string;
  /** Extra response headers, e.g. `{ 'retry-after-ms': '0' }`. */
  headers?: Record<string, string>;
  /** Vector length when the request sends no `dimensions`. Default: the provider's `dims`. */
  dims?: number;
  /** Raw (not normalised) vector for one input. Default: `hashVector(seed, text, dims)`. */
  embed?: (text: string, dims: number) => number[];
  /** Return vectors of this length whatever was asked: a model misbehaving. */
  wrongLength?: number;
  /** Chat answer: fixed text, or computed from the last user message (answers by prompt). */
  answer?: string | ((prompt: string) => string);
  /** Milliseconds before answering (or before the scripted error); a function decides by prompt. */
  latencyMs?: number | ((prompt: string) => number);
  /** Never answer; the request stays open until the client gives up. A function decides by prompt. */
  hang?: boolean | ((prompt: string) => boolean);
  /** Answer 200 with a body that is not valid JSON. */
  malformed?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** True when the client closed the connection before the answer was sent (cancel, timeout). */
  aborted: boolean;
}

export interface FakeProviderOptions {
  /** Seed of the default embedding function. Default 1. */
  seed?: number;
  /** Default vector length. Default 8. */
  dims?: number;
  /** Initial per-model scripts. */
  models?: Record<string, ModelScript>;
}

export interface FakeProvider {
  /** `http://127.0.0.1:<port>/v1`: what an OpenAI client takes as `baseURL`. */
  baseURL: string;
  /** `http://127.0.0.1:<port>`: what the Anthropic client takes as `baseURL`. */
  origin: string;
  /** `http://127.0.0.1:<port>/v1beta/openai/`: Gemini's OpenAI-compatible path. */
  geminiBaseURL: string;
  /** Requests being handled right now, and the most there ever were at once. */
  inFlight(): number;
  maxInFlight(): number;
  /** Starts counting the most at once afresh (from the requests in flight now). */
  resetMaxInFlight(): void;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Per-model behaviour; models not listed get the defaults. Mutable. */
  script: Record<string, ModelScript>;
  /**
   * Resolves with `requests[n]` (0-based) once it has arrived: what a test awaits before cancelling
   * a call in flight, instead of sleeping.
   */
  arrived(n: number): Promise<RecordedRequest>;
  /**
   * Resolves when the connection of a recorded request closes (answered, cancelled, timed out);
   * `aborted` is final by then.
   */
  closed(request: RecordedRequest): Promise<void>;
  close(): Promise<void>;
}

/** FNV-1a of the seed and text, then mulberry32: a deterministic vector in [-1, 1)^dims. */
export function hashVector(seed: number, text: string, dims: number): number[] {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let s = h;
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    // Round through float32 so the JSON and base64 encodings carry the same numbers.
    out.push(Math.fround(u * 2 - 1));
  }
  return out;
}

/** Float32 little-endian bytes as base64, as OpenAI sends with `encoding_format: "base64"`. */
export function float32Base64(v: readonly number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

const ERROR_TYPES: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  404: { type: 'invalid_request_error', code: 'not_found', message: 'Not found.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  const t = ERROR_TYPES[status] ?? { type: 'api_error', code: null, message: `HTTP ${status}.` };
  // Retry at once: the openai client retries 408/409/429/5xx and would otherwise back off ~1 s.
  sendJson(
    res,
    status,
    { error: { message: message ?? t.message, type: t.type, param: null, code: t.code } },
    {
      'retry-after-ms': '0',
      ...headers,
    },
  );
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function sendAnthropicError(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  const type = ANTHROPIC_ERROR_TYPES[status] ?? 'api_error';
  sendJson(
    res,
    status,
    { type: 'error', error: { type, message: message ?? `HTTP ${status}.` } },
    { 'retry-after-ms': '0', ...headers },
  );
}

function words(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function bearer(headers: IncomingHttpHeaders): string {
  return /^Bearer (.*)$/i.exec(headers.authorization ?? '')?.[1] ?? '';
}

export async function startFakeProvider(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const seed = opts.seed ?? 1;
  const defaultDims = opts.dims ?? 8;
  const requests: RecordedRequest[] = [];
  const script: Record<string, ModelScript> = { ...opts.models };

  function embeddings(req: RecordedRequest, res: ServerResponse): void {
    const body = req.body as { model?: unknown; input?: unknown; encoding_format?: unknown; dimensions?: unknown } | null;
    if (typeof body !== 'object' || body === null || typeof body.model !== 'string') {
      return sendError(res, 400, 'model is required.');
    }
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((x) => typeof x === 'string')) {
      return sendError(res, 400, "'input' must be a non-empty string or array of strings.");
    }
    const s = script[body.model] ?? {};
    const status = s.status;
    if (status !== undefined && status >= 400 && (s.times === undefined || s.times > 0)) {
      if (s.times !== undefined) s.times--;
      const message = s.errorMessage ?? (status === 401 ? `Incorrect API key provided: ${bearer(req.headers)}.` : undefined);
      return sendError(res, status, message, s.headers);
    }
    const dims = s.wrongLength ?? (typeof body.dimensions === 'number' ? body.dimensions : (s.dims ?? defaultDims));
    const base64 = body.encoding_format === 'base64';
    const data = (inputs as string[]).map((text, index) => {
      const v = s.embed ? s.embed(text, dims) : hashVector(seed, text, dims);
      return { object: 'embedding', index, embedding: base64 ? float32Base64(v) : v };
    });
    const tokens = (inputs as string[]).reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 0), 0);
    sendJson(
      res,
      200,
      { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
      s.headers,
    );
  }

  /**
   * The scripted part every chat route shares: latency, hang, scripted error status, malformed body.
   * Returns the answer text, or null when the script already responded (or never will).
   */
  async function scriptedChat(
    model: string,
    prompt: string,
    req: RecordedRequest,
    res: ServerResponse,
    error: (res: ServerResponse, status: number, message?: string, headers?: Record<string, string>) => void,
  ): Promise<string | null> {
    const s = script[model] ?? {};
    if (typeof s.hang === 'function' ? s.hang(prompt) : s.hang) return null; // the client's abort or timeout ends it
    const latencyMs = typeof s.latencyMs === 'function' ? s.latencyMs(prompt) : s.latencyMs;
    if (latencyMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, latencyMs);
        res.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      if (req.aborted) return null;
    }
    if (s.status !== undefined && s.status >= 400 && (s.times === undefined || s.times > 0)) {
      if (s.times !== undefined) s.times--;
      const message =
        s.errorMessage ??
        (s.status === 401
          ? `Incorrect API key provided: ${bearer(req.headers) || String(req.headers['x-api-key'] ?? '')}.`
          : undefined);
      error(res, s.status, message, s.headers);
      return null;
    }
    if (s.malformed) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "broken", "choices": [');
      return null;
    }
    return typeof s.answer === 'function' ? s.answer(prompt) : (s.answer ?? `echo: ${prompt}`);
  }

  async function chatCompletions(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = req.body as { model?: unknown; messages?: Array<{ role: string; content: unknown }> };
    if (typeof body.model !== 'string' || !Array.isArray(body.messages))
      return sendError(res, 400, 'model and messages are required.');
    const text = (c: unknown) => (typeof c === 'string' ? c : JSON.stringify(c));
    const prompt = text([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
    const answer = await scriptedChat(body.model, prompt, req, res, sendError);
    if (answer === null) return;
    const promptTokens = body.messages.reduce((n, m) => n + words(text(m.content)), 0);
    sendJson(
      res,
      200,
      {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: words(answer), total_tokens: promptTokens + words(answer) },
      },
      script[body.model]?.headers,
    );
  }

  async function anthropicMessages(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = req.body as {
      model?: unknown;
      max_tokens?: unknown;
      system?: unknown;
      messages?: Array<{ role: string; content: unknown }>;
    };
    if (typeof body.model !== 'string' || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages)) {
      return sendAnthropicError(res, 400, 'model, max_tokens and messages are required.');
    }
    const text = (c: unknown) =>
      typeof c === 'string' ? c : Array.isArray(c) ? c.map((b: { text?: string }) => b.text ?? '').join('') : '';
    const prompt = text([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
    const answer = await scriptedChat(body.model, prompt, req, res, sendAnthropicError);
    if (answer === null) return;
    const inputTokens = words(text(body.system)) + body.messages.reduce((n, m) => n + words(text(m.content)), 0);
    sendJson(
      res,
      200,
      {
        id: `msg_${requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [{ type: 'text', text: answer }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: words(answer) },
      },
      script[body.model]?.headers,
    );
  }

  function models(_req: RecordedRequest, res: ServerResponse): void {
    sendJson(res, 200, { object: 'list', data: Object.keys(script).map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
  }

  /** Routes by method and path suffix, so any base path (/v1, /v1beta/openai) reaches them. */
  const routes: Array<
    [method: string, suffix: string, handler: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>]
  > = [
    ['POST', '/v1/embeddings', embeddings],
    ['POST', '/chat/completions', chatCompletions],
    ['POST', '/v1/messages', anthropicMessages],
    ['GET', '/models', models],
  ];
  let inFlight = 0;
  let maxInFlight = 0;
  const closedOf = new WeakMap<RecordedRequest, Promise<void>>();
  const waiting: Array<{ n: number; resolve: (r: RecordedRequest) => void }> = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // kept as text; routes that need JSON answer 400
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, aborted: false };
    requests.push(recorded);
    // Registered before the `aborted` listener below; awaiting code resumes after both ran.
    closedOf.set(recorded, new Promise<void>((resolve) => res.once('close', () => resolve())));
    for (const w of waiting.filter((x) => x.n < requests.length)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(requests[w.n]);
    }
    const route = routes.find(([m, suffix]) => m === recorded.method && path.endsWith(suffix));
    if (!route) return sendError(res, 404, `No route ${recorded.method} ${path}.`);
    if (recorded.method === 'POST' && (typeof body !== 'object' || body === null))
      return sendError(res, 400, 'Body must be a JSON object.');
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => {
      inFlight--;
      if (!res.writableFinished) recorded.aborted = true;
    });
    await route[2](recorded, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake provider failed: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    geminiBaseURL: `http://127.0.0.1:${port}/v1beta/openai/`,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    resetMaxInFlight: () => {
      maxInFlight = inFlight;
    },
    arrived: (n) =>
      n < requests.length
        ? Promise.resolve(requests[n])
        : new Promise<RecordedRequest>((resolve) => waiting.push({ n, resolve })),
    closed: (request) => closedOf.get(request) ?? Promise.reject(new Error('not a request this fake recorded')),
    requests,
    script,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Clients keep connections alive; drop them so close() does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
