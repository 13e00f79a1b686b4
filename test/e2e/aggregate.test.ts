/**
 * `aggregate` end to end: the built server over stdio, driven by the SDK Client. Covers every
 * source (values, a 1M-agent simulate with progress read off the wire, memory), tree counts,
 * failures and re-parenting, gossip, cancellation mid-run, and bad input of every kind, each
 * followed by a call that still succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AggregateResult } from '../../src/patterns/aggregate/aggregate.js';
import { callErr, callOk, expectMatchesSchema, store, tapProgress, type ProgressTap } from '../helpers/mcp.js';
import { makeTempDir, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

const TOOL = 'aggregate';

/** The tool's structured result: the engine's result plus what the tool adds. */
type Result = AggregateResult & { source: 'values' | 'simulate' | 'memory'; skipped?: number; elapsed_ms: number };

describe('aggregate over stdio', () => {
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  let tool: Tool;
  let wire: ProgressTap;

  beforeAll(async () => {
    tmp = makeTempDir('sixfold-e2e-aggregate-');
    h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    client = h.client;
    wire = tapProgress(h.transport);
    tool = (await client.listTools()).tools.find((t) => t.name === TOOL)!;
  });
  afterAll(async () => {
    await h?.close();
    tmp?.remove();
  });

  async function agg(args: Record<string, unknown>): Promise<Result> {
    const raw = await client.callTool({ name: TOOL, arguments: args });
    expect(raw.isError, JSON.stringify(raw.content)).toBeFalsy();
    expectMatchesSchema(tool.outputSchema, raw.structuredContent);
    return raw.structuredContent as unknown as Result;
  }

  async function expectServes(): Promise<void> {
    const r = await agg({ values: [1, 2, 3], ops: ['sum'] });
    expect(r.results.sum).toBe(6);
  }

  it('is listed with input and output schemas and truthful annotations', () => {
    expect(tool).toBeDefined();
    expect(tool.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['values', 'simulate', 'memory', 'ops', 'method', 'fanout', 'failures']),
    );
  });

  it('values: every exact op equals the direct computation; tree counts for 1000 agents', async () => {
    const xs = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 10 - 20);
    const r = await agg({ values: xs, ops: ['count', 'sum', 'mean', 'min', 'max', 'variance', 'stddev', 'p50', 'distinct'] });
    const sum = xs.reduce((a, b) => a + b, 0);
    const mean = sum / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
    expect(r.results.count).toBe(1000);
    expect(r.results.sum as number).toBeCloseTo(sum, 8);
    expect(r.results.mean as number).toBeCloseTo(mean, 10);
    expect(r.results.min).toBe(Math.min(...xs));
    expect(r.results.max).toBe(Math.max(...xs));
    expect(r.results.variance as number).toBeCloseTo(variance, 8);
    expect(r.results.stddev as number).toBeCloseTo(Math.sqrt(variance), 8);
    const sorted = [...xs].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(0.5 * 999)];
    expect(Math.abs((r.results.p50 as number) - p50)).toBeLessThanOrEqual(0.01 * Math.abs(p50));
    expect(Math.abs((r.results.distinct as number) - 1000)).toBeLessThanOrEqual(1000 * r.error_bounds.distinct);
    expect(r).toMatchObject({
      method: 'tree',
      source: 'values',
      agents: 1000,
      depth: 3,
      fanout: 16,
      messages_total: 999,
      max_messages_per_agent: 1,
      coverage: 1,
    });
    expect(r.error_bounds).toMatchObject({ sum: 0, p50: 0.01 });
  });

  it('values: strings give count, distinct and top-k', async () => {
    const words = [...Array(60).fill('alpha'), ...Array(30).fill('beta'), ...Array.from({ length: 10 }, (_, i) => `w${i}`)];
    const r = await agg({ values: words, ops: ['count', 'distinct', 'top:2'], fanout: 4 });
    expect(r.results.count).toBe(100);
    expect(r.results.distinct).toBe(12);
    expect(r.results['top:2']).toEqual([
      { value: 'alpha', count: 60, error: 0 },
      { value: 'beta', count: 30, error: 0 },
    ]);
    expect(r.depth).toBe(4); // 4^4 = 256 >= 100 > 64
  });

  it('simulate: 1M agents, fanout 16, with progress notifications counted on the wire', async () => {
    const got: Progress[] = [];
    const raw = await client.callTool(
      {
        name: TOOL,
        arguments: {
          simulate: { agents: 1_000_000, distribution: 'uniform', seed: 7 },
          ops: ['count', 'mean', 'min', 'max', 'p99', 'distinct'],
        },
      },
      undefined,
      { onprogress: (p) => got.push(p), timeout: 60_000 },
    );
    expect(raw.isError).toBeFalsy();
    const r = raw.structuredContent as unknown as Result;
    expect(r).toMatchObject({
      source: 'simulate',
      agents: 1_000_000,
      depth: 5,
      messages_total: 999_999,
      max_messages_per_agent: 1,
      coverage: 1,
      failed_agents: 0,
    });
    expect(r.results.count).toBe(1_000_000);
    expect(r.results.mean as number).toBeCloseTo(50, 0);
    expect(r.results.min as number).toBeGreaterThanOrEqual(0);
    expect(r.results.max as number).toBeLessThan(100);
    expect(Math.abs((r.results.p99 as number) - 99)).toBeLessThan(0.02 * 99);
    const sent = wire.forLastCall();
    // One notification per 65,536-agent chunk: ⌈1,000,000 / 65,536⌉ = 16, ending at 1M of 1M.
    expect(sent).toHaveLength(16);
    expect(sent.map((p) => p.progress)).toEqual([...Array(15)].map((_, i) => (i + 1) * 65_536).concat(1_000_000));
    expect(sent.every((p) => p.total === 1_000_000)).toBe(true);
    expect(sent[0].message).toMatch(/65536 of 1000000 agents/);
    expect(got).toEqual(sent.slice(0, got.length).map(({ progressToken: _t, ...rest }) => rest));
    expect((raw.content as Array<{ text: string }>)[0].text).toMatch(
      /Aggregated 1000000 agents from simulate by tree \(fanout 16\): depth 5, 999999 messages/,
    );
  });

  it('values: 200,000 numbers are folded in 65,536-value chunks with progress; over 1,000,000 is refused', async () => {
    const xs = Array.from({ length: 200_000 }, (_, i) => i % 1000);
    const raw = await client.callTool({ name: TOOL, arguments: { values: xs, ops: ['count', 'sum', 'top:1'] } }, undefined, {
      onprogress: () => {},
    });
    expect(raw.isError).toBeFalsy();
    expect(raw.structuredContent).toMatchObject({
      agents: 200_000,
      depth: 5,
      messages_total: 199_999,
      results: { count: 200_000, sum: 200 * 499_500 },
    });
    expect(wire.forLastCall().map((p) => p.progress)).toEqual([65_536, 131_072, 196_608, 200_000]);
    const text = await callErr(client, TOOL, { values: new Array(1_000_001).fill(1), ops: ['count'] });
    expect(text).toMatch(/values has more than 1000000 items; use simulate/);
    await expectServes();
  });

  it('failures reduce coverage as reported; re-parenting recovers every live agent', async () => {
    const base = {
      simulate: { agents: 100_000, distribution: 'normal', seed: 3 },
      ops: ['count'],
      fanout: 8,
      failures: 0.1,
      seed: 11,
    };
    const cut = await agg(base);
    expect(cut.failed_agents / 100_000).toBeCloseTo(0.1, 1);
    expect(cut.results.count).toBe(Math.round(cut.coverage * 100_000));
    expect(cut.coverage).toBeLessThan(1 - cut.failed_agents / 100_000);
    expect(cut.messages_lost).toBeGreaterThan(0);
    const healed = await agg({ ...base, reparent: true });
    expect(healed.failed_agents).toBe(cut.failed_agents);
    expect(healed.coverage).toBe(1 - healed.failed_agents / 100_000);
    expect(healed.reparented).toBeGreaterThan(0);
    expect(healed.max_messages_per_agent).toBeGreaterThanOrEqual(2);
    const sub = await agg({
      simulate: { agents: 10_000, distribution: 'uniform' },
      ops: ['count'],
      fanout: 10,
      failed_subtrees: [1000, 20],
    });
    expect(sub.failed_agents).toBe(1000 + 10); // agent 1000 leads [1000, 2000); agent 20 leads [20, 30)
    expect(sub.results.count).toBe(10_000 - 1010);
  });

  it('gossip: push-sum with message loss reports rounds and converges', async () => {
    const r = await agg({
      simulate: { agents: 2000, distribution: 'uniform', seed: 2 },
      ops: ['sum', 'mean', 'count'],
      method: 'gossip',
      loss: 0.1,
      target_error: 0.01,
    });
    expect(r).toMatchObject({ method: 'gossip', depth: null, converged: true, coverage: 1 });
    expect(r.rounds).toBeGreaterThan(5);
    expect(r.messages_total).toBe(2000 * r.rounds!);
    expect(Math.abs((r.results.count as number) - 2000)).toBeLessThanOrEqual(20);
    for (const op of ['sum', 'mean', 'count']) expect(r.error_bounds[op]).toBeLessThanOrEqual(0.01);
  });

  it('memory: a numeric metadata field over a namespace', async () => {
    for (const [i, ms] of [12, 30, 18, 40].entries())
      await store(client, { content: `run ${i}`, namespace: 'runs', metadata: { latency_ms: ms } });
    await store(client, { content: 'no latency', namespace: 'runs', metadata: { note: 'x' } });
    const raw = await client.callTool(
      { name: TOOL, arguments: { memory: { namespace: 'runs', field: 'latency_ms' }, ops: ['count', 'mean', 'max'] } },
      undefined,
      { onprogress: () => {} },
    );
    expect(raw.isError).toBeFalsy();
    expect(raw.structuredContent).toMatchObject({
      source: 'memory',
      agents: 4,
      skipped: 1,
      results: { count: 4, mean: 25, max: 40 },
    });
    // One page of 5 memories read, then the 4 values aggregated: progress only ever increases.
    expect(wire.forLastCall().map((p) => [p.progress, p.total])).toEqual([
      [5, undefined],
      [9, 9],
    ]);
  });

  it('cancellation stops a 10M-agent run; the server keeps serving', async () => {
    const ctl = new AbortController();
    const call = client.callTool(
      { name: TOOL, arguments: { simulate: { agents: 10_000_000, distribution: 'lognormal' }, ops: ['p50', 'distinct'] } },
      undefined,
      { signal: ctl.signal, onprogress: () => ctl.abort() },
    );
    await expect(call).rejects.toThrow();
    await expectServes();
  });

  describe('bad input', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp[]]> = [
      ['no source', { ops: ['sum'] }, [/No source/, /values/, /simulate/, /memory/]],
      [
        'two sources',
        { values: [1], simulate: { agents: 5, distribution: 'uniform' }, ops: ['sum'] },
        [/exactly one source/, /values and simulate/],
      ],
      ['unknown op', { values: [1, 2], ops: ['median'] }, [/Unknown op "median"/, /Ops are: count/]],
      ['empty ops', { values: [1], ops: [] }, [/ops is empty/]],
      ['quantile out of range', { values: [1], ops: ['quantile:2'] }, [/from 0 to 1/]],
      ['mixed values', { values: [1, 'a'], ops: ['count'] }, [/mixes numbers and strings/, /all numbers, or all strings/]],
      ['numeric op on strings', { values: ['a', 'b'], ops: ['mean'] }, [/"mean" need numeric values/, /count, distinct or top/]],
      ['fanout 1', { values: [1], ops: ['sum'], fanout: 1 }, [/fanout must be at least 2/]],
      ['fanout 300', { values: [1], ops: ['sum'], fanout: 300 }, [/fanout must be at most 256/]],
      ['failures 0.9', { values: [1], ops: ['sum'], failures: 0.9 }, [/failures must be at most 0.5/]],
      [
        'too many agents',
        { simulate: { agents: 20_000_000, distribution: 'uniform' }, ops: ['sum'] },
        [/simulate.agents must be at most 10000000/],
      ],
      [
        'unknown distribution',
        { simulate: { agents: 10, distribution: 'pareto' }, ops: ['sum'] },
        [/distribution must be one of uniform, normal, lognormal, zipf/],
      ],
      [
        'unknown simulate field',
        { simulate: { agents: 10, distribution: 'uniform', sead: 1 }, ops: ['sum'] },
        [/simulate has unknown field/, /sead/],
      ],
      [
        'gossip with a quantile',
        { values: [1, 2], ops: ['p50'], method: 'gossip' },
        [/count, sum and mean only/, /method "tree"/],
      ],
      [
        'gossip over 1M agents',
        { simulate: { agents: 2_000_000, distribution: 'uniform' }, ops: ['sum'], method: 'gossip' },
        [/at most 1000000 agents/],
      ],
      ['target_error with tree', { values: [1], ops: ['sum'], target_error: 0.01 }, [/gossip" only/]],
      ['failed root', { values: [1, 2, 3], ops: ['sum'], failed_subtrees: [0] }, [/agent 0, the root/]],
      [
        'memory without the field',
        { memory: { namespace: 'runs', field: 'nope' }, ops: ['sum'] },
        [/No live memory in namespace "runs" has a numeric metadata field "nope"/],
      ],
      ['memory bad field path', { memory: { namespace: 'runs', field: 'a"b' }, ops: ['sum'] }, [/not a metadata key path/]],
      [
        'memory bad namespace',
        { memory: { namespace: 'Bad NS', field: 'x' }, ops: ['sum'] },
        [/namespace must be 1-64 characters/],
      ],
      ['unknown field', { values: [1], ops: ['sum'], fan_out: 4 }, [/Unknown field/, /"fan_out"/, /Accepted fields: values, /]],
      ['value string too long', { values: ['x'.repeat(300)], ops: ['count'] }, [/values\[0\]/, /at most 256 characters/]],
    ];
    for (const [name, args, patterns] of cases) {
      it(`${name}: isError saying what to send, then the server still serves`, async () => {
        const text = await callErr(client, TOOL, args);
        for (const p of patterns) expect(text).toMatch(p);
        await expectServes();
      });
    }

    it('a successful call after all of them still matches its schema', async () => {
      const r = await callOk<Result>(client, TOOL, { values: [3, 1, 2], ops: ['min', 'max'] });
      expect(r.results).toEqual({ min: 1, max: 3 });
    });
  });
});
