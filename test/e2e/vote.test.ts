/**
 * `multi_model_vote` end to end: the built server over stdio, driven by the SDK Client, with all
 * four built-in providers (anthropic, openai, gemini, ollama) pointed at ONE loopback fake provider
 * (testkit/fake-provider.ts), each under its own model name so every voter is scripted on its
 * own. Covers agreement, a liar, a hung voter cut at quorum, 429 retry, every provider failing, no
 * provider configured, cancellation, progress, critical: false, choices / number / json, provider
 * subsets, tie-breakers, bad input, key redaction and sixfold://router/stats.
 *
 * Nothing sleeps to synchronise: "while the call is in flight" is an event from the fake (it has
 * received the requests, or seen them aborted), via test/helpers/fake-watch.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Vote } from '../../src/patterns/vote/vote.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import { BUILT_INS } from '../../src/router/registry.js';
import { startFakeProvider, type FakeProvider, type RecordedRequest } from '../../testkit/fake-provider.js';
import { chatRequests, modelOf, watchFake, type FakeWatch } from '../helpers/fake-watch.js';
import { expectMatchesSchema, tapProgress, type ProgressTap } from '../helpers/mcp.js';
import { makeTempDir, resourceJson, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

const TOOL = 'multi_model_vote';
const SETTLED = 'vote settled before this answer arrived';
/** In the order the server configures them (registry order). */
const NAMES = ['anthropic', 'openai', 'gemini', 'ollama'] as const;
type Name = (typeof NAMES)[number];
const MODEL: Record<Name, string> = { anthropic: 'voter-a', openai: 'voter-b', gemini: 'voter-c', ollama: 'voter-d' };
const KEYS = { anthropic: 'sk-ant-e2e-SECRET-1', openai: 'sk-e2e-SECRET-2', gemini: 'gem-e2e-SECRET-3' } as const;
/** Events that must come (a request reaching the fake, an abort) fail the test after this long. */
const EVENT_MS = 10_000;

interface VoteResult {
  decision: string | null;
  quorum_reached: boolean;
  agreement: number;
  quorum: number;
  strategy: string;
  votes: Vote[];
  total_cost_usd: number;
  cost_saved_usd: number;
  elapsed_ms: number;
}

interface ProviderStats {
  name: string;
  kind: string;
  model: string;
  baseURL: string;
  priceInput: number;
  priceOutput: number;
  tier: number;
  calls: number;
  ok: number;
  failed: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  ewma_latency_ms: number | null;
  breaker: string;
  consecutive_failures: number;
}

/** The price the server applies to a provider's tokens (USD; prices are per million tokens). */
function priceOf(name: Name, inputTokens: number, outputTokens: number): number {
  const b = BUILT_INS[name];
  return (inputTokens * b.price_input + outputTokens * b.price_output) / 1e6;
}

const byProvider = (r: VoteResult, name: Name): Vote => {
  const v = r.votes.find((x) => x.provider === name);
  if (!v) throw new Error(`no vote from ${name} in ${JSON.stringify(r.votes)}`);
  return v;
};

/** Every tool result and progress notification, and both servers' stderr: checked for keys at the end. */
const seen: string[] = [];
let providerless: StdioClientHandle | undefined;

describe('multi_model_vote over stdio, four providers on one fake', () => {
  let fake: FakeProvider;
  let watch: FakeWatch;
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  let tool: Tool;
  let wire: ProgressTap;
  let seq = 0;

  beforeAll(async () => {
    fake = await startFakeProvider();
    watch = watchFake(fake);
    tmp = makeTempDir('sixfold-e2e-vote-');
    h = await startStdioClient({
      db: tmp.db,
      xdg: tmp.xdg,
      logLevel: 'info',
      env: {
        ANTHROPIC_API_KEY: KEYS.anthropic,
        ANTHROPIC_BASE_URL: fake.origin,
        OPENAI_API_KEY: KEYS.openai,
        OPENAI_BASE_URL: fake.baseURL,
        GEMINI_API_KEY: KEYS.gemini,
        GEMINI_BASE_URL: fake.geminiBaseURL,
        OLLAMA_BASE_URL: fake.baseURL,
        SIXFOLD_ANTHROPIC_MODEL: MODEL.anthropic,
        SIXFOLD_OPENAI_MODEL: MODEL.openai,
        SIXFOLD_GEMINI_MODEL: MODEL.gemini,
        SIXFOLD_OLLAMA_MODEL: MODEL.ollama,
      },
    });
    client = h.client;
    wire = tapProgress(h.transport);
    // Listing tools also makes the client validate every structuredContent against outputSchema.
    const t = (await client.listTools()).tools.find((x) => x.name === TOOL);
    if (!t) throw new Error(`${TOOL} is not listed`);
    tool = t;
  });

  afterAll(async () => {
    await h?.close();
    if (h) seen.push(h.stderr()); // everything it wrote, shutdown included
    watch?.dispose();
    await fake?.close();
    tmp?.remove();
  });

  /** Every voter answers "Paris" unless a test says otherwise (the script object is live). */
  beforeEach(() => {
    for (const k of Object.keys(fake.script)) delete fake.script[k];
    for (const n of NAMES) fake.script[MODEL[n]] = { answer: 'Paris' };
  });

  const script = (answers: Partial<Record<Name, Parameters<typeof setScript>[1]>>) => {
    for (const [n, s] of Object.entries(answers)) setScript(n as Name, s);
  };
  function setScript(name: Name, s: string | FakeProvider['script'][string]): void {
    fake.script[MODEL[name]] = typeof s === 'string' ? { answer: s } : s;
  }

  /** A prompt no other call uses, so the fake's requests for this call can be picked out. */
  const prompt = (text: string) => `${text} [call ${++seq}]`;
  /** The chat requests the fake received for the call with this prompt. */
  const requestsFor = (p: string, model?: string): RecordedRequest[] =>
    chatRequests(fake.requests, model).filter((r) => JSON.stringify(r.body).includes(p));
  const countByModel = (reqs: RecordedRequest[]) => {
    const out: Record<string, number> = {};
    for (const r of reqs) out[modelOf(r) ?? '?'] = (out[modelOf(r) ?? '?'] ?? 0) + 1;
    return out;
  };

  async function vote(args: Record<string, unknown>, options?: RequestOptions): Promise<CallToolResult> {
    const r = (await client.callTool({ name: TOOL, arguments: args }, undefined, options)) as CallToolResult;
    seen.push(JSON.stringify(r));
    return r;
  }

  /** A call that must succeed: checks the result's shape and invariants, returns the structured result. */
  async function voteOk(args: Record<string, unknown>, options?: RequestOptions): Promise<{ r: VoteResult; text: string }> {
    const res = await vote(args, options);
    const text = (res.content[0] as { type: string; text?: string }).text ?? '';
    if (res.isError) throw new Error(`${TOOL} failed: ${text}`);
    expect(res.content[0]?.type).toBe('text');
    expect(text.length).toBeGreaterThan(0);
    expect(res.structuredContent).toBeDefined();
    expectMatchesSchema(tool.outputSchema, res.structuredContent);
    const r = res.structuredContent as unknown as VoteResult;
    // Invariants of every result.
    expect(r.total_cost_usd).toBeCloseTo(
      r.votes.reduce((s, v) => s + v.cost_usd, 0),
      12,
    );
    expect(new Set(r.votes.map((v) => v.provider)).size).toBe(r.votes.length);
    for (const v of r.votes) {
      expect(NAMES).toContain(v.provider);
      if (v.answer === null) {
        expect(v).toMatchObject({ model: null, normalized: null, input_tokens: 0, output_tokens: 0, cost_usd: 0 });
        expect(v.error).toBeTypeOf('string');
      } else {
        expect(v.model).toBe(MODEL[v.provider as Name]);
        expect(v.input_tokens).toBeGreaterThan(0);
        expect(v.output_tokens).toBeGreaterThan(0);
        expect(v.cost_usd).toBeCloseTo(priceOf(v.provider as Name, v.input_tokens, v.output_tokens), 15);
        if (v.normalized === null) expect(v.error).toBeTypeOf('string');
        else expect(v.error).toBeUndefined();
      }
    }
    return { r, text };
  }

  /** A call that must fail with isError and no structured result; returns the error text. */
  async function voteErr(args: Record<string, unknown>): Promise<string> {
    const res = await vote(args);
    const text = (res.content[0] as { type: string; text?: string }).text ?? '';
    if (!res.isError) throw new Error(`${TOOL}(${JSON.stringify(args).slice(0, 200)}) should have failed but returned: ${text}`);
    expect(res.structuredContent).toBeUndefined();
    expect(text.length).toBeGreaterThan(0);
    return text;
  }

  /**
   * The server still serves, and every provider answers once: a unanimous vote counts all four
   * (which also closes any breaker that earlier failures moved).
   */
  async function expectServes(): Promise<void> {
    for (const n of NAMES) setScript(n, 'Paris');
    const { r } = await voteOk({ prompt: prompt('Capital of France?'), quorum: 'unanimous' });
    expect(r).toMatchObject({ decision: 'paris', quorum_reached: true, agreement: 1, quorum: 4 });
    expect(r.votes.map((v) => v.provider).sort()).toEqual([...NAMES].sort());
  }

  async function readStats(): Promise<{ policy: string; providers: ProviderStats[] }> {
    const res = await client.readResource({ uri: 'sixfold://router/stats' });
    seen.push(JSON.stringify(res));
    return resourceJson(res);
  }

  describe('deciding', () => {
    it('four providers agreeing in different surface forms decide "paris" with a bft quorum of 3 of 4', async () => {
      const answers: Record<Name, string> = { anthropic: 'Paris', openai: 'paris.', gemini: '"PARIS"', ollama: 'Paris!' };
      script(answers);
      const p = prompt('What is the capital of France?');
      const { r, text } = await voteOk({ prompt: p });

      expect(r.decision).toBe('paris');
      expect(r.quorum_reached).toBe(true);
      expect(r.quorum).toBe(3);
      expect(r.votes).toHaveLength(4);
      expect(r.votes.map((v) => v.provider).sort()).toEqual([...NAMES].sort());
      // The vote is settled by the third agreeing answer; the fourth is either cancelled or arrives
      // after the outcome is fixed (reported, not counted). Either way three votes were counted.
      const cut = r.votes.filter((v) => v.error === SETTLED);
      const answered = r.votes.filter((v) => v.answer !== null);
      expect(cut.length + answered.length).toBe(4);
      expect(answered.length).toBeGreaterThanOrEqual(3);
      expect(r.agreement).toBe(0.75);
      expect(r.strategy).toBe(`bft quorum: 3 of 4${cut.length ? `, ${cut.length} cancelled once settled` : ''}`);
      for (const v of answered) {
        expect(v.answer).toBe(answers[v.provider as Name]);
        expect(v.normalized).toBe('paris');
      }
      for (const v of cut) expect(v).toMatchObject({ answer: null, normalized: null, model: null, cost_usd: 0 });
      expect(r.total_cost_usd).toBeGreaterThan(0); // anthropic, openai, gemini are priced
      expect(r.cost_saved_usd).toBe(0);
      expect(text).toMatch(/^Decision "paris" \(quorum reached, agreement 0\.75\)/);

      // What went over the wire: the prompt plus the "answer only" line, max_tokens 512, and each
      // provider's own key (so the redaction checks below are meaningful).
      const reqs = requestsFor(p);
      expect(reqs.length).toBeGreaterThanOrEqual(3);
      for (const q of reqs) {
        const body = q.body as { max_tokens: number; messages: Array<{ role: string; content: string }> };
        expect(body.max_tokens).toBe(512);
        expect(body.messages.at(-1)?.content).toBe(`${p}\n\nReply with the answer only, as briefly as possible.`);
        const m = modelOf(q);
        if (m === MODEL.anthropic) {
          expect(q.path).toBe('/v1/messages');
          // @anthropic-ai/sdk 1.x sends the key as a bearer token; older ones used x-api-key.
          expect([q.headers['x-api-key'], q.headers.authorization]).toContainEqual(expect.stringContaining(KEYS.anthropic));
        }
        if (m === MODEL.openai) expect(q.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
        if (m === MODEL.gemini) {
          expect(q.path).toBe('/v1beta/openai/chat/completions');
          expect(q.headers.authorization).toBe(`Bearer ${KEYS.gemini}`);
        }
      }
    });

    it('one liar among four does not change the decision', async () => {
      script({ anthropic: 'Lyon' });
      const { r } = await voteOk({ prompt: prompt('What is the capital of France?') });
      expect(r.decision).toBe('paris');
      expect(r.quorum_reached).toBe(true);
      expect(r.agreement).toBe(0.75);
      const liar = byProvider(r, 'anthropic');
      // Counted as "lyon" unless it was the last to arrive (then cut or reported late).
      if (liar.error === SETTLED) expect(liar.answer).toBeNull();
      else expect(liar).toMatchObject({ answer: 'Lyon', normalized: 'lyon' });
    });

    it('two liars among four block the decision: no answer reaches 3 of 4', async () => {
      script({ anthropic: 'Lyon', gemini: 'lyon' });
      const { r, text } = await voteOk({ prompt: prompt('What is the capital of France?') });
      // 2 + 2: no vote can settle it early, so all four are counted.
      expect(r).toMatchObject({
        decision: null,
        quorum_reached: false,
        agreement: 0.5,
        quorum: 3,
        strategy: 'bft quorum: 3 of 4',
      });
      expect(r.votes.map((v) => v.normalized).sort()).toEqual(['lyon', 'lyon', 'paris', 'paris']);
      expect(text).toMatch(/^No decision: no answer reached the bft quorum of 3\/4/);
    });

    it('a hung provider is cancelled once three have agreed, and its HTTP request is aborted', async () => {
      setScript('ollama', { hang: true });
      const p = prompt('What is the capital of France?');
      const { r } = await voteOk({ prompt: p, timeout_ms: 20_000 });
      expect(r).toMatchObject({ decision: 'paris', quorum_reached: true, agreement: 0.75, quorum: 3 });
      expect(r.strategy).toBe('bft quorum: 3 of 4, 1 cancelled once settled');
      expect(byProvider(r, 'ollama')).toMatchObject({ error: SETTLED, answer: null, normalized: null, model: null, cost_usd: 0 });
      for (const n of ['anthropic', 'openai', 'gemini'] as const)
        expect(byProvider(r, n)).toMatchObject({ answer: 'Paris', normalized: 'paris' });
      await watch.until(() => requestsFor(p, MODEL.ollama).some((q) => q.aborted), EVENT_MS, 'the hung request to be aborted');
      expect(requestsFor(p, MODEL.ollama)).toHaveLength(1);
      for (const n of ['anthropic', 'openai', 'gemini'] as const) expect(requestsFor(p, MODEL[n])[0].aborted).toBe(false);
    });

    it('a provider answering 429 once is retried and its vote counts', async () => {
      setScript('openai', { status: 429, times: 1, headers: { 'retry-after': '0' }, answer: 'Paris' });
      const p = prompt('What is the capital of France?');
      // Unanimous: all four votes are counted, so the retried one cannot be cut off by the quorum.
      const { r } = await voteOk({ prompt: p, quorum: 'unanimous' });
      expect(r).toMatchObject({
        decision: 'paris',
        quorum_reached: true,
        agreement: 1,
        quorum: 4,
        strategy: 'unanimous quorum: 4 of 4',
      });
      expect(byProvider(r, 'openai')).toMatchObject({ answer: 'Paris', normalized: 'paris', model: MODEL.openai });
      expect(countByModel(requestsFor(p))).toEqual({
        [MODEL.anthropic]: 1,
        [MODEL.openai]: 2,
        [MODEL.gemini]: 1,
        [MODEL.ollama]: 1,
      });
    });
  });

  describe('failures', () => {
    it('every provider failing (HTTP 500) is an isError naming each provider; the server keeps serving', async () => {
      for (const n of NAMES) setScript(n, { status: 500 });
      const text = await voteErr({ prompt: prompt('What is the capital of France?') });
      expect(text).toMatch(/^No provider answered: /);
      for (const n of NAMES) expect(text).toContain(`${n}: `);
      // Two failures already make 3 of 4 impossible; those two are reported with their status.
      expect(text.match(/server error \(HTTP 500\)/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/sixfold:\/\/router\/stats/);
      await expectServes();
    });

    it('a "No provider answered" message names each provider once, as the non-critical path does', async () => {
      // The router's errors already start with the provider's name: it must appear once.
      setScript('openai', { status: 401 });
      try {
        const single = await voteErr({
          prompt: prompt('What is the capital of France?'),
          providers: ['openai'],
          critical: false,
        });
        expect(single).toBe(
          'Every provider failed: openai: key refused (HTTP 401). Check the providers in sixfold://router/stats, or retry later.',
        );
        const voted = await voteErr({ prompt: prompt('What is the capital of France?'), providers: ['openai'] });
        expect(voted).toBe(single.replace('Every provider failed: ', 'No provider answered: '));
      } finally {
        await expectServes();
      }
    });

    it('a provider that never answers within timeout_ms times out (and is retried); its requests are aborted', async () => {
      setScript('openai', { hang: true });
      const p = prompt('What is the capital of France?');
      const text = await voteErr({ prompt: p, providers: ['openai'], timeout_ms: 100 });
      expect(text).toMatch(/^No provider answered: openai: timed out\. /);
      // One call and the router's two retries, each abandoned by the client.
      await watch.until(
        () => requestsFor(p, MODEL.openai).filter((q) => q.aborted).length === 3,
        EVENT_MS,
        'three aborted openai requests',
      );
      expect(requestsFor(p)).toHaveLength(3);
      await expectServes();
    });

    it('cancelling the call aborts every provider request (notifications/cancelled reaches the SDK calls)', async () => {
      for (const n of NAMES) setScript(n, { hang: true });
      const p = prompt('What is the capital of France?');
      const ac = new AbortController();
      const outcome = vote({ prompt: p, timeout_ms: 60_000 }, { signal: ac.signal }).then(
        (r) => ({ resolved: r }),
        (e: unknown) => ({ rejected: e }),
      );
      await watch.until(() => requestsFor(p).length === 4, EVENT_MS, 'the fake to receive all four vote requests');
      expect(requestsFor(p).some((q) => q.aborted)).toBe(false);
      ac.abort(new Error('the test cancels the vote'));
      const o = await outcome;
      expect(o).toHaveProperty('rejected');
      await watch.until(() => requestsFor(p).every((q) => q.aborted), EVENT_MS, 'all four provider requests to be aborted');
      expect(countByModel(requestsFor(p))).toEqual({
        [MODEL.anthropic]: 1,
        [MODEL.openai]: 1,
        [MODEL.gemini]: 1,
        [MODEL.ollama]: 1,
      });
      await expectServes();
    });
  });

  describe('progress', () => {
    /**
     * What the server sent is read off the wire (tapProgress); `onprogress` is passed so the client
     * sends a progressToken, and must see those notifications in order, though the SDK client may
     * drop the last ones when they share a read with the response (typescript-sdk#2580).
     */
    async function withProgress(args: Record<string, unknown>) {
      const got: Progress[] = [];
      const { r } = await voteOk(args, { onprogress: (x) => got.push(x) });
      const sent = wire.forLastCall();
      seen.push(JSON.stringify(sent));
      expect(got).toEqual(sent.slice(0, got.length).map(({ progressToken: _t, ...rest }) => rest));
      return { r, sent };
    }

    it('sends one progress notification per counted vote, 1..4 of 4', async () => {
      const { r, sent } = await withProgress({ prompt: prompt('What is the capital of France?'), quorum: 'unanimous' });
      expect(r.decision).toBe('paris');
      expect(sent.map((x) => [x.progress, x.total])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
      expect(sent.map((x) => x.message?.replace(/:.*/, '')).sort()).toEqual([...NAMES].sort());
      for (const x of sent) expect(x.message).toMatch(/^(anthropic|openai|gemini|ollama): paris$/);
    });

    it('a vote cut at quorum reports only the counted votes: 1..3 of 4', async () => {
      setScript('gemini', { hang: true });
      const p = prompt('What is the capital of France?');
      const { r, sent } = await withProgress({ prompt: p, timeout_ms: 20_000 });
      expect(r.decision).toBe('paris');
      expect(sent.map((x) => [x.progress, x.total])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
      ]);
      expect(sent.some((x) => x.message?.startsWith('gemini'))).toBe(false);
      await watch.until(
        () => requestsFor(p, MODEL.gemini).some((q) => q.aborted),
        EVENT_MS,
        'the hung gemini request to be aborted',
      );
    });

    it('reports a failed vote as an error in its progress message', async () => {
      // Refused, "lyon", "paris", "paris": nothing can settle 3 of 4 before the refusal is counted
      // (that needs best + outstanding < 3), so its progress is always sent.
      script({ anthropic: { status: 400 }, openai: 'Lyon' });
      const { r, sent } = await withProgress({ prompt: prompt('What is the capital of France?') });
      expect(r.decision).toBeNull();
      const refused = sent.filter((x) => x.message?.startsWith('anthropic'));
      expect(refused).toHaveLength(1);
      expect(refused[0].message).toMatch(/^anthropic: error \(.*HTTP 400/);
      expect(sent.map((x) => x.progress)).toEqual(sent.map((_, i) => i + 1));
      await expectServes();
    });

    it('sends no progress when the request carries no progressToken', async () => {
      const before = wire.all.length;
      await voteOk({ prompt: prompt('What is the capital of France?'), quorum: 'unanimous' });
      expect(wire.all.length).toBe(before);
    });
  });

  describe('critical: false', () => {
    it('asks only the cheapest provider (ollama, free) and reports what a full vote would have cost', async () => {
      const p = prompt('What is the capital of France?');
      const { r, text } = await voteOk({ prompt: p, critical: false });
      expect(countByModel(requestsFor(p))).toEqual({ [MODEL.ollama]: 1 });
      expect(r).toMatchObject({ decision: 'paris', quorum_reached: true, agreement: 1, quorum: 1 });
      expect(r.strategy).toMatch(/non-critical/);
      expect(r.strategy).toContain('ollama');
      expect(r.votes).toHaveLength(1);
      const [v] = r.votes;
      expect(v).toMatchObject({ provider: 'ollama', model: MODEL.ollama, answer: 'Paris', normalized: 'paris', cost_usd: 0 });
      expect(r.total_cost_usd).toBe(0);
      // The same tokens at every configured provider's price, minus the (zero) spent.
      const full = NAMES.reduce((s, n) => s + priceOf(n, v.input_tokens, v.output_tokens), 0);
      expect(r.cost_saved_usd).toBeGreaterThan(0);
      expect(r.cost_saved_usd).toBeCloseTo(full, 12);
      expect(text).toMatch(/^Non-critical: asked ollama only/);
    });

    it("among a subset, the cheaper one is asked and the saving is the other's price", async () => {
      const p = prompt('What is the capital of France?');
      const { r } = await voteOk({ prompt: p, critical: false, providers: ['gemini', 'openai'] });
      expect(countByModel(requestsFor(p))).toEqual({ [MODEL.openai]: 1 });
      const [v] = r.votes;
      expect(v.provider).toBe('openai');
      expect(r.total_cost_usd).toBeCloseTo(priceOf('openai', v.input_tokens, v.output_tokens), 15);
      expect(r.cost_saved_usd).toBeCloseTo(priceOf('gemini', v.input_tokens, v.output_tokens), 12);
    });

    it('falls back along the price order when the cheapest provider refuses', async () => {
      setScript('ollama', { status: 400 });
      const p = prompt('What is the capital of France?');
      const { r } = await voteOk({ prompt: p, critical: false });
      expect(r.votes.map((v) => v.provider)).toEqual(['openai']);
      expect(r.decision).toBe('paris');
      expect(countByModel(requestsFor(p))).toEqual({ [MODEL.ollama]: 1, [MODEL.openai]: 1 });
    });

    it('an answer outside the choices is no decision, with an error on the vote', async () => {
      setScript('ollama', 'maybe');
      const { r } = await voteOk({ prompt: prompt('Is it safe?'), critical: false, choices: ['yes', 'no'] });
      expect(r).toMatchObject({ decision: null, quorum_reached: false, agreement: 0 });
      expect(r.votes[0]).toMatchObject({ provider: 'ollama', answer: 'maybe', normalized: null });
      expect(r.votes[0].error).toMatch(/choices/);
    });
  });

  describe('choices and formats', () => {
    it('choices: "Yes.", "I think yes", "no", "yes" decide "yes"', async () => {
      const answers: Record<Name, string> = { anthropic: 'Yes.', openai: 'I think yes', gemini: 'no', ollama: 'yes' };
      script(answers);
      const p = prompt('Is the migration safe to run online?');
      const { r } = await voteOk({ prompt: p, choices: ['yes', 'no'] });
      expect(r).toMatchObject({ decision: 'yes', quorum_reached: true, quorum: 3 });
      const expected: Record<Name, string> = { anthropic: 'yes', openai: 'yes', gemini: 'no', ollama: 'yes' };
      for (const v of r.votes) if (v.error !== SETTLED) expect(v.normalized).toBe(expected[v.provider as Name]);
      for (const q of requestsFor(p)) {
        const body = q.body as { messages: Array<{ content: string }> };
        expect(body.messages.at(-1)?.content).toBe(`${p}\n\nAnswer with exactly one of: yes | no. Reply with the choice only.`);
      }
    });

    it("choices keep the caller's spelling in the decision", async () => {
      script({ anthropic: 'safe', openai: 'SAFE', gemini: 'The answer is Safe.', ollama: 'Unsafe' });
      const { r } = await voteOk({ prompt: prompt('Is it safe?'), choices: ['Safe', 'Unsafe'], quorum: 'majority' });
      expect(r.decision).toBe('Safe');
    });

    it('an answer outside the choices is a vote with an error and normalized null', async () => {
      // The others answer a valid choice, so under unanimous nothing but ollama's invalid vote can
      // settle the outcome: it is counted and reported whichever SDK answers first.
      script({ anthropic: 'yes', openai: 'yes', gemini: 'yes', ollama: 'maybe' });
      const { r } = await voteOk({ prompt: prompt('Is it safe?'), choices: ['yes', 'no'], quorum: 'unanimous' });
      expect(r).toMatchObject({ decision: null, quorum_reached: false, quorum: 4 });
      expect(byProvider(r, 'ollama')).toMatchObject({
        answer: 'maybe',
        normalized: null,
        model: MODEL.ollama,
        error: 'answer is not one of the choices (yes, no)',
      });
    });

    it('format number: "42", "42.0", "about 42", "41" decide "42"', async () => {
      script({ anthropic: '42', openai: '42.0', gemini: 'about 42', ollama: '41' });
      const p = prompt('What is six times seven?');
      const { r } = await voteOk({ prompt: p, format: 'number' });
      expect(r).toMatchObject({ decision: '42', quorum_reached: true });
      const ollama = byProvider(r, 'ollama');
      if (ollama.error !== SETTLED) expect(ollama.normalized).toBe('41');
      expect((requestsFor(p)[0].body as { messages: Array<{ content: string }> }).messages.at(-1)?.content).toBe(
        `${p}\n\nReply with a single number only.`,
      );
    });

    it('format json compares canonical JSON: key order, whitespace and code fences do not matter', async () => {
      script({
        anthropic: '{"a":1,"b":[1,2]}',
        openai: '{ "b": [1, 2], "a": 1 }',
        gemini: '```json\n{\n  "a": 1,\n  "b": [1, 2]\n}\n```',
        ollama: '{"a":2,"b":[1,2]}',
      });
      const { r } = await voteOk({ prompt: prompt('Give the object.'), format: 'json' });
      expect(r).toMatchObject({ decision: '{"a":1,"b":[1,2]}', quorum_reached: true });
    });

    it('format json: an answer that is not JSON is an invalid vote', async () => {
      // As above: the others agree on valid JSON, so only ollama's invalid vote can settle it.
      script({ anthropic: '{"a":1}', openai: '{"a":1}', gemini: '{"a":1}', ollama: 'the object a=1' });
      const { r } = await voteOk({ prompt: prompt('Give the object.'), format: 'json', quorum: 'unanimous' });
      expect(r.decision).toBeNull();
      expect(byProvider(r, 'ollama')).toMatchObject({
        answer: 'the object a=1',
        normalized: null,
        error: 'answer is not valid json',
      });
    });
  });

  describe('providers and tie-breakers', () => {
    it('providers: ["openai", "gemini"] asks only those two', async () => {
      const p = prompt('What is the capital of France?');
      const { r } = await voteOk({ prompt: p, providers: ['openai', 'gemini'] });
      expect(countByModel(requestsFor(p))).toEqual({ [MODEL.openai]: 1, [MODEL.gemini]: 1 });
      // bft among 2: f = 0, but 2 of 2 so two different answers can never both decide.
      expect(r).toMatchObject({
        decision: 'paris',
        quorum_reached: true,
        agreement: 1,
        quorum: 2,
        strategy: 'bft quorum: 2 of 2',
      });
      expect(r.votes.map((v) => v.provider).sort()).toEqual(['gemini', 'openai']);
    });

    it('an unknown provider name is an isError naming the configured ones; nothing is asked', async () => {
      const p = prompt('What is the capital of France?');
      const text = await voteErr({ prompt: p, providers: ['openai', 'mistral'] });
      expect(text).toContain('Provider "mistral" is not configured');
      expect(text).toContain('Configured providers: anthropic, openai, gemini, ollama');
      expect(requestsFor(p)).toHaveLength(0);
      const text2 = await voteErr({ prompt: p, providers: ['mistral'], critical: false });
      expect(text2).toContain('Provider "mistral" is not configured');
      expect(requestsFor(p)).toHaveLength(0);
    });

    const split = { prompt: '', providers: ['openai', 'anthropic'], quorum: 'unanimous' };

    it('tie_breaker none (and by default): two different answers under unanimous are no decision', async () => {
      script({ openai: 'Paris', anthropic: 'Lyon' });
      for (const extra of [{ tie_breaker: 'none' }, {}]) {
        const { r, text } = await voteOk({ ...split, prompt: prompt('What is the capital of France?'), ...extra });
        expect(r).toMatchObject({
          decision: null,
          quorum_reached: false,
          agreement: 0.5,
          quorum: 2,
          strategy: 'unanimous quorum: 2 of 2',
        });
        expect(r.votes.map((v) => v.normalized).sort()).toEqual(['lyon', 'paris']);
        expect(text).toMatch(/^No decision/);
      }
    });

    it("tie_breaker cheapest picks the cheaper provider's answer, whatever it is", async () => {
      script({ openai: 'Paris', anthropic: 'Lyon' });
      let { r, text } = await voteOk({ ...split, prompt: prompt('What is the capital of France?'), tie_breaker: 'cheapest' });
      expect(r).toMatchObject({
        decision: 'paris',
        quorum_reached: false,
        agreement: 0.5,
        strategy: 'unanimous quorum: 2 of 2, tie-breaker cheapest',
      });
      expect(text).toMatch(/no quorum; tie-breaker/);
      script({ openai: 'Lyon', anthropic: 'Paris' });
      ({ r } = await voteOk({ ...split, prompt: prompt('What is the capital of France?'), tie_breaker: 'cheapest' }));
      expect(r.decision).toBe('lyon');
    });

    it('tie_breaker fastest picks one of the tied answers', async () => {
      script({ openai: 'Paris', anthropic: 'Lyon' });
      const { r } = await voteOk({ ...split, prompt: prompt('What is the capital of France?'), tie_breaker: 'fastest' });
      expect(['paris', 'lyon']).toContain(r.decision);
      expect(r.strategy).toBe('unanimous quorum: 2 of 2, tie-breaker fastest');
    });
  });

  describe('bad input', () => {
    const cases: Array<{ name: string; args: Record<string, unknown>; expect: RegExp[] }> = [
      { name: 'prompt missing', args: {}, expect: [/prompt must be a string/, /\bprompt\b/] },
      { name: 'prompt empty', args: { prompt: '' }, expect: [/prompt is empty; send the question to vote on/] },
      { name: 'prompt a number', args: { prompt: 5 }, expect: [/prompt must be a string/] },
      { name: 'prompt over 100000 chars', args: { prompt: 'p'.repeat(100_001) }, expect: [/prompt is over 100000 characters/] },
      {
        name: 'providers []',
        args: { prompt: 'x', providers: [] },
        expect: [/providers is empty; omit it to use every configured provider/],
      },
      {
        name: 'providers a string',
        args: { prompt: 'x', providers: 'openai' },
        expect: [/providers must be an array of provider names, e.g. \["anthropic", "openai"\]/],
      },
      {
        name: 'providers with a duplicate',
        args: { prompt: 'x', providers: ['openai', 'openai'] },
        expect: [/providers lists "openai" twice/],
      },
      {
        name: 'choices with 1 item',
        args: { prompt: 'x', choices: ['yes'] },
        expect: [/give at least 2 choices/, /\bchoices\b/],
      },
      {
        name: 'quorum "most"',
        args: { prompt: 'x', quorum: 'most' },
        expect: [/quorum must be one of majority, two_thirds, bft, unanimous/],
      },
      { name: 'format "xml"', args: { prompt: 'x', format: 'xml' }, expect: [/format must be one of text, json, number/] },
      {
        name: 'tie_breaker "random"',
        args: { prompt: 'x', tie_breaker: 'random' },
        expect: [/tie_breaker must be one of none, cheapest, fastest/],
      },
      { name: 'critical "no"', args: { prompt: 'x', critical: 'no' }, expect: [/critical must be true or false/] },
      { name: 'max_tokens 0', args: { prompt: 'x', max_tokens: 0 }, expect: [/max_tokens must be at least 1/] },
      { name: 'max_tokens 1.5', args: { prompt: 'x', max_tokens: 1.5 }, expect: [/max_tokens must be a whole number/] },
      { name: 'temperature 3', args: { prompt: 'x', temperature: 3 }, expect: [/temperature must be at most 2/] },
      { name: 'timeout_ms 50', args: { prompt: 'x', timeout_ms: 50 }, expect: [/timeout_ms must be at least 100/] },
      {
        name: 'unknown field',
        args: { prompt: 'x', quorom: 'bft' },
        expect: [
          /Unknown field\(s\) "quorom": remove them/,
          /Accepted fields: prompt, system, providers, critical, choices, format, quorum, tie_breaker, max_tokens, temperature, timeout_ms/,
        ],
      },
    ];

    it.each(cases)('$name → isError naming the field and the fix; asks no provider; the server keeps serving', async (c) => {
      const before = chatRequests(fake.requests).length;
      const text = await voteErr(c.args);
      for (const re of c.expect) expect(text).toMatch(re);
      expect(chatRequests(fake.requests).length).toBe(before);
      const { r } = await voteOk({ prompt: prompt('What is the capital of France?'), critical: false });
      expect(r.decision).toBe('paris');
    });
  });

  describe('keys never leak', () => {
    it('401 from every provider (the fake echoes the key in its error body): isError without the key', async () => {
      for (const n of NAMES) setScript(n, { status: 401 });
      const p = prompt('What is the capital of France?');
      const text = await voteErr({ prompt: p });
      expect(text).toMatch(/^No provider answered: /);
      for (const n of NAMES) expect(text).toContain(`${n}: `);
      expect(text).toMatch(/key refused \(HTTP 401\)/);
      expect(text).not.toContain('SECRET');
      // Two refusals settle 3 of 4 as impossible, so at least two providers were asked.
      expect(requestsFor(p).length).toBeGreaterThanOrEqual(2);
      await expectServes();
    });

    it('each keyed provider\'s 401 is reported as "key refused", never with the key', async () => {
      for (const n of ['anthropic', 'openai', 'gemini'] as const) {
        setScript(n, { status: 401 });
        const p = prompt('What is the capital of France?');
        const text = await voteErr({ prompt: p, providers: [n] });
        expect(text).toMatch(
          new RegExp(`^No provider answered: ${n}: key refused \\(HTTP 401\\)\\. Check the providers in sixfold://router/stats`),
        );
        // The key went out, and the fake's 401 body echoed it back.
        const [q] = requestsFor(p);
        expect([q.headers['x-api-key'], q.headers.authorization]).toContainEqual(expect.stringContaining(KEYS[n]));
        await expectServes();
      }
    });

    it('an error message echoing the key (HTTP 400, and 500 after retries) is reported with the key redacted', async () => {
      const echo: Record<keyof typeof KEYS, string> = {
        anthropic: `invalid x-api-key ${KEYS.anthropic} for this workspace`,
        openai: `Incorrect API key provided: ${KEYS.openai}`,
        gemini: `API key not valid: ${KEYS.gemini}`,
      };
      for (const status of [400, 500]) {
        for (const n of ['anthropic', 'openai', 'gemini'] as const) {
          setScript(n, { status, errorMessage: echo[n] });
          const text = await voteErr({ prompt: prompt('What is the capital of France?'), providers: [n] });
          expect(text).toMatch(status === 400 ? /request refused \(HTTP 400\)/ : /server error \(HTTP 500\)/);
          expect(text).toContain('[redacted]');
          expect(text).not.toContain('SECRET');
        }
        await expectServes(); // 500 is retried: 1 + 3 failures in a row would near the breaker's 5
      }
    });
  });

  describe('sixfold://router/stats', () => {
    const find = (st: { providers: ProviderStats[] }, n: Name) => st.providers.find((x) => x.name === n)!;

    it("counts each provider's calls, tokens and cost; breakers closed; EWMA latency measured", async () => {
      const before = await readStats();
      const { r } = await voteOk({ prompt: prompt('What is the capital of France?'), quorum: 'unanimous' });
      const after = await readStats();
      expect(after.policy).toBe('cost');
      expect(after.providers.map((p) => p.name)).toEqual([...NAMES]);
      for (const n of NAMES) {
        const a = find(after, n);
        const b = find(before, n);
        const v = byProvider(r, n);
        expect(a).toMatchObject({
          model: MODEL[n],
          breaker: 'closed',
          consecutive_failures: 0,
          priceInput: BUILT_INS[n].price_input,
          priceOutput: BUILT_INS[n].price_output,
          tier: BUILT_INS[n].tier,
        });
        expect(a.calls - b.calls).toBe(1);
        expect(a.ok - b.ok).toBe(1);
        expect(a.failed - b.failed).toBe(0);
        expect(a.input_tokens - b.input_tokens).toBe(v.input_tokens);
        expect(a.output_tokens - b.output_tokens).toBe(v.output_tokens);
        expect(a.cost_usd - b.cost_usd).toBeCloseTo(v.cost_usd, 12);
        expect(a.calls).toBe(a.ok + a.failed);
        expect(a.ewma_latency_ms).toBeTypeOf('number');
        expect(a.ewma_latency_ms!).toBeGreaterThan(0);
      }
    });

    it('counts a failed call as failed, with one consecutive failure, the breaker still closed', async () => {
      const before = await readStats();
      setScript('gemini', { status: 401 });
      await voteErr({ prompt: prompt('What is the capital of France?'), providers: ['gemini'] });
      const after = await readStats();
      const a = find(after, 'gemini');
      const b = find(before, 'gemini');
      expect([a.calls - b.calls, a.ok - b.ok, a.failed - b.failed]).toEqual([1, 0, 1]);
      expect([a.input_tokens - b.input_tokens, a.cost_usd - b.cost_usd]).toEqual([0, 0]);
      expect(a).toMatchObject({ breaker: 'closed', consecutive_failures: 1 });
      for (const n of ['anthropic', 'openai', 'ollama'] as const) expect(find(after, n).calls).toBe(find(before, n).calls);
      await expectServes();
      expect(find(await readStats(), 'gemini').consecutive_failures).toBe(0);
    });
  });
});

describe('multi_model_vote with no provider configured', () => {
  let tmp: TempDir;

  beforeAll(async () => {
    tmp = makeTempDir('sixfold-e2e-vote-none-');
    const config = join(tmp.dir, 'config.json');
    // Ollama off, so the server does not probe 127.0.0.1:11434; no keys in the child's environment.
    writeFileSync(config, JSON.stringify({ providers: { ollama: { enabled: false } } }));
    providerless = await startStdioClient({ db: tmp.db, xdg: tmp.xdg, logLevel: 'info', extraArgs: ['--config', config] });
  });

  afterAll(async () => {
    await providerless?.close();
    if (providerless) seen.push(providerless.stderr());
    tmp?.remove();
  });

  it('is an isError naming every way to configure one; the server keeps serving', async () => {
    const client = providerless!.client;
    for (const args of [{ prompt: 'Capital of France?' }, { prompt: 'Capital of France?', critical: false }]) {
      const r = (await client.callTool({ name: TOOL, arguments: args })) as CallToolResult;
      seen.push(JSON.stringify(r));
      expect(r.isError).toBe(true);
      expect(r.structuredContent).toBeUndefined();
      const text = (r.content[0] as { text: string }).text;
      expect(text).toContain('No LLM provider is configured');
      for (const v of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OLLAMA_BASE_URL']) expect(text).toContain(v);
    }
    const stats = resourceJson<{ providers: unknown[] }>(await client.readResource({ uri: 'sixfold://router/stats' }));
    expect(stats.providers).toEqual([]);
    const ok = (await client.callTool({ name: 'memory_store', arguments: { content: 'still serving' } })) as CallToolResult;
    expect(ok.isError).not.toBe(true);
  });
});

describe('key redaction across the whole file', () => {
  it('no tool result, progress message, resource or stderr line contains a key', async () => {
    // Runs last: vitest runs a file's suites in order, and each suite's afterAll (which adds its
    // server's whole stderr, shutdown included) before the next suite starts.
    const all = seen.join('\n');
    expect(all).toContain('"msg":"sixfold ready"'); // both servers' stderr was captured
    expect(all).not.toContain('SECRET');
    for (const k of Object.values(KEYS)) expect(all).not.toContain(k);
  });
});
