import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SixfoldError } from '../../../src/errors.js';
import { resolveProviders } from '../../../src/router/registry.js';
import { sleep as realSleep } from '../../../src/router/retry.js';
import { Router } from '../../../src/router/router.js';
import { startFakeProvider, type FakeProvider } from '../../../testkit/fake-provider.js';
import { rejection } from '../helpers.js';
import {
  ALL,
  MODEL,
  REQ,
  T0,
  callRows,
  captureLog,
  configFrom,
  controlPerformanceClock,
  makeRouter,
  onCleanup,
  openDb,
  providerError,
  requestsFor,
  runCleanups,
  type BuiltIn,
} from './harness.js';

/**
 * The router against the loopback fake: policy order, retry with backoff and Retry-After,
 * fallback, circuit breaker, cancellation, timeouts, accounting and the Ollama probe. Retry delays
 * go to an injected sleep (recorded, resolved at once); the wall clock is injected.
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

const names = (ps: Array<{ name: string }>) => ps.map((p) => p.name);
const count = (p: BuiltIn) => requestsFor(fake, MODEL[p]).length;

describe('policies', () => {
  it('cost: cheapest first by input + output price (ollama 0, openai 2.0, gemini 2.8, anthropic 18)', async () => {
    const { router } = makeRouter(fake);
    expect(names(await router.chain())).toEqual(['ollama', 'openai', 'gemini', 'anthropic']);
    expect(names(await router.chain({ policy: 'cost' }))).toEqual(['ollama', 'openai', 'gemini', 'anthropic']);
  });

  it('cost: prices from the config file change the order', async () => {
    const { router } = makeRouter(fake, {
      file: { providers: { anthropic: { price_input: 0.01, price_output: 0.01 }, ollama: { price_input: 5, price_output: 5 } } },
    });
    expect(names(await router.chain({ policy: 'cost' }))).toEqual(['anthropic', 'openai', 'gemini', 'ollama']);
  });

  it('quality: highest tier first, then cheaper', async () => {
    const { router } = makeRouter(fake);
    expect(names(await router.chain({ policy: 'quality' }))).toEqual(['anthropic', 'openai', 'gemini', 'ollama']);
  });

  it('the configured policy applies when the call names none', async () => {
    const { router } = makeRouter(fake, { router: { policy: 'quality' } });
    expect(names(await router.chain())).toEqual(['anthropic', 'openai', 'gemini', 'ollama']);
  });

  it('latency: by EWMA of measured latency once calls were made; unmeasured providers first', async () => {
    const perf = controlPerformanceClock();
    // Each answer moves the clock while its call is in flight: exact, scripted latencies.
    const slow = (ms: number) => () => {
      perf.advance(ms);
      return 'ok';
    };
    fake.script[MODEL.openai] = { answer: slow(100) };
    fake.script[MODEL.gemini] = { answer: slow(20) };
    const { router } = makeRouter(fake, { names: ['openai', 'gemini', 'ollama'] });
    // Nothing measured: ties broken by price.
    expect(names(await router.chain({ policy: 'latency' }))).toEqual(['ollama', 'openai', 'gemini']);
    await router.completeWith('openai', REQ);
    await router.completeWith('gemini', REQ);
    expect(names(await router.chain({ policy: 'latency' }))).toEqual(['ollama', 'gemini', 'openai']);
    fake.script[MODEL.ollama] = { answer: slow(60) };
    await router.completeWith('ollama', REQ);
    expect(names(await router.chain({ policy: 'latency' }))).toEqual(['gemini', 'ollama', 'openai']);
    // EWMA (alpha 0.3), not the last sample: gemini 20 then 200 → 0.3·200 + 0.7·20 = 74 > ollama 60.
    fake.script[MODEL.gemini] = { answer: slow(200) };
    await router.completeWith('gemini', REQ);
    const ewma = Object.fromEntries(router.stats().map((s) => [s.name, s.ewma_latency_ms]));
    expect(ewma).toEqual({ openai: 100, gemini: 74, ollama: 60 });
    expect(names(await router.chain({ policy: 'latency' }))).toEqual(['ollama', 'gemini', 'openai']);
    // The cost order is unchanged by any of this.
    expect(names(await router.chain({ policy: 'cost' }))).toEqual(['ollama', 'openai', 'gemini']);
  });

  it('explicit: only the named provider', async () => {
    const { router } = makeRouter(fake, { router: { provider: 'anthropic' } });
    expect(names(await router.chain({ policy: 'explicit', provider: 'gemini' }))).toEqual(['gemini']);
    expect(names(await router.chain({ provider: 'gemini' }))).toEqual(['gemini']); // a name implies explicit
    expect(names(await router.chain({ policy: 'explicit' }))).toEqual(['anthropic']); // router.provider
  });

  it('explicit: complete() asks the named provider and nobody else, even when it fails', async () => {
    fake.script[MODEL.gemini] = { status: 400 };
    const { router } = makeRouter(fake);
    const err = await rejection(router.complete(REQ, { provider: 'gemini' }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('Every provider failed: gemini: request refused (HTTP 400): Bad request.');
    expect(fake.requests).toHaveLength(1);
    expect(count('gemini')).toBe(1);
  });

  it('explicit without a provider name is an error saying what to pass', async () => {
    const { router } = makeRouter(fake);
    const err = await rejection(router.chain({ policy: 'explicit' }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe('Policy "explicit" needs a provider name.');
    expect(err.hint).toBe('Pass provider, or set router.provider in the config.');
  });

  it('min_tier filters out lower tiers, from the call or the config', async () => {
    const { router } = makeRouter(fake);
    expect(names(await router.chain({ minTier: 2 }))).toEqual(['openai', 'gemini', 'anthropic']);
    expect(names(await router.chain({ minTier: 3 }))).toEqual(['anthropic']);
    const h2 = makeRouter(fake, { router: { min_tier: 2 } });
    expect(names(await h2.router.chain({ policy: 'quality' }))).toEqual(['anthropic', 'openai', 'gemini']);
    expect(names(await h2.router.chain({ minTier: 1 }))).toEqual(['ollama', 'openai', 'gemini', 'anthropic']);
  });

  it('min_tier nobody meets is "unavailable", listing the tiers there are', async () => {
    const { router } = makeRouter(fake, { names: ['openai', 'ollama'] });
    const err = await rejection(router.chain({ minTier: 3 }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('No configured provider has quality tier >= 3.');
    expect(err.hint).toBe('Configured: openai (tier 2), ollama (tier 1).');
  });

  it('only: a subset, in policy order, combined with min_tier', async () => {
    const { router } = makeRouter(fake);
    expect(names(await router.chain({ only: ['anthropic', 'gemini', 'ollama'] }))).toEqual(['ollama', 'gemini', 'anthropic']);
    expect(names(await router.chain({ only: ['anthropic', 'gemini', 'ollama'], policy: 'quality' }))).toEqual([
      'anthropic',
      'gemini',
      'ollama',
    ]);
    expect(names(await router.chain({ only: ['gemini', 'ollama'], minTier: 2 }))).toEqual(['gemini']);
  });

  it('an unknown provider name is an error naming the configured ones', async () => {
    const { router } = makeRouter(fake);
    for (const p of [
      router.chain({ only: ['openai', 'nope'] }),
      router.chain({ provider: 'nope' }),
      router.completeWith('nope', REQ),
      router.complete(REQ, { provider: 'nope' }),
    ]) {
      const err = await rejection(p);
      expect(err.code).toBe('invalid_input');
      expect(err.message).toBe('Provider "nope" is not configured.');
      expect(err.hint).toBe('Configured providers: anthropic, openai, gemini, ollama.');
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('retry and fallback', () => {
  it('429 with retry-after-ms: sleeps at least that long, then succeeds on the retry', async () => {
    fake.script[MODEL.openai] = { status: 429, times: 1, headers: { 'retry-after-ms': '1500' } };
    const h = makeRouter(fake, { names: ['openai', 'gemini'] });
    const res = await h.router.complete(REQ);
    expect(res).toMatchObject({ provider: 'openai', attempts: 2, text: 'echo: What is the capital of France?' });
    expect(h.sleeps).toEqual([1500]); // jitter (random 0.5 of 100 ms) is shorter: the header wins
    expect(count('openai')).toBe(2);
    expect(count('gemini')).toBe(0);
    expect(callRows(h.db).map((r) => [r.provider, r.outcome, r.error])).toEqual([
      ['openai', 'rate_limit', 'openai: rate limited (HTTP 429)'],
      ['openai', 'ok', null],
    ]);
  });

  it('429 with Retry-After in seconds: the sleep is never below it, whatever the jitter', async () => {
    // The fake adds `retry-after-ms: 0` to errors by default; blank it so only Retry-After speaks.
    fake.script[MODEL.anthropic] = { status: 429, times: 2, headers: { 'retry-after': '3', 'retry-after-ms': '' } };
    const h = makeRouter(fake, { names: ['anthropic'], random: () => 0.9999, router: { backoff_base_ms: 1000 } });
    const res = await h.router.completeWith('anthropic', REQ);
    expect(res.attempts).toBe(3);
    // attempt 0: max(3000, ~1000) = 3000; attempt 1: max(3000, ~2000) = 3000.
    expect(h.sleeps).toEqual([3000, 3000]);
    expect(h.sleeps.every((ms) => ms >= 3000)).toBe(true);
  });

  it('a jittered backoff longer than Retry-After is used as is', async () => {
    fake.script[MODEL.openai] = { status: 429, times: 1, headers: { 'retry-after-ms': '10' } };
    const h = makeRouter(fake, { names: ['openai'], random: () => 0.9999, router: { backoff_base_ms: 400 } });
    await h.router.completeWith('openai', REQ);
    expect(h.sleeps).toEqual([400]);
  });

  it('500 is retried with exponential backoff and then succeeds', async () => {
    fake.script[MODEL.gemini] = { status: 500, times: 2 };
    const h = makeRouter(fake, { names: ['gemini'] });
    const res = await h.router.completeWith('gemini', REQ);
    expect(res.attempts).toBe(3);
    expect(h.sleeps).toEqual([50, 100]); // random 0.5 of 100·2^0, 100·2^1 (the fake's retry-after-ms is 0)
    expect(count('gemini')).toBe(3);
    expect(
      h.lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'retrying')
        .map((l) => [l.provider, l.attempt, l.wait, l.kind]),
    ).toEqual([
      ['gemini', 0, 50, 'server'],
      ['gemini', 1, 100, 'server'],
    ]);
  });

  it('Anthropic 529 (overloaded) is a server error and retried', async () => {
    fake.script[MODEL.anthropic] = { status: 529, times: 1 };
    const h = makeRouter(fake, { names: ['anthropic'] });
    const res = await h.router.completeWith('anthropic', REQ);
    expect(res.attempts).toBe(2);
    expect(callRows(h.db)[0].outcome).toBe('server');
  });

  it.each([
    [401, 'auth', 'openai: key refused (HTTP 401)'],
    [403, 'auth', 'openai: key refused (HTTP 403)'],
    [400, 'bad_request', 'openai: request refused (HTTP 400): Bad request'],
    [404, 'bad_request', 'openai: request refused (HTTP 404): Not found'],
  ] as const)('%i is not retried (kind %s); complete() falls back to the next provider', async (status, kind, message) => {
    fake.script[MODEL.openai] = { status };
    const h = makeRouter(fake, { names: ['openai', 'gemini'] });
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect([err.provider, err.kind, err.status, err.message, err.retryable]).toEqual(['openai', kind, status, message, false]);
    expect(count('openai')).toBe(1);
    const res = await h.router.complete(REQ);
    expect(res).toMatchObject({ provider: 'gemini', attempts: 1 });
    expect(count('openai')).toBe(2);
    expect(count('gemini')).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('a malformed JSON body is a failure of kind malformed, not a crash, and falls back', async () => {
    fake.script[MODEL.openai] = { malformed: true };
    const h = makeRouter(fake, { names: ['openai', 'anthropic'] });
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect(err.kind).toBe('malformed');
    expect(err.message).toBe('openai: malformed response: Unexpected end of JSON input');
    expect(err.retryable).toBe(false);
    const res = await h.router.complete(REQ);
    expect(res.provider).toBe('anthropic');
    expect(count('openai')).toBe(2); // once per call: not retried
    expect(h.sleeps).toEqual([]);
    expect(callRows(h.db).map((r) => [r.provider, r.outcome])).toEqual([
      ['openai', 'malformed'],
      ['openai', 'malformed'],
      ['anthropic', 'ok'],
    ]);
  });

  it('a malformed Anthropic body is a failure too', async () => {
    fake.script[MODEL.anthropic] = { malformed: true };
    const h = makeRouter(fake, { names: ['anthropic'] });
    const err = await providerError(h.router.completeWith('anthropic', REQ));
    expect(err.kind).toBe('malformed');
  });

  it('retries exhausted: falls back to the next provider', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const h = makeRouter(fake, { names: ['openai', 'gemini'], router: { retries: 2 } });
    const res = await h.router.complete(REQ, { purpose: 'vote' });
    expect(res).toMatchObject({ provider: 'gemini', attempts: 1 });
    expect(count('openai')).toBe(3);
    expect(h.sleeps).toEqual([50, 100]);
    expect(callRows(h.db).map((r) => [r.provider, r.outcome, r.purpose])).toEqual([
      ['openai', 'server', 'vote'],
      ['openai', 'server', 'vote'],
      ['openai', 'server', 'vote'],
      ['gemini', 'ok', 'vote'],
    ]);
  });

  it('all fail: an "unavailable" SixfoldError listing each provider’s failure in chain order', async () => {
    fake.script[MODEL.ollama] = { status: 500 };
    fake.script[MODEL.openai] = { status: 401 };
    fake.script[MODEL.gemini] = { malformed: true };
    fake.script[MODEL.anthropic] = { status: 400, errorMessage: 'max_tokens: too large.' };
    const h = makeRouter(fake, { router: { retries: 1 } });
    const err = await rejection(h.router.complete(REQ));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(
      'Every provider failed: ollama: server error (HTTP 500): The server had an error while processing your request; ' +
        'openai: key refused (HTTP 401); gemini: malformed response: Unexpected end of JSON input; ' +
        'anthropic: request refused (HTTP 400): max_tokens: too large.',
    );
    expect(err.hint).toBe('Check the providers in sixfold://router/stats, or retry later.');
    expect([count('ollama'), count('openai'), count('gemini'), count('anthropic')]).toEqual([2, 1, 1, 1]);
  });

  it('Retry-After longer than backoff_max_ms: falls back at once, without sleeping', async () => {
    fake.script[MODEL.openai] = { status: 429, headers: { 'retry-after-ms': '60000' } };
    const h = makeRouter(fake, { names: ['openai', 'gemini'], router: { backoff_max_ms: 8000, retries: 5 } });
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect([err.kind, err.retryAfterMs]).toEqual(['rate_limit', 60_000]);
    const res = await h.router.complete(REQ);
    expect(res.provider).toBe('gemini');
    expect(h.sleeps).toEqual([]);
    expect(count('openai')).toBe(2);
  });

  it('retries: 0 means one attempt', async () => {
    fake.script[MODEL.openai] = { status: 503 };
    const h = makeRouter(fake, { names: ['openai'], router: { retries: 0 } });
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect(err.kind).toBe('server');
    expect(err.status).toBe(503);
    expect(count('openai')).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('a connection refused is a network failure, retried, then falls back', async () => {
    const dead = await startFakeProvider();
    await dead.close();
    const h = makeRouter(fake, { names: ['openai', 'gemini'], env: { OPENAI_BASE_URL: dead.baseURL } });
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/^openai: connection failed: /);
    expect(h.sleeps).toEqual([50, 100]);
    const res = await h.router.complete(REQ);
    expect(res.provider).toBe('gemini');
  });
});

describe('circuit breaker', () => {
  it('opens after breaker_failures consecutive failures; the provider is then skipped until the cool-down, then probed', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const h = makeRouter(fake, {
      names: ['openai', 'gemini'],
      router: { retries: 0, breaker_failures: 3, breaker_cooldown_ms: 30_000 },
    });
    for (let i = 0; i < 3; i++) expect((await h.router.complete(REQ)).provider).toBe('gemini');
    expect(count('openai')).toBe(3);
    const st = () => Object.fromEntries(h.router.stats().map((s) => [s.name, [s.breaker, s.consecutive_failures]]));
    expect(st()).toEqual({ openai: ['open', 3], gemini: ['closed', 0] });

    // Open: sorted last by every policy, and never called while gemini answers.
    expect(names(await h.router.chain({ policy: 'cost' }))).toEqual(['gemini', 'openai']);
    expect((await h.router.complete(REQ)).provider).toBe('gemini');
    // Asked directly, it is refused without a request reaching the provider.
    const refused = await providerError(h.router.completeWith('openai', REQ));
    expect([refused.kind, refused.message]).toEqual([
      'server',
      'openai: circuit open after 3 consecutive failures; next probe in 30s',
    ]);
    h.clock.t += 29_000;
    expect((await providerError(h.router.completeWith('openai', REQ))).message).toBe(
      'openai: circuit open after 3 consecutive failures; next probe in 1s',
    );
    const err = await rejection(h.router.complete(REQ, { only: ['openai'] }));
    expect(err.message).toBe('Every provider failed: openai: circuit open after 3 consecutive failures; next probe in 1s.');
    expect(count('openai')).toBe(3);

    // Cool-down over: half-open, and one probe goes out; it succeeds and closes the breaker.
    h.clock.t += 1_000;
    expect(st().openai).toEqual(['half_open', 3]);
    expect(names(await h.router.chain({ policy: 'cost' }))).toEqual(['openai', 'gemini']);
    fake.script[MODEL.openai] = {};
    expect((await h.router.complete(REQ)).provider).toBe('openai');
    expect(count('openai')).toBe(4);
    expect(st().openai).toEqual(['closed', 0]);
  });

  it('a failed probe re-opens it for a new cool-down', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const h = makeRouter(fake, { names: ['openai'], router: { retries: 0, breaker_failures: 2, breaker_cooldown_ms: 10_000 } });
    await providerError(h.router.completeWith('openai', REQ));
    await providerError(h.router.completeWith('openai', REQ));
    expect(h.router.stats()[0].breaker).toBe('open');
    h.clock.t += 10_000;
    const probe = await providerError(h.router.completeWith('openai', REQ));
    expect(probe.kind).toBe('server');
    expect(count('openai')).toBe(3);
    expect(h.router.stats()[0]).toMatchObject({ breaker: 'open', consecutive_failures: 3 });
    expect((await providerError(h.router.completeWith('openai', REQ))).message).toBe(
      'openai: circuit open after 3 consecutive failures; next probe in 10s',
    );
    expect(count('openai')).toBe(3);
  });

  it('with retries left, a failed probe is not followed by more requests to the provider', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const h = makeRouter(fake, { names: ['openai'], router: { retries: 3, breaker_failures: 2, breaker_cooldown_ms: 10_000 } });
    await providerError(h.router.completeWith('openai', REQ)); // attempts 1-2 open it; attempt 3 refused
    expect(count('openai')).toBe(2);
    h.clock.t += 10_000;
    const err = await providerError(h.router.completeWith('openai', REQ));
    // The probe's own failure re-opens the breaker; the caller is told why, not just that it is open.
    expect(err.message).toBe('openai: server error (HTTP 500): The server had an error while processing your request');
    expect(count('openai')).toBe(3);
  });

  it('half-open lets exactly one probe through; a cancelled probe is released for the next caller', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const h = makeRouter(fake, { names: ['openai'], router: { retries: 0, breaker_failures: 1, breaker_cooldown_ms: 5_000 } });
    await providerError(h.router.completeWith('openai', REQ));
    h.clock.t += 5_000;
    fake.script[MODEL.openai] = { hang: true };
    const ac = new AbortController();
    const probe = h.router.completeWith('openai', REQ, { signal: ac.signal });
    const second = await providerError(h.router.completeWith('openai', REQ));
    expect(second.message).toBe('openai: circuit open after 1 consecutive failures; next probe in 0s');
    const inFlight = await fake.arrived(1);
    ac.abort();
    expect((await providerError(probe)).kind).toBe('cancelled');
    await fake.closed(inFlight);
    expect(inFlight.aborted).toBe(true);
    expect(count('openai')).toBe(2);
    // The cancellation says nothing about health: not a failure, and the next caller probes.
    expect(h.router.stats()[0]).toMatchObject({ breaker: 'half_open', consecutive_failures: 1 });
    fake.script[MODEL.openai] = {};
    expect((await h.router.completeWith('openai', REQ)).text).toBe('echo: What is the capital of France?');
    expect(h.router.stats()[0]).toMatchObject({ breaker: 'closed', consecutive_failures: 0 });
  });

  it('failures must be consecutive: a success in between resets the count', async () => {
    const h = makeRouter(fake, { names: ['openai'], router: { retries: 0, breaker_failures: 2 } });
    fake.script[MODEL.openai] = { status: 500, times: 1 };
    await providerError(h.router.completeWith('openai', REQ));
    await h.router.completeWith('openai', REQ);
    fake.script[MODEL.openai] = { status: 500, times: 1 };
    await providerError(h.router.completeWith('openai', REQ));
    expect(h.router.stats()[0]).toMatchObject({ breaker: 'closed', consecutive_failures: 1 });
  });
});

describe('cancellation and timeouts', () => {
  it.each(ALL)('%s: aborting mid-call rejects with kind cancelled and closes the request at the provider', async (name) => {
    fake.script[MODEL[name]] = { hang: true };
    const h = makeRouter(fake, { names: [name] });
    const ac = new AbortController();
    const call = h.router.completeWith(name, REQ, { signal: ac.signal, purpose: 'cancel-test' });
    const req = await fake.arrived(0);
    expect(fake.inFlight()).toBe(1);
    ac.abort();
    const err = await providerError(call);
    expect([err.provider, err.kind, err.message]).toEqual([name, 'cancelled', `${name}: request cancelled`]);
    await fake.closed(req);
    expect(req.aborted).toBe(true);
    expect(fake.inFlight()).toBe(0);
    expect(fake.requests).toHaveLength(1); // not retried
    expect(h.sleeps).toEqual([]);
    expect(callRows(h.db).map((r) => [r.provider, r.outcome, r.purpose, r.error])).toEqual([
      [name, 'cancelled', 'cancel-test', `${name}: request cancelled`],
    ]);
    expect(h.router.stats()[0]).toMatchObject({ breaker: 'closed', consecutive_failures: 0 });
  });

  it('complete(): a cancelled call is not retried or passed to the next provider', async () => {
    fake.script[MODEL.openai] = { hang: true };
    const h = makeRouter(fake, { names: ['openai', 'gemini'] });
    const ac = new AbortController();
    const call = h.router.complete(REQ, { signal: ac.signal });
    const req = await fake.arrived(0);
    ac.abort();
    const err = await rejection(call);
    expect([err.code, err.message]).toEqual(['unavailable', 'The request was cancelled.']);
    await fake.closed(req);
    expect(req.aborted).toBe(true);
    expect(fake.requests).toHaveLength(1);
    expect(count('gemini')).toBe(0);
  });

  it('an already-aborted signal sends nothing', async () => {
    const h = makeRouter(fake, { names: ['openai', 'gemini'] });
    const err = await rejection(h.router.complete(REQ, { signal: AbortSignal.abort() }));
    expect(err.message).toBe('The request was cancelled.');
    expect(fake.requests).toHaveLength(0);
  });

  it('aborting during a retry backoff stops the retries with kind cancelled', async () => {
    fake.script[MODEL.openai] = { status: 500 };
    const ac = new AbortController();
    // The injected sleep aborts the caller's signal, then sleeps for real on it: the abort wins.
    const h = makeRouter(fake, {
      names: ['openai', 'gemini'],
      sleep: (ms, signal) => {
        ac.abort();
        return realSleep(ms + 3_600_000, signal);
      },
    });
    const err = await providerError(h.router.completeWith('openai', REQ, { signal: ac.signal }));
    expect([err.kind, err.message]).toEqual(['cancelled', 'openai: request cancelled']);
    expect(h.sleeps).toEqual([50]);
    expect(count('openai')).toBe(1);
  });

  it.each(['openai', 'anthropic'] as const)(
    '%s: a call slower than timeoutMs fails with kind timeout and is closed at the provider',
    async (name) => {
      fake.script[MODEL[name]] = { hang: true };
      const h = makeRouter(fake, { names: [name, 'gemini'], router: { retries: 1 } });
      const err = await providerError(h.router.completeWith(name, REQ, { timeoutMs: 100 }));
      expect([err.kind, err.message, err.retryable]).toEqual(['timeout', `${name}: timed out`, true]);
      // Retryable: two attempts, each closed by the client when its time ran out.
      expect(requestsFor(fake, MODEL[name])).toHaveLength(2);
      for (const r of fake.requests) {
        await fake.closed(r);
        expect(r.aborted).toBe(true);
      }
      expect(h.sleeps).toEqual([50]);
      expect(callRows(h.db).map((r) => r.outcome)).toEqual(['timeout', 'timeout']);
    },
  );

  it('router.timeout_ms is the default per-call timeout, and complete() falls back after it', async () => {
    fake.script[MODEL.openai] = { hang: true };
    const h = makeRouter(fake, { names: ['openai', 'gemini'], router: { timeout_ms: 100, retries: 0 } });
    const res = await h.router.complete(REQ);
    expect(res.provider).toBe('gemini');
    expect(callRows(h.db).map((r) => [r.provider, r.outcome])).toEqual([
      ['openai', 'timeout'],
      ['gemini', 'ok'],
    ]);
  });
});

describe('accounting', () => {
  const FILE = {
    providers: {
      openai: { price_input: 0.5, price_output: 1.5 },
      gemini: { price_input: 1, price_output: 2 }, // dearer than openai: openai is first by cost
    },
  };

  it('each attempt writes one llm_calls row: provider, model, purpose, outcome, tokens, cost, latency, error', async () => {
    const perf = controlPerformanceClock();
    fake.script[MODEL.openai] = {
      status: 500,
      times: 1,
      answer: () => {
        perf.advance(40);
        return 'Paris is the capital.';
      },
    };
    const h = makeRouter(fake, { names: ['openai', 'gemini'], file: FILE });
    const res = await h.router.complete(REQ, { purpose: 'vote' });
    expect(res).toEqual({
      text: 'Paris is the capital.',
      model: MODEL.openai,
      inputTokens: 8,
      outputTokens: 4,
      provider: 'openai',
      costUsd: 1e-5,
      latencyMs: 40,
      attempts: 2,
    });
    h.clock.t += 5;
    await h.router.completeWith('gemini', { prompt: 'one two three', maxTokens: 5 });
    expect(callRows(h.db)).toEqual([
      {
        id: 1,
        at: T0,
        provider: 'openai',
        model: MODEL.openai,
        purpose: 'vote',
        outcome: 'server',
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        latency_ms: 0,
        error: 'openai: server error (HTTP 500): The server had an error while processing your request',
      },
      {
        id: 2,
        at: T0,
        provider: 'openai',
        model: MODEL.openai,
        purpose: 'vote',
        outcome: 'ok',
        input_tokens: 8,
        output_tokens: 4,
        cost_usd: 1e-5,
        latency_ms: 40,
        error: null,
      },
      {
        // "echo: one two three" is 4 words: (3·1 + 4·2) / 1e6
        id: 3,
        at: T0 + 5,
        provider: 'gemini',
        model: MODEL.gemini,
        purpose: 'call',
        outcome: 'ok',
        input_tokens: 3,
        output_tokens: 4,
        cost_usd: 1.1e-5,
        latency_ms: 0,
        error: null,
      },
    ]);
  });

  it('stats() aggregates calls, ok, failed, tokens and cost per provider, with EWMA latency and breaker state', async () => {
    const perf = controlPerformanceClock();
    const after = (ms: number, text: string) => () => {
      perf.advance(ms);
      return text;
    };
    const h = makeRouter(fake, {
      names: ['openai', 'gemini', 'anthropic'],
      file: FILE,
      router: { retries: 0, breaker_failures: 2 },
    });
    fake.script[MODEL.openai] = { answer: after(10, 'a b') };
    await h.router.completeWith('openai', { prompt: 'x y z w', maxTokens: 5 }); // 4 in, 2 out
    fake.script[MODEL.openai] = { answer: after(50, 'a b c d e f') };
    await h.router.completeWith('openai', { prompt: 'x y', maxTokens: 5 }); // 2 in, 6 out
    fake.script[MODEL.openai] = { status: 500 };
    await providerError(h.router.completeWith('openai', REQ));
    fake.script[MODEL.gemini] = { status: 500 };
    await providerError(h.router.completeWith('gemini', REQ));
    await providerError(h.router.completeWith('gemini', REQ));
    await providerError(h.router.completeWith('gemini', REQ)); // refused by the open breaker: no row
    const byName = Object.fromEntries(h.router.stats().map((s) => [s.name, s]));
    expect(byName.openai).toEqual({
      name: 'openai',
      kind: 'openai-compatible',
      model: MODEL.openai,
      baseURL: fake.baseURL,
      priceInput: 0.5,
      priceOutput: 1.5,
      tier: 2,
      calls: 3,
      ok: 2,
      failed: 1,
      input_tokens: 6,
      output_tokens: 8,
      cost_usd: (4 * 0.5 + 2 * 1.5) / 1e6 + (2 * 0.5 + 6 * 1.5) / 1e6,
      ewma_latency_ms: 22, // 0.3·50 + 0.7·10
      breaker: 'closed',
      consecutive_failures: 1,
    });
    expect(byName.gemini).toMatchObject({
      calls: 2,
      ok: 0,
      failed: 2,
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      ewma_latency_ms: null,
      breaker: 'open',
      consecutive_failures: 2,
    });
    expect(byName.anthropic).toMatchObject({
      calls: 0,
      ok: 0,
      failed: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      ewma_latency_ms: null,
      breaker: 'closed',
      consecutive_failures: 0,
    });
    expect(Object.keys(byName)).toEqual(['anthropic', 'openai', 'gemini']);
  });

  it('a DB that cannot record does not fail the call; it is logged', async () => {
    const h = makeRouter(fake, { names: ['openai'] });
    h.db.exec('DROP TABLE llm_calls');
    const res = await h.router.completeWith('openai', REQ);
    expect(res.provider).toBe('openai');
    expect(h.lines.map((l) => JSON.parse(l).msg)).toContain('could not record an LLM call');
  });
});

describe('no providers, and the Ollama probe', () => {
  it('no providers: "unavailable", and the hint names every way to configure one', async () => {
    const env = {};
    const config = configFrom(env);
    const { providers } = resolveProviders(config, env);
    expect(providers).toEqual([]);
    const router = new Router(providers, config.router, { db: openDb(), log: captureLog().log });
    expect(await router.list()).toEqual([]);
    for (const p of [router.chain(), router.complete(REQ)]) {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(SixfoldError);
      expect(err.code).toBe('unavailable');
      expect(err.message).toBe('No LLM provider is configured.');
      for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OLLAMA_BASE_URL'])
        expect(err.describe()).toContain(name);
    }
    const named = await rejection(router.completeWith('openai', REQ));
    expect(named.code).toBe('invalid_input');
    expect(named.hint).toContain('ANTHROPIC_API_KEY');
  });

  it('the probe enables Ollama when its URL answers GET …/models, checked once', async () => {
    const env = {};
    const config = configFrom(env);
    const { providers, ollamaProbe } = resolveProviders(config, env);
    expect(ollamaProbe).toBeDefined();
    const { log, lines } = captureLog();
    const router = new Router(providers, config.router, { db: openDb(), log }, { ...ollamaProbe!, baseURL: fake.baseURL });
    expect(await router.list()).toEqual([
      {
        name: 'ollama',
        kind: 'openai-compatible',
        model: 'llama3.2',
        baseURL: fake.baseURL,
        priceInput: 0,
        priceOutput: 0,
        tier: 1,
      },
    ]);
    expect(names(await router.chain())).toEqual(['ollama']);
    await router.list();
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/v1/models']]);
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'ollama answered; enabled')).toEqual([
      expect.objectContaining({ provider: 'ollama', baseURL: fake.baseURL }),
    ]);
  });

  it('the probe leaves Ollama out when nothing listens there', async () => {
    const dead = await startFakeProvider();
    await dead.close();
    const env = fakeEnvWithOpenAI();
    const config = configFrom(env);
    const { providers, ollamaProbe } = resolveProviders(config, env);
    const router = new Router(
      providers,
      config.router,
      { db: openDb(), log: captureLog().log },
      { ...ollamaProbe!, baseURL: dead.baseURL },
    );
    expect(names(await router.list())).toEqual(['openai']);
    expect(names(await router.chain())).toEqual(['openai']);
  });

  it('the probe leaves Ollama out when something else answers there with an error status', async () => {
    // Not Ollama: a server on that port that answers every request with 503.
    const other = createServer((_req, res) => res.writeHead(503).end('busy'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const seen: string[] = [];
    other.on('request', (req) => seen.push(`${req.method} ${req.url}`));
    const env = {};
    const config = configFrom(env);
    const { ollamaProbe } = resolveProviders(config, env);
    const port = (other.address() as AddressInfo).port;
    const router = new Router(
      [],
      config.router,
      { db: openDb(), log: captureLog().log },
      { ...ollamaProbe!, baseURL: `http://127.0.0.1:${port}/v1` },
    );
    expect(await router.list()).toEqual([]);
    expect(seen).toEqual(['GET /v1/models']);
  });

  function fakeEnvWithOpenAI(): NodeJS.ProcessEnv {
    return { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: fake.baseURL };
  }
});
