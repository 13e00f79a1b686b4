import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redact } from '../../../src/router/providers/classify.js';
import { startFakeProvider, type FakeProvider } from '../../../testkit/fake-provider.js';
import { rejection } from '../helpers.js';
import { MODEL, REQ, callRows, makeRouter, providerError, runCleanups } from './harness.js';

/**
 * Keys never leave in an error message, the call log or a log line, even when a provider echoes
 * them back in its error body.
 */
const SK = 'sk-test-SECRET-4242';
const GSK = 'gsk_live_SECRET_77';
const ANT = 'sk-ant-api03-SECRET-99';

let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await runCleanups();
  await fake.close();
});

function harness() {
  return makeRouter(fake, {
    names: ['openai', 'anthropic'],
    env: { OPENAI_API_KEY: SK, ANTHROPIC_API_KEY: ANT, GROQ_API_KEY: GSK },
    file: {
      providers: {
        groq: {
          base_url: `${fake.origin}/openai/v1`,
          api_key_env: 'GROQ_API_KEY',
          model: 'fake-groq',
          price_input: 0.1,
          price_output: 0.1,
        },
      },
    },
    router: { retries: 1 },
  });
}

describe('redaction of provider keys', () => {
  it('the fake really echoes the key in its 401 body (the premise of these tests)', async () => {
    fake.script[MODEL.openai] = { status: 401 };
    const res = await fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL.openai, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain(SK);
  });

  it('a 401 echoing the key: not in the error, the llm_calls row or any trace log line', async () => {
    fake.script[MODEL.openai] = { status: 401 };
    fake.script[MODEL.anthropic] = { status: 401 };
    fake.script['fake-groq'] = { status: 401 };
    const h = harness();
    const errs = [
      await providerError(h.router.completeWith('openai', REQ)),
      await providerError(h.router.completeWith('anthropic', REQ)),
      await providerError(h.router.completeWith('groq', REQ)),
    ];
    expect(errs.map((e) => e.message)).toEqual([
      'openai: key refused (HTTP 401)',
      'anthropic: key refused (HTTP 401)',
      'groq: key refused (HTTP 401)',
    ]);
    // The keys did go out (so they could have come back).
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${SK}`, `Bearer ${ANT}`, `Bearer ${GSK}`]);
    const all = await rejection(h.router.complete(REQ));
    expect(all.describe()).not.toContain('SECRET');
    const rows = callRows(h.db);
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.error !== null && !r.error.includes('SECRET'))).toBe(true);
    expect(h.lines.join('\n')).not.toContain('SECRET');
  });

  it('error bodies that quote the key are redacted, not dropped: sk- keys and a non-sk key', async () => {
    fake.script[MODEL.openai] = { status: 500, errorMessage: `Upstream rejected key ${SK} for org-1.` };
    fake.script['fake-groq'] = { status: 400, errorMessage: `Invalid API Key: ${GSK}` };
    fake.script[MODEL.anthropic] = { status: 400, errorMessage: `key ${ANT} is not allowed` };
    const h = harness();

    const openai = await providerError(h.router.completeWith('openai', REQ));
    expect(openai.message).toBe('openai: server error (HTTP 500): Upstream rejected key [redacted] for org-1');
    const groq = await providerError(h.router.completeWith('groq', REQ));
    expect(groq.message).toBe('groq: request refused (HTTP 400): Invalid API Key: [redacted]');
    const anthropic = await providerError(h.router.completeWith('anthropic', REQ));
    expect(anthropic.message).toBe('anthropic: request refused (HTTP 400): key [redacted] is not allowed');

    const all = await rejection(h.router.complete(REQ));
    expect(all.message).toContain('[redacted]');
    expect(all.describe()).not.toContain('SECRET');

    const rows = callRows(h.db);
    // One call each (openai's 500 is retried once), then complete() along the cost order.
    expect(rows.map((r) => r.provider)).toEqual([
      'openai',
      'openai',
      'groq',
      'anthropic',
      'groq',
      'openai',
      'openai',
      'anthropic',
    ]);
    for (const r of rows) {
      expect(r.error).toContain('[redacted]');
      expect(r.error).not.toContain('SECRET');
    }

    // Trace logging saw the retries; none of its lines carries a key.
    expect(h.lines.length).toBeGreaterThan(0);
    expect(h.lines.some((l) => JSON.parse(l).msg === 'retrying')).toBe(true);
    for (const line of h.lines) expect(line).not.toContain('SECRET');
  });

  it('a key-shaped string that is not the provider’s own key is redacted too', async () => {
    fake.script[MODEL.openai] = {
      status: 400,
      errorMessage: 'Project key sk-proj-OTHERSECRET99 and AIzaSyA-SECRET-1234567890abcdef are not valid here',
    };
    const h = harness();
    const err = await providerError(h.router.completeWith('openai', REQ));
    expect(err.message).toBe('openai: request refused (HTTP 400): Project key [redacted] and [redacted] are not valid here');
  });

  it('redact(): the exact secret anywhere, any number of times; key shapes; short secrets are not used as patterns', () => {
    expect(redact(`a ${GSK} b ${GSK}`, GSK)).toBe('a [redacted] b [redacted]');
    expect(redact(`x-${SK}-y`, undefined)).toBe('x-[redacted]');
    expect(redact('nothing to see', GSK)).toBe('nothing to see');
    expect(redact('abc abc', 'abc')).toBe('abc abc');
  });
});
