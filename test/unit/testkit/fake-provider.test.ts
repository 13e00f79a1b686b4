import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { float32Base64, hashVector, startFakeProvider, type FakeProvider } from '../../../testkit/fake-provider.js';

/** The fake provider itself: its wire format is what the embedder tests rely on. */
let fake: FakeProvider;
beforeEach(async () => {
  fake = await startFakeProvider();
});
afterEach(async () => {
  await fake.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('fake provider', () => {
  it('listens on loopback with an OS-chosen port, base URL ending in /v1', () => {
    expect(fake.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(fake.baseURL).not.toBe('http://127.0.0.1:0/v1');
  });

  it('hashVector is deterministic, seeded and in [-1, 1)', () => {
    const a = hashVector(1, 'text', 8);
    expect(a).toEqual(hashVector(1, 'text', 8));
    expect(a).not.toEqual(hashVector(2, 'text', 8));
    expect(a).not.toEqual(hashVector(1, 'texu', 8));
    expect(a).toHaveLength(8);
    expect(a.every((x) => x >= -1 && x < 1 && Math.fround(x) === x)).toBe(true);
    expect(hashVector(1, 'text', 12).slice(0, 8)).toEqual(a);
  });

  it('answers /v1/embeddings in the OpenAI list format and records the request', async () => {
    const r = await post('/embeddings', { model: 'm', input: ['one two', 'three'] }, { authorization: 'Bearer k-1' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: hashVector(1, 'one two', 8) },
        { object: 'embedding', index: 1, embedding: hashVector(1, 'three', 8) },
      ],
      model: 'm',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    expect(fake.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/embeddings', body: { model: 'm', input: ['one two', 'three'] } }),
    ]);
    expect(fake.requests[0].headers.authorization).toBe('Bearer k-1');
  });

  it('takes a single string input, honours dimensions and scripted dims and embed functions', async () => {
    expect((await post('/embeddings', { model: 'm', input: 'solo' })).json.data).toEqual([
      { object: 'embedding', index: 0, embedding: hashVector(1, 'solo', 8) },
    ]);
    const d = (await post('/embeddings', { model: 'm', input: 'x', dimensions: 3 })).json.data as { embedding: number[] }[];
    expect(d[0].embedding).toHaveLength(3);
    fake.script.m = { dims: 5, embed: (text, dims) => Array.from({ length: dims }, (_, i) => text.length + i) };
    const e = (await post('/embeddings', { model: 'm', input: ['abc'] })).json.data as { embedding: number[] }[];
    expect(e[0].embedding).toEqual([3, 4, 5, 6, 7]);
    fake.script.m = { wrongLength: 2 };
    const w = (await post('/embeddings', { model: 'm', input: ['abc'], dimensions: 8 })).json.data as { embedding: number[] }[];
    expect(w[0].embedding).toHaveLength(2);
  });

  it('encodes base64 as float32 little-endian, which the openai client decodes', async () => {
    const r = await post('/embeddings', { model: 'm', input: ['b64'], encoding_format: 'base64' });
    const [item] = r.json.data as { embedding: string }[];
    expect(item.embedding).toBe(float32Base64(hashVector(1, 'b64', 8)));
    expect(float32Base64([1, -2])).toBe(Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]).toString('base64'));
    // The openai client asks for base64 when no encoding_format is given, and decodes it.
    const client = new OpenAI({ apiKey: 'k', baseURL: fake.baseURL, maxRetries: 0 });
    const res = await client.embeddings.create({ model: 'm', input: 'b64' });
    expect((fake.requests[1].body as { encoding_format: string }).encoding_format).toBe('base64');
    expect(res.data[0].embedding).toEqual(hashVector(1, 'b64', 8));
  });

  it('answers a scripted status with an OpenAI-style error; 401 echoes the key; times limits it', async () => {
    fake.script.m = { status: 401 };
    const r = await post('/embeddings', { model: 'm', input: 'x' }, { authorization: 'Bearer sk-abc' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error: {
        message: 'Incorrect API key provided: sk-abc.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(r.headers.get('retry-after-ms')).toBe('0');
    expect((await post('/embeddings', { model: 'other', input: 'x' })).status).toBe(200);

    fake.script.m = { status: 500, times: 2, errorMessage: 'boom', headers: { 'x-should-retry': 'false' } };
    const e = await post('/embeddings', { model: 'm', input: 'x' });
    expect(e.status).toBe(500);
    expect(e.headers.get('x-should-retry')).toBe('false');
    expect(e.json).toEqual({ error: { message: 'boom', type: 'server_error', param: null, code: null } });
    expect((await post('/embeddings', { model: 'm', input: 'x' })).status).toBe(500);
    expect((await post('/embeddings', { model: 'm', input: 'x' })).status).toBe(200);
  });

  it('rejects bad requests and unknown routes', async () => {
    expect((await post('/embeddings', '{not json')).status).toBe(400);
    expect((await post('/embeddings', { input: 'x' })).status).toBe(400);
    expect((await post('/embeddings', { model: 'm', input: [] })).status).toBe(400);
    expect((await post('/embeddings', { model: 'm', input: [1] })).status).toBe(400);
    const nf = await post('/nope', {});
    expect(nf.status).toBe(404);
    expect((nf.json.error as { message: string }).message).toBe('No route POST /v1/nope.');
    expect(fake.requests).toHaveLength(5);
  });

  it('closes even with a keep-alive client connection open', async () => {
    await new OpenAI({ apiKey: 'k', baseURL: fake.baseURL, maxRetries: 0 }).embeddings.create({ model: 'm', input: 'x' });
    await fake.close();
    await expect(fetch(`${fake.baseURL}/embeddings`, { method: 'POST', body: '{}' })).rejects.toThrow();
    fake = await startFakeProvider(); // for afterEach
  });
});
