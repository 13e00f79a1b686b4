/**
 * The sampling fallback over stdio and HTTP: no LLM provider configured, a client that declares
 * `sampling` and answers sampling/createMessage. generate_code, record_outcome's judge,
 * spawn_ephemeral and multi_model_vote (one voter, "client") are served by the client's model and
 * say so; without sampling the error is the one without keys, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, type CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';
import { TRANSPORTS, startFixture, type Fixture, type Session } from '../helpers/both.js';
import { callErr, callOk } from '../helpers/mcp.js';
import { resourceJson } from '../helpers/server.js';

const CODE = '```python\ndef add(a, b):\n    return a + b\n```';

/** The client's "model": answers by what the prompt asks, and records every request. */
function samplingClient(requests: CreateMessageRequest['params'][], refuse: { on: boolean }) {
  return {
    capabilities: { sampling: {} },
    setup: (client: Client) =>
      client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
        requests.push(req.params);
        if (refuse.on) throw new Error('the user declined');
        const text = (req.params.messages[0].content as { text: string }).text;
        const system = req.params.systemPrompt ?? '';
        let answer = 'hello from the client';
        if (/PASS or FAIL/i.test(system + text)) answer = 'PASS: adds two numbers as asked';
        else if (/code block|```/i.test(system + text)) answer = `Here it is:\n${CODE}`;
        else if (/Answer with exactly one of/i.test(text) || /choices/i.test(text)) answer = 'B';
        return { model: 'client-model-7', role: 'assistant' as const, content: { type: 'text' as const, text: answer } };
      }),
  };
}

describe.each(TRANSPORTS)('sampling fallback over %s', (kind) => {
  let f: Fixture;
  let main: Session;
  const requests: CreateMessageRequest['params'][] = [];
  const refuse = { on: false };

  beforeAll(async () => {
    f = await startFixture(kind, { client: samplingClient(requests, refuse) });
    main = f.main;
  });
  afterAll(async () => {
    await f?.close();
  });

  it("generate_code asks the client's model, says so, and links the trajectory; record_outcome can judge through it", async () => {
    const r = await main.client.callTool({
      name: 'generate_code',
      arguments: { task: 'add two numbers', language: 'python', use_memory: false },
    });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as {
      code: string;
      via: string;
      provider: string;
      model: string;
      source: string;
      trajectory_id: string;
      cost_usd: number;
    };
    expect(out).toMatchObject({ source: 'llm', via: 'sampling', provider: 'client', model: 'client-model-7', cost_usd: 0 });
    expect(out.code).toContain('def add(a, b)');
    expect((r.content as Array<{ text?: string }>)[0].text).toMatch(
      /your client's model client-model-7 \(sampling: no LLM provider is configured\)/,
    );
    const req = requests.at(-1)!;
    expect(req.maxTokens).toBeGreaterThan(0);
    expect(req.includeContext).toBe('none');
    expect((req.messages[0].content as { text: string }).text).toContain('add two numbers');
    const link = (r.content as Array<{ type: string; uri?: string }>).find((c) => c.type === 'resource_link');
    expect(link?.uri).toBe(`trajectory://${out.trajectory_id}`);
    const t = resourceJson<{ id: string; code: string; provider: string }>(await main.client.readResource({ uri: link!.uri! }));
    expect(t).toMatchObject({ id: out.trajectory_id, provider: 'client' });

    const judged = await callOk<{ judged: boolean; success: boolean; judge_reason: string }>(main.client, 'record_outcome', {
      trajectory_id: out.trajectory_id,
      judge: true,
    });
    expect(judged).toMatchObject({ judged: true, success: true, judge_reason: 'adds two numbers as asked' });
  });

  it("spawn_ephemeral runs its agents on the client's model", async () => {
    const r = await callOk<{
      via: string;
      agents: Array<{ status: string; result: string; provider: string }>;
      totals: { succeeded: number; cost_usd: number };
    }>(main.client, 'spawn_ephemeral', { task: 'Greet', inputs: ['one', 'two'], memory_k: 0 });
    expect(r.via).toBe('sampling');
    expect(r.totals).toMatchObject({ succeeded: 2, cost_usd: 0 });
    expect(r.agents.map((a) => [a.status, a.result, a.provider])).toEqual([
      ['succeeded', 'hello from the client', 'client'],
      ['succeeded', 'hello from the client', 'client'],
    ]);
  });

  it('multi_model_vote has one voter, "client"', async () => {
    const r = await callOk<{
      via: string;
      decision: string;
      votes: Array<{ provider: string; model: string }>;
      quorum_reached: boolean;
    }>(main.client, 'multi_model_vote', { prompt: 'A or B?', choices: ['A', 'B'] });
    expect(r).toMatchObject({ via: 'sampling', decision: 'B', quorum_reached: true });
    expect(r.votes.map((v) => [v.provider, v.model])).toEqual([['client', 'client-model-7']]);
    const single = await callOk<{ via: string; decision: string }>(main.client, 'multi_model_vote', {
      prompt: 'A or B?',
      choices: ['A', 'B'],
      critical: false,
    });
    expect(single).toMatchObject({ via: 'sampling', decision: 'B' });
  });

  it('a provider named while sampling stands in is refused; a refused sampling request is an error that says what to do', async () => {
    expect(await callErr(main.client, 'generate_code', { task: 't', language: 'python', provider: 'anthropic' })).toMatch(
      /Provider "anthropic" is not configured: no LLM provider is, so this call would use your client's model \(sampling\)/,
    );
    expect(await callErr(main.client, 'multi_model_vote', { prompt: 'x', providers: ['openai'] })).toMatch(
      /Provider "openai" is not configured/,
    );
    refuse.on = true;
    try {
      expect(await callErr(main.client, 'generate_code', { task: 'subtract', language: 'python', use_memory: false })).toMatch(
        /The client did not answer the sampling request .*the user declined.*Approve the request in your client, or configure an LLM provider key/,
      );
    } finally {
      refuse.on = false;
    }
  });

  it('a client without sampling gets the no-provider error, as before', async () => {
    const plain = await f.connect();
    expect(await callErr(plain.client, 'generate_code', { task: 'add', language: 'python' })).toMatch(
      /No LLM provider is configured\. Set ANTHROPIC_API_KEY/,
    );
    expect(await callErr(plain.client, 'spawn_ephemeral', { task: 'x', count: 1 })).toMatch(/No LLM provider is configured/);
    expect(await callErr(plain.client, 'multi_model_vote', { prompt: 'x' })).toMatch(/No LLM provider is configured/);
  });
});
