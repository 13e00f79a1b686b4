import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigSchema } from '../../../src/config.js';
import { SixfoldError } from '../../../src/errors.js';
import { BUILT_INS, resolveProviders } from '../../../src/router/registry.js';
import { startFakeProvider, type FakeProvider } from '../../../testkit/fake-provider.js';
import { tempDir } from '../helpers.js';
import { ALL, KEY, MODEL, REQ, configFrom, fakeEnv, makeRouter, runCleanups, type BuiltIn } from './harness.js';

/**
 * The four built-in providers, and extra OpenAI-compatible ones from config, through their real
 * SDKs against the loopback fake: what goes over the wire, and what comes back and is charged.
 */
let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await runCleanups();
  await fake.close();
});

/** Prices per million tokens chosen so the expected costs are exact in binary floating point. */
const PRICES: Record<BuiltIn, { price_input: number; price_output: number }> = {
  anthropic: { price_input: 2.5, price_output: 12.5 },
  openai: { price_input: 0.5, price_output: 1.5 },
  gemini: { price_input: 0.75, price_output: 2 },
  ollama: { price_input: 0.125, price_output: 0.25 },
};

// "Be brief." (2 words) + "What is the capital of France?" (6) in; "Paris is the capital." (4) out.
const ANSWER = 'Paris is the capital.';
const IN = 8;
const OUT = 4;

const EXPECTED: Record<BuiltIn, { path: string; auth: (h: Record<string, unknown>) => void; cost: number }> = {
  anthropic: {
    path: '/v1/messages',
    // @anthropic-ai/sdk 1.x sends the API key as a Bearer token (0.x sent x-api-key), with its
    // anthropic-version header.
    auth: (h) => {
      expect(h.authorization).toBe(`Bearer ${KEY.anthropic}`);
      expect(h['x-api-key']).toBeUndefined();
      expect(h['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    },
    cost: 7e-5, // (8·2.5 + 4·12.5) / 1e6
  },
  openai: {
    path: '/v1/chat/completions',
    auth: (h) => {
      expect(h.authorization).toBe(`Bearer ${KEY.openai}`);
      expect(h['x-api-key']).toBeUndefined();
    },
    cost: 1e-5, // (8·0.5 + 4·1.5) / 1e6
  },
  gemini: {
    path: '/v1beta/openai/chat/completions',
    auth: (h) => {
      expect(h.authorization).toBe(`Bearer ${KEY.gemini}`);
      expect(h['x-api-key']).toBeUndefined();
    },
    cost: 1.4e-5, // (8·0.75 + 4·2) / 1e6
  },
  ollama: {
    path: '/v1/chat/completions',
    // Ollama takes no key; the openai client insists on one and sends a placeholder.
    auth: (h) => expect(h.authorization).toBe('Bearer no-key'),
    cost: 2e-6, // (8·0.125 + 4·0.25) / 1e6
  },
};

describe.each(ALL)('%s through its real SDK', (name) => {
  const model = MODEL[name];

  it('answers with text, model, usage tokens and the configured price', async () => {
    fake.script[model] = { answer: ANSWER };
    const h = makeRouter(fake, { names: [name], file: { providers: { [name]: PRICES[name] } } });
    const res = await h.router.completeWith(name, { ...REQ, temperature: 0 }, { purpose: 'unit' });
    expect(res).toEqual({
      text: ANSWER,
      model,
      inputTokens: IN,
      outputTokens: OUT,
      provider: name,
      costUsd: EXPECTED[name].cost,
      latencyMs: expect.any(Number),
      attempts: 1,
    });
    expect(res.costUsd).toBe((IN * PRICES[name].price_input + OUT * PRICES[name].price_output) / 1e6);
  });

  it('sends the model, max_tokens, system prompt and key where the API expects them', async () => {
    const h = makeRouter(fake, { names: [name] });
    await h.router.completeWith(name, { ...REQ, temperature: 0.25 });
    expect(fake.requests).toHaveLength(1);
    const [r] = fake.requests;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(EXPECTED[name].path);
    EXPECTED[name].auth(r.headers);
    if (name === 'anthropic') {
      expect(r.body).toEqual({
        model,
        max_tokens: 64,
        system: 'Be brief.',
        temperature: 0.25,
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      });
    } else {
      expect(r.body).toEqual({
        model,
        max_tokens: 64,
        temperature: 0.25,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is the capital of France?' },
        ],
      });
    }
  });

  it('sends no system prompt and no temperature when the request has none', async () => {
    const h = makeRouter(fake, { names: [name] });
    const res = await h.router.completeWith(name, { prompt: 'hello there', maxTokens: 7 });
    expect(res.text).toBe('echo: hello there');
    expect(res.inputTokens).toBe(2);
    expect(res.outputTokens).toBe(3);
    const body = fake.requests[0].body as Record<string, unknown>;
    expect(body).toEqual({ model, max_tokens: 7, messages: [{ role: 'user', content: 'hello there' }] });
  });

  it('is charged at the built-in default prices when the config sets none', async () => {
    const h = makeRouter(fake, { names: [name] });
    const [info] = await h.router.list();
    expect(info).toEqual({
      name,
      kind: name === 'anthropic' ? 'anthropic' : 'openai-compatible',
      model,
      baseURL: { anthropic: fake.origin, openai: fake.baseURL, gemini: fake.geminiBaseURL, ollama: fake.baseURL }[name],
      priceInput: BUILT_INS[name].price_input,
      priceOutput: BUILT_INS[name].price_output,
      tier: BUILT_INS[name].tier,
    });
    const res = await h.router.completeWith(name, REQ);
    expect(res.costUsd).toBe((IN * BUILT_INS[name].price_input + res.outputTokens * BUILT_INS[name].price_output) / 1e6);
  });
});

describe('provider registry', () => {
  it('the built-in defaults: tiers and prices per million tokens', () => {
    expect(
      Object.fromEntries(Object.entries(BUILT_INS).map(([n, b]) => [n, [b.kind, b.tier, b.price_input, b.price_output]])),
    ).toEqual({
      anthropic: ['anthropic', 3, 3, 15],
      openai: ['openai-compatible', 2, 0.4, 1.6],
      gemini: ['openai-compatible', 2, 0.3, 2.5],
      ollama: ['openai-compatible', 1, 0, 0],
    });
  });

  it('enables exactly the providers whose key (or, for Ollama, base URL) is set', () => {
    const env = fakeEnv(fake, ['openai', 'ollama']);
    const { providers, ollamaProbe } = resolveProviders(configFrom(env), env);
    expect(providers.map((p) => p.name)).toEqual(['openai', 'ollama']);
    expect(ollamaProbe).toBeUndefined();
  });

  it('a keyed provider whose key is unset or empty is not enabled, even with its base URL set', () => {
    const env = { ...fakeEnv(fake, ['openai']), GEMINI_BASE_URL: fake.geminiBaseURL, ANTHROPIC_API_KEY: '' };
    const { providers } = resolveProviders(configFrom(env), env);
    expect(providers.map((p) => p.name)).toEqual(['openai']);
  });

  it('enabled: false disables a provider whose key is set', () => {
    const env = fakeEnv(fake, ['anthropic', 'openai']);
    const { providers } = resolveProviders(configFrom(env, { providers: { openai: { enabled: false } } }), env);
    expect(providers.map((p) => p.name)).toEqual(['anthropic']);
  });

  it('SIXFOLD_<NAME>_MODEL overrides the config file, which overrides the default', async () => {
    const file = { providers: { openai: { model: 'from-file' }, gemini: { model: 'gemini-from-file' } } };
    const env = { ...fakeEnv(fake, ['openai', 'gemini']), SIXFOLD_OPENAI_MODEL: 'from-env', SIXFOLD_GEMINI_MODEL: undefined };
    const { providers } = resolveProviders(configFrom(env, file), env);
    expect(providers.map((p) => [p.name, p.model])).toEqual([
      ['openai', 'from-env'],
      ['gemini', 'gemini-from-file'],
    ]);
    const h = makeRouter(fake, { names: ['openai'], env: { SIXFOLD_OPENAI_MODEL: 'from-env' }, file });
    const res = await h.router.completeWith('openai', REQ);
    expect(res.model).toBe('from-env');
    expect((fake.requests[0].body as { model: string }).model).toBe('from-env');
  });

  it('the model default applies when neither env nor config names one', () => {
    const env = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.baseURL };
    const { providers } = resolveProviders(configFrom(env), env);
    expect(providers.map((p) => [p.name, p.model])).toEqual([['openai', 'gpt-4.1-mini']]);
  });

  it('*_BASE_URL env beats the config file base_url for built-ins', () => {
    const env = fakeEnv(fake, ['openai']);
    const { providers } = resolveProviders(
      configFrom(env, { providers: { openai: { base_url: 'http://127.0.0.1:9/v1' } } }),
      env,
    );
    expect(providers[0].baseURL).toBe(fake.baseURL);
  });

  it('with no OLLAMA_BASE_URL and no config entry, Ollama is a probe at its default address, not a provider', () => {
    const env = fakeEnv(fake, ['openai']);
    const { providers, ollamaProbe } = resolveProviders(configFrom(env), env);
    expect(providers.map((p) => p.name)).toEqual(['openai']);
    expect(ollamaProbe).toMatchObject({ name: 'ollama', baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.2', tier: 1 });
  });

  it('an ollama entry in the config file enables it without the env var', () => {
    const env = fakeEnv(fake, []);
    const { providers, ollamaProbe } = resolveProviders(
      configFrom(env, { providers: { ollama: { base_url: fake.baseURL } } }),
      env,
    );
    expect(providers.map((p) => [p.name, p.baseURL])).toEqual([['ollama', fake.baseURL]]);
    expect(ollamaProbe).toBeUndefined();
  });
});

describe('extra OpenAI-compatible providers from config', () => {
  const OPENROUTER = (fakeOrigin: string) => ({
    base_url: `${fakeOrigin}/openrouter/api/v1`,
    api_key_env: 'OPENROUTER_API_KEY',
    model: 'fake-router',
    price_input: 1,
    price_output: 4,
    tier: 3,
  });

  it('one from a config file answers through the openai SDK at its base_url with its key and prices', async () => {
    const h = makeRouter(fake, {
      names: ['openai'],
      env: { OPENROUTER_API_KEY: 'or-test-key' },
      file: { providers: { openrouter: OPENROUTER(fake.origin) } },
    });
    expect((await h.router.list()).map((p) => p.name)).toEqual(['openai', 'openrouter']);
    fake.script['fake-router'] = { answer: ANSWER };
    const res = await h.router.completeWith('openrouter', REQ);
    expect(res).toMatchObject({
      provider: 'openrouter',
      text: ANSWER,
      model: 'fake-router',
      inputTokens: 8,
      outputTokens: 4,
      costUsd: 2.4e-5,
    });
    const [r] = fake.requests;
    expect(r.path).toBe('/openrouter/api/v1/chat/completions');
    expect(r.headers.authorization).toBe('Bearer or-test-key');
    expect((r.body as { model: string }).model).toBe('fake-router');
    // tier 3 makes it the quality policy's first choice over openai (tier 2)
    expect((await h.router.chain({ policy: 'quality' })).map((p) => p.name)).toEqual(['openrouter', 'openai']);
  });

  it('one from a parsed config object works the same way', async () => {
    const env = { OPENROUTER_API_KEY: 'or-test-key' };
    const config = ConfigSchema.parse({ db: ':memory:', providers: { openrouter: OPENROUTER(fake.origin) } });
    const { providers } = resolveProviders(config, env);
    expect(providers.map((p) => ({ ...p, complete: typeof p.complete }))).toEqual([
      {
        name: 'openrouter',
        kind: 'openai-compatible',
        model: 'fake-router',
        baseURL: `${fake.origin}/openrouter/api/v1`,
        priceInput: 1,
        priceOutput: 4,
        tier: 3,
        complete: 'function',
      },
    ]);
    const res = await providers[0].complete(
      { prompt: 'ping', maxTokens: 5 },
      { signal: new AbortController().signal, timeoutMs: 5000 },
    );
    expect(res).toEqual({ text: 'echo: ping', model: 'fake-router', inputTokens: 1, outputTokens: 2 });
  });

  it('is not enabled while its api_key_env is unset', () => {
    const env = fakeEnv(fake, ['openai']);
    const { providers } = resolveProviders(configFrom(env, { providers: { openrouter: OPENROUTER(fake.origin) } }), env);
    expect(providers.map((p) => p.name)).toEqual(['openai']);
  });

  it('one without api_key_env (a local server) is enabled and sends no real key', async () => {
    const h = makeRouter(fake, {
      names: [],
      file: { providers: { 'local-vllm': { base_url: `${fake.origin}/vllm/v1`, model: 'fake-vllm' } } },
    });
    const [info] = await h.router.list();
    expect(info).toEqual({
      name: 'local-vllm',
      kind: 'openai-compatible',
      model: 'fake-vllm',
      baseURL: `${fake.origin}/vllm/v1`,
      priceInput: 0,
      priceOutput: 0,
      tier: 2,
    });
    const res = await h.router.completeWith('local-vllm', { prompt: 'hi', maxTokens: 3 });
    expect(res.text).toBe('echo: hi');
    expect(res.costUsd).toBe(0);
    expect(fake.requests[0].path).toBe('/vllm/v1/chat/completions');
    expect(fake.requests[0].headers.authorization).toBe('Bearer no-key');
  });

  it('SIXFOLD_<NAME>_MODEL overrides an extra provider’s model (dashes become underscores)', () => {
    const env = { SIXFOLD_LOCAL_VLLM_MODEL: 'env-model' };
    const { providers } = resolveProviders(
      configFrom(env, { providers: { 'local-vllm': { base_url: fake.baseURL, model: 'fake-vllm' } } }),
      env,
    );
    expect(providers.map((p) => p.model)).toEqual(['env-model']);
  });

  it('an extra provider of kind anthropic speaks the Messages API', async () => {
    const h = makeRouter(fake, {
      names: [],
      env: { PROXY_KEY: 'proxy-key-1' },
      file: {
        providers: {
          'claude-proxy': { kind: 'anthropic', base_url: fake.origin, api_key_env: 'PROXY_KEY', model: 'fake-proxy' },
        },
      },
    });
    const res = await h.router.completeWith('claude-proxy', REQ);
    expect(res.text).toBe('echo: What is the capital of France?');
    expect(fake.requests[0].path).toBe('/v1/messages');
    expect(fake.requests[0].headers.authorization).toBe('Bearer proxy-key-1');
    expect(fake.requests[0].headers['anthropic-version']).toEqual(expect.any(String));
  });

  it('one without base_url is a config error naming the key and the file', () => {
    const dir = tempDir();
    try {
      const path = `${dir.path}/bad.json`;
      writeFileSync(path, JSON.stringify({ providers: { openrouter: { api_key_env: 'OPENROUTER_API_KEY', model: 'x' } } }));
      let err: unknown;
      try {
        configFrom({ SIXFOLD_CONFIG: path });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SixfoldError);
      expect((err as SixfoldError).code).toBe('config');
      expect((err as SixfoldError).message).toBe(
        `Invalid config key "providers.openrouter.base_url" from config file ${path}: required for a provider that is not built in (anthropic, openai, gemini, ollama).`,
      );
    } finally {
      dir.remove();
    }
  });

  it('a built-in without base_url in the config file is fine', () => {
    const env = fakeEnv(fake, ['openai']);
    expect(() => configFrom(env, { providers: { openai: { model: 'm' }, anthropic: { tier: 2 } } })).not.toThrow();
  });
});
