import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config.js';
import { SixfoldError } from '../../../../src/errors.js';
import { createLogger } from '../../../../src/log.js';
import { createEmbedder } from '../../../../src/memory/embed/index.js';
import { HashEmbedder } from '../../../../src/memory/embed/hash.js';
import {
  OpenAICompatibleEmbedder,
  type OpenAICompatibleEmbedderOptions,
} from '../../../../src/memory/embed/openai-compatible.js';
import { searchMemories } from '../../../../src/memory/search.js';
import { MemoryStore } from '../../../../src/memory/store.js';
import { hashVector, startFakeProvider, type FakeProvider } from '../../../../testkit/fake-provider.js';
import { rejection, tempDir } from '../../helpers.js';

const KEY = 'sk-test-SECRET-123';
const MODEL = 'fake-embed';

let fake: FakeProvider;
let cleanups: Array<() => void | Promise<void>>;

beforeEach(async () => {
  fake = await startFakeProvider({ seed: 7 });
  cleanups = [];
});
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  await fake.close();
});

function embedder(over: Partial<OpenAICompatibleEmbedderOptions> = {}): OpenAICompatibleEmbedder {
  return new OpenAICompatibleEmbedder({
    baseURL: fake.baseURL,
    model: MODEL,
    apiKey: KEY,
    apiKeyEnv: 'TEST_EMBED_KEY',
    batchSize: 128,
    timeoutMs: 5000,
    ...over,
  });
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const inputs = () => fake.requests.map((r) => (r.body as { input: string[] }).input);

describe('OpenAICompatibleEmbedder against the fake provider', () => {
  it("returns the provider's vectors, L2-normalised, in input order", async () => {
    const out = await embedder().embed(['alpha', 'beta', 'gamma']);
    expect(out).toHaveLength(3);
    ['alpha', 'beta', 'gamma'].forEach((text, i) => {
      const raw = hashVector(7, text, 8);
      const n = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
      expect(n).not.toBeCloseTo(1, 2); // the provider's vector was not unit length
      expect(out[i]).toBeInstanceOf(Float32Array);
      expect(norm(out[i])).toBeCloseTo(1, 6);
      [...out[i]].forEach((x, j) => expect(x).toBeCloseTo(raw[j] / n, 6));
    });
  });

  it('sends model, float encoding and the key as a Bearer token', async () => {
    await embedder().embed(['hello']);
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/embeddings');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({ model: MODEL, input: ['hello'], encoding_format: 'float' });
  });

  it('splits inputs into batches of batchSize', async () => {
    const texts = ['t0', 't1', 't2', 't3', 't4'];
    const out = await embedder({ batchSize: 2 }).embed(texts);
    expect(inputs()).toEqual([['t0', 't1'], ['t2', 't3'], ['t4']]);
    expect(out).toHaveLength(5);
    const single = await embedder().embed(['t3']);
    expect([...out[3]]).toEqual([...single[0]]);
  });

  it('learns dimensions() from the first call, once', async () => {
    fake.script[MODEL] = { dims: 12 };
    const e = embedder();
    expect(fake.requests).toHaveLength(0);
    expect(await e.dimensions()).toBe(12);
    expect(inputs()).toEqual([['dimension probe']]);
    expect(await e.dimensions()).toBe(12);
    expect(fake.requests).toHaveLength(1);
  });

  it('with configured dimensions, asks the server for them and never probes', async () => {
    const e = embedder({ dimensions: 16 });
    expect(await e.dimensions()).toBe(16);
    expect(fake.requests).toHaveLength(0);
    const [v] = await e.embed(['x']);
    expect(v).toHaveLength(16);
    expect((fake.requests[0].body as { dimensions: number }).dimensions).toBe(16);
  });

  it('a 401 becomes a SixfoldError that does not contain the key, and is not retried', async () => {
    fake.script[MODEL] = { status: 401 }; // the fake echoes the key in its error message
    const err = await rejection(embedder().embed(['x']));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/^Embeddings request failed: key refused \(HTTP 401\)\.$/);
    expect(err.hint).toBe('Check the key in TEST_EMBED_KEY.');
    expect(err.describe()).not.toContain('SECRET');
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(KEY);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("a 500 is retried twice, then reported with the server's message", async () => {
    fake.script[MODEL] = { status: 500 };
    const err = await rejection(embedder().embed(['x']));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(
      'Embeddings request failed: server error (HTTP 500): The server had an error while processing your request.',
    );
    expect(err.hint).toBe('The embeddings server failed; retry later.');
    expect(fake.requests).toHaveLength(3);
  });

  it('recovers when a retry succeeds', async () => {
    fake.script[MODEL] = { status: 500, times: 1 };
    const out = await embedder().embed(['x']);
    expect(out).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
    expect(fake.script[MODEL].times).toBe(0);
  });

  // The server's message is shown for most statuses, so it must be scrubbed of the key it may echo.
  it.each([
    ['sk-proj-Ab_9-SECRET', 400],
    ['sk-proj-Ab_9-SECRET', 500],
    // Regression: redaction once matched only "sk-" keys, so a key of another shape (Groq "gsk_...",
    // a self-hosted server's token) echoed by the server reached the error message.
    ['gsk_live_SECRET_456', 400],
    ['token-SECRET-789', 500],
  ])('does not leak the key %s echoed in an HTTP %i error', async (apiKey, status) => {
    fake.script[MODEL] = { status, errorMessage: `Invalid request for key ${apiKey} (model ${MODEL})` };
    const err = await rejection(embedder({ apiKey }).embed(['x']));
    expect(err.message).toContain(`Invalid request for key [redacted] (model ${MODEL})`);
    expect(err.message).not.toContain('SECRET');
    expect(err.hint ?? '').not.toContain('SECRET');
  });

  // Regression: openai's APIConnectionError extends APIError, so a refused connection once took the
  // "request failed (HTTP error)" branch. (The client retries twice with backoff: ~1.3 s.)
  it('reports an unreachable endpoint', async () => {
    const baseURL = fake.baseURL;
    await fake.close();
    fake = await startFakeProvider(); // afterEach closes this one
    const err = await rejection(embedder({ baseURL }).embed(['x']));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(new RegExp(`^Embeddings endpoint ${baseURL.replace(/[.]/g, '\\.')} unreachable: `));
    expect(err.hint).toBe('Start the embedding server or fix embedder.base_url.');
  });

  // Regression: openai's APIUserAbortError extends APIError (and is not named "AbortError"), so a
  // cancelled request once read "Embeddings request failed (HTTP error): Request was aborted..".
  it('a cancelled request is reported as cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await rejection(embedder().embed(['x'], ac.signal));
    expect(err.message).toBe('Embeddings request was cancelled.');
  });
});

describe('createEmbedder', () => {
  const openaiCfg = (env: NodeJS.ProcessEnv) => loadConfig({}, { SIXFOLD_EMBEDDER: 'openai-compatible', ...env }).embedder!;

  it('hash-384 needs nothing', () => {
    expect(createEmbedder({ kind: 'hash-384' }, {})).toBeInstanceOf(HashEmbedder);
  });

  it('api.openai.com without a key is a config error naming the env var', () => {
    let err: unknown;
    try {
      createEmbedder(openaiCfg({}), {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SixfoldError);
    expect((err as SixfoldError).code).toBe('config');
    expect((err as SixfoldError).message).toBe('The openai-compatible embedder at api.openai.com needs a key in OPENAI_API_KEY.');
    expect((err as SixfoldError).hint).toBe('Set OPENAI_API_KEY, or use embedder kind "use-lite" (local, no key).');
    expect(() => createEmbedder(openaiCfg({ SIXFOLD_EMBED_API_KEY_ENV: 'MY_KEY' }), { OPENAI_API_KEY: 'sk-x' })).toThrow(
      /needs a key in MY_KEY\./,
    );
  });

  it('api.openai.com with a key, and a local server without one', async () => {
    const withKey = createEmbedder(openaiCfg({}), { OPENAI_API_KEY: KEY });
    expect(withKey.id).toBe('openai-compatible:text-embedding-3-small');
    const local = createEmbedder(openaiCfg({ SIXFOLD_EMBED_BASE_URL: fake.baseURL, SIXFOLD_EMBED_MODEL: MODEL }), {});
    expect(local.id).toBe(`openai-compatible:${MODEL}`);
    expect(await local.dimensions()).toBe(8);
    expect(fake.requests[0].headers.authorization).toBe('Bearer no-key');
  });
});

describe('MemoryStore over the openai-compatible embedder', () => {
  it('opens, inserts and finds by vector end to end', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const env = {
      SIXFOLD_EMBEDDER: 'openai-compatible',
      SIXFOLD_EMBED_BASE_URL: fake.baseURL,
      SIXFOLD_EMBED_MODEL: MODEL,
      SIXFOLD_EMBED_API_KEY_ENV: 'FAKE_KEY',
      FAKE_KEY: KEY,
    };
    const cfg = loadConfig({ db: join(dir.path, 'e2e.db') }, env);
    const open = async () => {
      const s = await MemoryStore.open({
        path: cfg.db,
        embedder: createEmbedder(cfg.embedder!, env),
        log: createLogger('silent'),
        now: () => 0,
      });
      cleanups.push(() => s.close());
      return s;
    };
    const store = await open();
    expect(store.vec.dims).toBe(8);
    expect(store.embedder.id).toBe(`openai-compatible:${MODEL}`);

    const texts = ['the kettle is in the left cupboard', 'standup moved to 9:30', 'wifi password is on the fridge'];
    const saved = await store.insert(texts.map((content) => ({ content })));
    const hits = await searchMemories(store, { query: 'standup moved to 9:30', mode: 'vector', k: 3 });
    expect(hits).toHaveLength(3);
    expect(hits[0].id).toBe(saved[1].id);
    expect(hits[0].score).toBeCloseTo(1, 5);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    // probe, insert, query
    expect(inputs()).toEqual([['dimension probe'], texts, ['standup moved to 9:30']]);
    store.close();

    // Reopening probes the dimensions again and accepts the same embedder.
    const again = await open();
    expect(again.vec).toEqual(store.vec);
    expect(again.list('default', 10).items).toHaveLength(3);
  });

  it('refuses wrong-length vectors from the provider and writes nothing', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const store = await MemoryStore.open({
      path: join(dir.path, 'w.db'),
      embedder: embedder(),
      log: createLogger('silent'),
      now: () => 0,
    });
    cleanups.push(() => store.close());
    fake.script[MODEL] = { wrongLength: 5 };
    const err = await rejection(store.insert([{ content: 'a' }, { content: 'b' }]));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(`Embedder openai-compatible:${MODEL} returned 2 vectors of 5 dims; expected 2 of 8.`);
    expect((store.db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n).toBe(0);
    expect((store.db.prepare(`SELECT count(*) AS n FROM ${store.vec.name}`).get() as { n: number }).n).toBe(0);
  });
});
