import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake LLM provider for tests: a real HTTP server on 127.0.0.1 (port chosen by the OS) that
 * speaks the providers' wire formats. Today: OpenAI `POST /v1/embeddings`. Chat completions and
 * Anthropic messages are to be added as further routes.
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
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
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
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Per-model behaviour; models not listed get the defaults. Mutable. */
  script: Record<string, ModelScript>;
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
  sendJson(res, status, { error: { message: message ?? t.message, type: t.type, param: null, code: t.code } }, {
    'retry-after-ms': '0', ...headers,
  });
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
    const dims = s.wrongLength ?? (typeof body.dimensions === 'number' ? body.dimensions : s.dims ?? defaultDims);
    const base64 = body.encoding_format === 'base64';
    const data = (inputs as string[]).map((text, index) => {
      const v = s.embed ? s.embed(text, dims) : hashVector(seed, text, dims);
      return { object: 'embedding', index, embedding: base64 ? float32Base64(v) : v };
    });
    const tokens = (inputs as string[]).reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 0), 0);
    sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, s.headers);
  }

  const routes: Record<string, (req: RecordedRequest, res: ServerResponse) => void> = {
    'POST /v1/embeddings': embeddings,
  };

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
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
    requests.push(recorded);
    const route = routes[`${recorded.method} ${path}`];
    if (!route) return sendError(res, 404, `No route ${recorded.method} ${path}.`);
    if (typeof body !== 'object' || body === null) return sendError(res, 400, 'Body must be a JSON object.');
    route(recorded, res);
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
