/**
 * spawn_ephemeral, list_agents, terminate_agent and agents://{run_id} end to end: the built server
 * over stdio, driven by the SDK Client, with the openai provider pointed at the loopback fake
 * provider (answers, delays and hangs scripted by prompt). Covers fan-out in input order, memory
 * written by one run loaded by the next, TTL expiry aborting the provider request, budget, the
 * concurrency limit at the fake, cancellation, terminate_agent, progress, the vote reduction,
 * bad input, a crash (SIGKILL) leaving no agent shown as running after restart, and (over
 * Streamable HTTP) one session listing and terminating the agents of another.
 *
 * Nothing sleeps to synchronise: "while agents are in flight" is an event from the fake.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { startFakeProvider, type FakeProvider, type RecordedRequest } from '../../testkit/fake-provider.js';
import { chatRequests, watchFake, type FakeWatch } from '../helpers/fake-watch.js';
import { callErr, callOk, expectMatchesSchema, search, tapProgress, type ProgressTap } from '../helpers/mcp.js';
import type { RunResult } from '../../src/patterns/ephemeral/run.js';
import {
  connectHttpClient,
  makeTempDir,
  resourceJson,
  startHttpServer,
  startStdioClient,
  withTimeout,
  type HttpClientHandle,
  type HttpServerHandle,
  type StdioClientHandle,
  type TempDir,
} from '../helpers/server.js';

const MODEL = 'fake-agent';
const KEY = 'sk-e2e-ephemeral-0000';
const EVENT_MS = 10_000;
/** The openai built-in's prices (USD per million tokens), which the fake provider is billed at. */
const PRICE_IN = 0.4;
const PRICE_OUT = 1.6;
const RESTARTED = 'server restarted while the agent was running';

/** The tool's structured result: the run's result plus the call's elapsed_ms. */
type Run = RunResult & { elapsed_ms: number };
interface Listed {
  id: string;
  run_id: string;
  role: string;
  status: string;
  phase: string;
  input_index: number;
  started_at: string | null;
  ended_at: string | null;
  error?: string;
}

/** The fake's answers: by what the agent's prompt carries. */
function reply(prompt: string): string {
  const input = /Your input \(\d+ of \d+\):\n(.*)/.exec(prompt)?.[1] ?? '';
  if (input.startsWith('secret of ')) return `The secret of ${input.slice(10)} is 42.`;
  if (input === 'verbose') return 'word '.repeat(2000).trim();
  const agent = /You are agent (\d+) of/.exec(prompt)?.[1];
  if (/^Task: .*capital vote/.test(prompt)) return ['Paris.', '"paris"', 'PARIS', 'Lyon'][Number(agent) - 1];
  return `did ${input || `agent ${agent}`}`;
}

describe('spawn_ephemeral over stdio, openai on the fake provider', () => {
  let fake: FakeProvider;
  let watch: FakeWatch;
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  let tools: Tool[];
  let wire: ProgressTap;
  let seq = 0;

  const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL });
  const tool = (name: string) => tools.find((t) => t.name === name)!;
  const spawn = (args: Record<string, unknown>) => callOk<Run>(client, 'spawn_ephemeral', args);
  const list = async (args: Record<string, unknown> = {}) =>
    (await callOk<{ agents: Listed[] }>(client, 'list_agents', args)).agents;
  /** A task no other call uses, so its requests at the fake can be picked out. */
  const task = (text: string) => `${text} [call ${++seq}]`;
  const requestsFor = (t: string): RecordedRequest[] =>
    chatRequests(fake.requests, MODEL).filter((r) => JSON.stringify(r.body).includes(t));
  const promptOf = (r: RecordedRequest) =>
    (r.body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === 'user')!.content;

  beforeAll(async () => {
    fake = await startFakeProvider();
    watch = watchFake(fake);
    tmp = makeTempDir('sixfold-e2e-ephemeral-');
    h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env: env() });
    client = h.client;
    wire = tapProgress(h.transport);
    tools = (await client.listTools()).tools;
  });

  afterAll(async () => {
    await h?.close();
    watch?.dispose();
    await fake?.close();
    tmp?.remove();
  });

  beforeEach(() => {
    for (const k of Object.keys(fake.script)) delete fake.script[k];
    fake.script[MODEL] = { answer: reply };
  });

  it('lists the three tools with truthful annotations and the agents:// template', async () => {
    expect(tool('spawn_ephemeral').inputSchema.required).toEqual(['task']);
    expect(tool('spawn_ephemeral').annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(tool('list_agents').annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tool('terminate_agent').annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      openWorldHint: false,
    });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('agents://{run_id}');
  });

  it('fans out one agent per input, results in input order, each with its own provider request', async () => {
    // Later inputs answer sooner, so finishing order is the reverse of input order.
    fake.script[MODEL] = { answer: reply, latencyMs: (p) => (p.includes('in-a') ? 150 : p.includes('in-b') ? 75 : 0) };
    const t = task('Process the item');
    const raw = await client.callTool({
      name: 'spawn_ephemeral',
      arguments: { task: t, inputs: ['in-a', 'in-b', 'in-c'], role: 'processor' },
    });
    expectMatchesSchema(tool('spawn_ephemeral').outputSchema, raw.structuredContent);
    const r = raw.structuredContent as unknown as Run;
    expect(r.agents.map((a) => [a.input_index, a.status, a.result])).toEqual([
      [0, 'succeeded', 'did in-a'],
      [1, 'succeeded', 'did in-b'],
      [2, 'succeeded', 'did in-c'],
    ]);
    expect(r.totals).toMatchObject({ spawned: 3, succeeded: 3, failed: 0, expired: 0 });
    expect(r.agents.every((a) => a.memories_written === 1 && a.provider === 'openai' && a.cost_usd > 0)).toBe(true);
    expect(r.totals.cost_usd).toBeCloseTo(
      r.agents.reduce((s, a) => s + a.cost_usd, 0),
      12,
    );
    const reqs = requestsFor(t);
    expect(reqs).toHaveLength(3);
    expect(
      reqs
        .map(promptOf)
        .map((p) => /Your input \(\d of 3\):\n(.*)/.exec(p)![1])
        .sort(),
    ).toEqual(['in-a', 'in-b', 'in-c']);
    expect((reqs[0].body as { messages: Array<{ role: string; content: string }> }).messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('"processor" agent'),
    });
    // The ledger has the run, finished, in input order, with every transition.
    const rows = await list({ run_id: r.run_id });
    expect(rows.map((a) => [a.input_index, a.status, a.role])).toEqual([
      [0, 'succeeded', 'processor'],
      [1, 'succeeded', 'processor'],
      [2, 'succeeded', 'processor'],
    ]);
    const doc = resourceJson<{
      run_id: string;
      agents: Array<Listed & { result: string; transitions: Array<{ phase: string }> }>;
    }>(await client.readResource({ uri: `agents://${r.run_id}` }));
    expect(doc.agents.map((a) => a.result)).toEqual(['did in-a', 'did in-b', 'did in-c']);
    expect(doc.agents[0].transitions.map((x) => x.phase)).toEqual(['queued', 'loading', 'executing', 'persisting', 'succeeded']);
  });

  it('loads in a later run what an earlier run wrote (same namespace), and nothing from another namespace', async () => {
    const t = task('Recall the secret');
    const first = await spawn({ task: t, inputs: ['secret of alpha'], namespace: 'carry', persist: true, memory_k: 3 });
    expect(first.agents[0]).toMatchObject({
      status: 'succeeded',
      memories_loaded: 0,
      memories_written: 1,
      result: 'The secret of alpha is 42.',
    });
    const found = await search(client, { query: 'secret of alpha', namespace: 'carry', k: 5 });
    expect(found.results[0]).toMatchObject({
      tier: 'long_term',
      metadata: { run_id: first.run_id, source: 'spawn_ephemeral', input_index: 0 },
    });

    const second = await spawn({ task: t, inputs: ['secret of alpha'], namespace: 'carry' });
    expect(second.agents[0].memories_loaded).toBe(1);
    const [, req] = requestsFor(t);
    expect(promptOf(req)).toContain('The secret of alpha is 42.');
    expect(promptOf(requestsFor(t)[0])).toContain('The shared memory holds nothing relevant yet.');
    // Without persist the result is a working-tier memory (it expires).
    const working = await search(client, { query: 'secret of alpha', namespace: 'carry', tier: 'working', k: 5 });
    expect(working.results.map((x) => x.metadata.run_id)).toEqual([second.run_id]);

    const elsewhere = await spawn({ task: t, inputs: ['secret of alpha'], namespace: 'other-ns' });
    expect(elsewhere.agents[0].memories_loaded).toBe(0);
  });

  it('TTL expiry aborts the provider request of that agent; the others finish', async () => {
    fake.script[MODEL] = { answer: reply, hang: (p) => p.includes('stuck') };
    const t = task('Handle the item');
    const r = await spawn({ task: t, inputs: ['stuck', 'fine'], ttl_ms: 400 });
    expect(r.agents[0]).toMatchObject({ status: 'expired', result: null, error: 'TTL of 400 ms expired', memories_written: 0 });
    expect(r.agents[1]).toMatchObject({ status: 'succeeded', result: 'did fine' });
    expect(r.totals).toMatchObject({ expired: 1, succeeded: 1 });
    const stuck = requestsFor(t).find((q) => promptOf(q).includes('stuck'))!;
    await withTimeout(fake.closed(stuck), EVENT_MS, 'the stuck request to close');
    expect(stuck.aborted).toBe(true);
    expect((await list({ run_id: r.run_id })).map((a) => a.status)).toEqual(['expired', 'succeeded']);
  });

  it('an agent over budget fails with the reason, the others continue; max_tokens is capped by the budget', async () => {
    const t = task('Describe the item');
    const budget = 0.001;
    const r = await spawn({ task: t, inputs: ['short', 'verbose', 'brief'], budget_usd: budget });
    expect(r.agents.map((a) => a.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(r.agents[1].result).toBeNull();
    expect(r.agents[1].memories_written).toBe(0);
    expect(r.agents[1].error).toMatch(
      /^budget exceeded: the call to openai cost \$0\.00\d+, over the budget of \$0\.001000; its result was discarded$/,
    );
    expect(r.agents[1].cost_usd).toBeGreaterThan(budget);
    // The cap: what the budget leaves after the prompt, at the output price.
    for (const q of requestsFor(t)) {
      const maxTokens = (q.body as { max_tokens: number }).max_tokens;
      expect(maxTokens).toBeLessThan(Math.floor((budget * 1e6) / PRICE_OUT));
      expect(maxTokens).toBeGreaterThan(Math.floor(((budget - (200 * PRICE_IN) / 1e6) * 1e6) / PRICE_OUT));
    }
    expect((await list({ run_id: r.run_id, status: 'failed' })).map((a) => a.error)).toEqual([r.agents[1].error]);
  });

  it('never has more than `concurrency` requests in flight at the fake', async () => {
    fake.script[MODEL] = { answer: reply, latencyMs: 100 };
    fake.resetMaxInFlight();
    const r = await spawn({ task: task('Count'), count: 9, concurrency: 3, memory_k: 0 });
    expect(r.totals.succeeded).toBe(9);
    expect(fake.maxInFlight()).toBe(3);
    expect(r.agents.map((a) => a.result)).toEqual(Array.from({ length: 9 }, (_, i) => `did agent ${i + 1}`));
  });

  it('sends one progress notification per finished agent', async () => {
    const got: unknown[] = [];
    await client.callTool(
      { name: 'spawn_ephemeral', arguments: { task: task('Report'), inputs: ['p1', 'p2', 'p3'], concurrency: 1 } },
      undefined,
      { onprogress: (x) => got.push(x) },
    );
    const sent = wire.forLastCall();
    expect(sent.map((x) => [x.progress, x.total, x.message])).toEqual([
      [1, 3, 'agent 1: succeeded'],
      [2, 3, 'agent 2: succeeded'],
      [3, 3, 'agent 3: succeeded'],
    ]);
    expect(got.length).toBeGreaterThan(0);
  });

  it('reduces by vote with the multi_model_vote normalisation, and by concatenation', async () => {
    const v = await spawn({ task: task('capital vote'), count: 4, reduce: 'vote', memory_k: 0 });
    expect(v.reduced).toEqual({ kind: 'vote', decision: 'paris', quorum_reached: true, agreement: 0.75, quorum: 3 });
    const c = await spawn({ task: task('Join'), inputs: ['x', 'y'], reduce: 'concat', memory_k: 0 });
    expect(c.reduced).toEqual({ kind: 'concat', text: 'did x\n\ndid y', agents: 2 });
  });

  it('cancelling the call cancels every agent and aborts their provider requests', async () => {
    fake.script[MODEL] = { answer: reply, hang: true };
    const t = task('Wait forever');
    const ac = new AbortController();
    const outcome = client
      .callTool({ name: 'spawn_ephemeral', arguments: { task: t, count: 5, concurrency: 2 } }, undefined, { signal: ac.signal })
      .then(
        () => 'resolved',
        () => 'rejected',
      );
    await watch.until(() => requestsFor(t).length === 2, EVENT_MS, 'two agent requests at the fake');
    const running = (await list({ status: 'running' })).filter((a) => a.phase === 'executing');
    expect(running).toHaveLength(2);
    const runId = running[0].run_id;
    ac.abort(new Error('the test cancels'));
    expect(await outcome).toBe('rejected');
    await watch.until(() => requestsFor(t).every((q) => q.aborted), EVENT_MS, 'both requests to be aborted');
    let rows = await list({ run_id: runId });
    for (let i = 0; i < 100 && rows.some((a) => a.status !== 'cancelled'); i++) rows = await list({ run_id: runId });
    expect(rows.map((a) => a.status)).toEqual(Array(5).fill('cancelled'));
    expect(requestsFor(t)).toHaveLength(2); // the three queued agents never called the provider
  });

  it('terminate_agent stops a running agent by id, and a whole run by run_id', async () => {
    fake.script[MODEL] = { answer: reply, hang: (p) => p.includes('\nstall-') };
    const t = task('Maybe block');
    const stalled = () => requestsFor(t).filter((q) => promptOf(q).includes('\nstall-'));
    const pending = spawn({ task: t, inputs: ['stall-1', 'ok', 'stall-2', 'stall-3'], concurrency: 2 });
    await watch.until(() => stalled().length === 2, EVENT_MS, 'two hanging requests');
    const live = await list({ status: 'running' });
    const first = live.find((a) => a.input_index === 0)!;
    expect(first.phase).toBe('executing');
    expect(await callOk(client, 'terminate_agent', { id: first.id })).toEqual({ terminated: 1 });
    await watch.until(() => stalled().length === 3, EVENT_MS, 'the third hanging request');
    expect(await callOk(client, 'terminate_agent', { run_id: first.run_id })).toEqual({ terminated: 2 });
    const r = await pending;
    expect(r.agents.map((a) => [a.status, a.error])).toEqual([
      ['cancelled', 'terminated by terminate_agent'],
      ['succeeded', undefined],
      ['cancelled', 'terminated by terminate_agent'],
      ['cancelled', 'terminated by terminate_agent'],
    ]);
    await watch.until(() => stalled().every((q) => q.aborted), EVENT_MS, 'hanging requests aborted');
    // Finished agents: nothing to terminate.
    expect(await callOk(client, 'terminate_agent', { run_id: r.run_id })).toEqual({ terminated: 0 });
  });

  it('refuses bad input with isError and a hint, writing nothing', async () => {
    const before = (await list({ limit: 500 })).length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /task/],
      [{ task: '' }, /task is empty/],
      [{ task: 't', inputs: ['a'], count: 2 }, /inputs or count, not both/],
      [{ task: 't', count: 1001 }, /count must be at most 1000/],
      [{ task: 't', inputs: Array(1001).fill('x') }, /more than 1000 items/],
      [{ task: 't', inputs: [] }, /inputs is empty/],
      [{ task: 't', inputs: [7] }, /each input must be a string/],
      [{ task: 't', ttl_ms: 5 }, /ttl_ms must be at least 100/],
      [{ task: 't', concurrency: 0 }, /concurrency must be at least 1/],
      [{ task: 't', budget_usd: -1 }, /budget_usd must be more than 0/],
      [{ task: 't', namespace: 'Bad NS' }, /namespace must be/],
      [{ task: 't', reduce: 'sum' }, /reduce must be one of none, vote, concat/],
      [{ task: 't', quorum: 'bft' }, /quorum and format apply only to reduce: "vote"/],
      [{ task: 't', provider: 'nosuch' }, /Provider "nosuch" is not configured/],
      [{ task: 't', contnet: 'x' }, /Unknown field\(s\) "contnet"/],
    ];
    for (const [args, re] of cases) expect(await callErr(client, 'spawn_ephemeral', args)).toMatch(re);
    expect(await callErr(client, 'list_agents', { status: 'sleeping' })).toMatch(/status must be one of queued, running/);
    expect(await callErr(client, 'list_agents', { run_id: 'nope' })).toMatch(
      /run_id must be the run_id spawn_ephemeral returned/,
    );
    expect(await callErr(client, 'terminate_agent', {})).toMatch(/exactly one of id or run_id/);
    expect(await callErr(client, 'terminate_agent', { id: '00000000-0000-4000-8000-000000000000' })).toMatch(
      /No agent 0000.*list_agents/,
    );
    await expect(client.readResource({ uri: 'agents://00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      code: -32002,
    });
    await expect(client.readResource({ uri: 'agents://not-a-run' })).rejects.toThrow(/not a run id/);
    expect((await list({ limit: 500 })).length).toBe(before);
    // And the server still serves.
    expect((await spawn({ task: task('Still here'), count: 1 })).totals.succeeded).toBe(1);
  });
});

describe('a crash leaves no agent shown as running', () => {
  it('agents a SIGKILLed server left running are failed ("server restarted") at the next start', async () => {
    const fake = await startFakeProvider({ models: { [MODEL]: { hang: true } } });
    const watch = watchFake(fake);
    const tmp = makeTempDir('sixfold-e2e-ephemeral-crash-');
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL };
    let a: StdioClientHandle | undefined;
    let b: StdioClientHandle | undefined;
    try {
      a = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env });
      void a.client
        .callTool({ name: 'spawn_ephemeral', arguments: { task: 'never finishes', count: 3, concurrency: 2 } })
        .catch(() => {});
      await watch.until(() => chatRequests(fake.requests, MODEL).length === 2, EVENT_MS, 'two requests from the doomed server');
      const before = (await callOk<{ agents: Listed[] }>(a.client, 'list_agents', {})).agents;
      expect(before.map((x) => x.status).sort()).toEqual(['queued', 'running', 'running']);
      process.kill(a.pid, 'SIGKILL');
      await a.close();

      b = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, env });
      const after = (await callOk<{ agents: Listed[] }>(b.client, 'list_agents', {})).agents;
      expect(after).toHaveLength(3);
      expect(after.every((x) => x.status === 'failed' && x.error === RESTARTED && x.ended_at !== null)).toBe(true);
      expect((await callOk<{ agents: Listed[] }>(b.client, 'list_agents', { status: 'running' })).agents).toEqual([]);
    } finally {
      await a?.close();
      await b?.close();
      watch.dispose();
      await fake.close();
      tmp.remove();
    }
  });
});

describe('over Streamable HTTP, agents are visible and stoppable from another session', () => {
  it("session B lists session A's running agents and terminates the run; A gets them back cancelled", async () => {
    const fake = await startFakeProvider({ models: { [MODEL]: { hang: true } } });
    const watch = watchFake(fake);
    const tmp = makeTempDir('sixfold-e2e-ephemeral-http-');
    let server: HttpServerHandle | undefined;
    let a: HttpClientHandle | undefined;
    let b: HttpClientHandle | undefined;
    try {
      server = await startHttpServer({
        db: tmp.db,
        xdg: tmp.xdg,
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL },
      });
      a = await connectHttpClient(server.url);
      b = await connectHttpClient(server.url);
      const pending = callOk<Run>(a.client, 'spawn_ephemeral', { task: 'held open', count: 3, concurrency: 2, memory_k: 0 });
      await watch.until(() => chatRequests(fake.requests, MODEL).length === 2, EVENT_MS, 'two requests from session A');
      const seen = (await callOk<{ agents: Listed[] }>(b.client, 'list_agents', {})).agents;
      expect(seen.map((x) => x.status).sort()).toEqual(['queued', 'running', 'running']);
      expect(await callOk(b.client, 'terminate_agent', { run_id: seen[0].run_id })).toEqual({ terminated: 3 });
      const r = await pending;
      expect(r.run_id).toBe(seen[0].run_id);
      expect(r.agents.map((x) => x.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      await watch.until(() => chatRequests(fake.requests, MODEL).every((q) => q.aborted), EVENT_MS, 'both requests aborted');
      expect(chatRequests(fake.requests, MODEL)).toHaveLength(2);
    } finally {
      await a?.close();
      await b?.close();
      await server?.close();
      watch.dispose();
      await fake.close();
      tmp.remove();
    }
  });
});
