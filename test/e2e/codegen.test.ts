/**
 * generate_code / record_outcome end to end: the built server over stdio, driven by the SDK
 * Client, with the openai provider pointed at the loopback fake provider (answers scripted by
 * prompt). A second server has no provider at all. Covers trajectories, distillation, an answer
 * from memory with zero provider requests (the fake's request log), confidence going down on
 * failure, consolidation, scrubbing, the judge, the resources and prompt, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import { callErr, callOk, expectMatchesSchema } from '../helpers/mcp.js';
import { makeTempDir, resourceJson, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

const MODEL = 'fake-coder';
const OPENAI_KEY = 'sk-e2e-codegen-key-0000';
const LEAKED_KEY = 'sk-ant-api03-LeakedKeyLeakedKeyLeaked0123';

const FIB_TASK = 'Write a Python function fib(n) returning the n-th Fibonacci number, iteratively';
const FIB_CODE = 'def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a';

interface Used {
  id: string;
  title: string;
  kind: 'strategy' | 'pitfall';
  score: number;
  similarity: number;
}
interface Generated {
  code: string;
  trajectory_id: string;
  source: 'memory' | 'llm';
  language: string;
  memories_used: Used[];
  provider?: string;
  model?: string;
  tokens?: number;
  cost_usd?: number;
  elapsed_ms: number;
}
interface Outcome {
  trajectory_id: string;
  success: boolean;
  judged: boolean;
  judge_reason?: string;
  memories_created: Array<{ id: string; kind: string; title: string; confidence: number }>;
  memories_updated: Array<{ id: string; title: string; confidence: number }>;
  consolidation?: { merged: number; pruned: number };
}
interface BankItem {
  id: string;
  kind: string;
  language: string;
  title: string;
  content: string;
  confidence: number;
  uses: number;
  has_solution: boolean;
}
interface Bank {
  namespace: string;
  total: number;
  items: BankItem[];
}
interface TrajectoryDoc {
  id: string;
  namespace: string;
  task: string;
  language: string;
  prompt: string | null;
  code: string;
  source: string;
  provider: string | null;
  model: string | null;
  tokens: number | null;
  memories_used: Used[];
  outcome: string;
  notes: string | null;
  final_code: string | null;
  created_at: string;
  outcome_at: string | null;
}

/** What the fake model answers, by what the prompt asks. */
function reply(prompt: string): string {
  if (prompt.includes('Reply PASS or FAIL'))
    return prompt.includes('return -1') ? 'FAIL\nIt returns a constant.' : 'PASS\nIt computes the sequence iteratively.';
  if (prompt.includes('NO-CODE-PLEASE')) return 'I would rather explain it in words: loop and add.';
  if (prompt.includes('secret-handling'))
    return `\`\`\`python\nclient = Client(api_key="${LEAKED_KEY}")  # ask ops@corp-mail.io\n\`\`\``;
  if (prompt.includes('broken-constant')) return '```python\ndef answer():\n    return -1\n```';
  return `Sure.\n\n\`\`\`python\n${FIB_CODE}\n\`\`\`\n\nIt runs in O(n).`;
}

describe('generate_code and record_outcome', () => {
  let fake: FakeProvider;
  let tmp: TempDir;
  let bare: TempDir;
  let h: StdioClientHandle;
  let none: StdioClientHandle;
  let client: Client;
  let tools: Tool[];

  const chats = () => fake.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
  const generate = (args: Record<string, unknown>) => callOk<Generated>(client, 'generate_code', args);
  const outcome = (args: Record<string, unknown>) => callOk<Outcome>(client, 'record_outcome', args);
  const bank = async (ns: string) => resourceJson<Bank>(await client.readResource({ uri: `reasoningbank://${ns}` }));
  const trajectory = async (id: string) => resourceJson<TrajectoryDoc>(await client.readResource({ uri: `trajectory://${id}` }));
  const tool = (name: string) => tools.find((t) => t.name === name)!;

  beforeAll(async () => {
    fake = await startFakeProvider({ models: { [MODEL]: { answer: reply } } });
    tmp = makeTempDir();
    bare = makeTempDir();
    h = await startStdioClient({
      db: tmp.db,
      xdg: tmp.xdg,
      env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL },
    });
    client = h.client;
    tools = (await client.listTools()).tools;
    none = await startStdioClient({ db: bare.db, xdg: bare.xdg });
  });

  afterAll(async () => {
    await h?.close();
    await none?.close();
    await fake?.close();
    tmp?.remove();
    bare?.remove();
  });

  it('lists both tools with schemas and truthful annotations', () => {
    const g = tool('generate_code');
    const r = tool('record_outcome');
    expect(g.inputSchema.required).toEqual(['task', 'language']);
    expect(r.inputSchema.required).toEqual(['trajectory_id']);
    // generate_code records a trajectory (not read-only) and calls LLM providers (open world).
    expect(g.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    // record_outcome writes, and its consolidation deletes distrusted and merged items.
    expect(r.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  describe('the learning loop', () => {
    let first: Generated;
    let strategyId: string;

    it('generate_code asks the provider once, returns the extracted code and records a trajectory', async () => {
      const before = chats();
      const raw = await client.callTool({ name: 'generate_code', arguments: { task: FIB_TASK, language: 'Python' } });
      expect(raw.isError).toBeFalsy();
      expectMatchesSchema(tool('generate_code').outputSchema, raw.structuredContent);
      first = raw.structuredContent as unknown as Generated;
      expect(chats()).toBe(before + 1);
      expect(first).toMatchObject({
        code: FIB_CODE,
        source: 'llm',
        language: 'python',
        memories_used: [],
        provider: 'openai',
        model: MODEL,
      });
      expect(first.tokens).toBeGreaterThan(0);
      expect(first.cost_usd).toBeGreaterThan(0);
      expect((raw.content as Array<{ text: string }>)[0].text).toContain(first.trajectory_id);

      const last = fake.requests[fake.requests.length - 1].body as {
        model: string;
        messages: Array<{ role: string; content: string }>;
      };
      expect(last.model).toBe(MODEL);
      expect(last.messages.find((m) => m.role === 'user')!.content).toContain(FIB_TASK);

      const t = await trajectory(first.trajectory_id);
      expect(t).toMatchObject({
        id: first.trajectory_id,
        namespace: 'codegen',
        task: FIB_TASK,
        language: 'python',
        code: FIB_CODE,
        source: 'llm',
        provider: 'openai',
        model: MODEL,
        memories_used: [],
        outcome: 'pending',
        notes: null,
        outcome_at: null,
      });
      expect(t.prompt).toContain(FIB_TASK);
      expect(Number.isNaN(Date.parse(t.created_at))).toBe(false);
    });

    it('record_outcome(success) distils a strategy holding the working solution', async () => {
      const raw = await client.callTool({
        name: 'record_outcome',
        arguments: { trajectory_id: first.trajectory_id, success: true, notes: 'pytest: 5 passed' },
      });
      expect(raw.isError).toBeFalsy();
      expectMatchesSchema(tool('record_outcome').outputSchema, raw.structuredContent);
      const r = raw.structuredContent as unknown as Outcome;
      expect(r).toMatchObject({ trajectory_id: first.trajectory_id, success: true, judged: false, memories_updated: [] });
      expect(r.memories_created).toEqual([expect.objectContaining({ kind: 'strategy', confidence: 0.7 })]);
      strategyId = r.memories_created[0].id;

      const b = await bank('codegen');
      expect(b.total).toBe(1);
      expect(b.items[0]).toMatchObject({
        id: strategyId,
        kind: 'strategy',
        language: 'python',
        confidence: 0.7,
        uses: 0,
        has_solution: true,
      });
      expect(b.items[0].content).toContain('pytest: 5 passed');
      expect(b.items[0].content).toContain('def fib(n):');
      expect(await trajectory(first.trajectory_id)).toMatchObject({ outcome: 'success', notes: 'pytest: 5 passed' });
    });

    it('a near-repeat of the succeeded task is answered from memory with zero provider requests', async () => {
      const before = fake.requests.length;
      const again = await generate({ task: `${FIB_TASK}.`, language: 'py' });
      expect(fake.requests.length).toBe(before); // the fake received nothing at all
      expect(again).toMatchObject({ code: FIB_CODE, source: 'memory', language: 'python' });
      expect(again.provider).toBeUndefined();
      expect(again.memories_used).toEqual([expect.objectContaining({ id: strategyId, kind: 'strategy' })]);
      expect(again.memories_used[0].similarity).toBeGreaterThanOrEqual(0.92);
      expect(again.trajectory_id).not.toBe(first.trajectory_id);
      expect(await trajectory(again.trajectory_id)).toMatchObject({
        source: 'memory',
        prompt: null,
        provider: null,
        outcome: 'pending',
      });
      expect((await bank('codegen')).items[0]).toMatchObject({ id: strategyId, uses: 1 });

      // Failure of the remembered answer lowers the confidence of the memory it came from.
      const r = await outcome({
        trajectory_id: again.trajectory_id,
        success: false,
        notes: 'RecursionError: fib(-1) never ends',
      });
      expect(r.memories_updated).toEqual([{ id: strategyId, title: expect.any(String), confidence: 0.55 }]);
      expect(r.memories_created).toEqual([
        expect.objectContaining({ kind: 'pitfall', title: 'python pitfall: RecursionError: fib(-1) never ends' }),
      ]);
      const items = (await bank('codegen')).items;
      expect(items.find((i) => i.id === strategyId)).toMatchObject({ confidence: 0.55, uses: 1 });

      // 0.55 is below the 0.6 a remembered solution needs: the next repeat goes to the provider,
      // with the strategy and the new pitfall in its prompt.
      const fresh = await generate({ task: FIB_TASK, language: 'python' });
      expect(fresh.source).toBe('llm');
      expect(fake.requests.length).toBe(before + 1);
      expect(fresh.memories_used.map((m) => m.kind).sort()).toEqual(['pitfall', 'strategy']);
      const prompt = (
        fake.requests[fake.requests.length - 1].body as { messages: Array<{ role: string; content: string }> }
      ).messages.find((m) => m.role === 'user')!.content;
      expect(prompt).toContain('Pitfall to avoid');
      expect(prompt).toContain('RecursionError: fib(-1) never ends');
      expect(prompt).toContain('Strategy that worked (confidence 0.55)');
    });

    it('one outcome per trajectory', async () => {
      const text = await callErr(client, 'record_outcome', { trajectory_id: first.trajectory_id, success: false });
      expect(text).toMatch(/already has its outcome \(success\)/);
      expect(text).toMatch(/call generate_code again/);
    });
  });

  it('consolidation merges near-duplicate items (on demand) and sums their uses', async () => {
    const ns = 'dedupe';
    const a = await generate({ task: FIB_TASK, language: 'python', namespace: ns, use_memory: false });
    const ra = await outcome({ trajectory_id: a.trajectory_id, success: true });
    const b = await generate({ task: FIB_TASK, language: 'python', namespace: ns, use_memory: false });
    expect(b.source).toBe('llm');
    expect(b.memories_used).toEqual([]);
    await outcome({ trajectory_id: b.trajectory_id, success: true });
    expect((await bank(ns)).total).toBe(2);

    const c = await generate({ task: FIB_TASK, language: 'python', namespace: ns });
    expect(c.source).toBe('memory');
    const rc = await outcome({ trajectory_id: c.trajectory_id, success: true, consolidate: true });
    expect(rc.consolidation).toEqual({ merged: 1, pruned: 0 });
    const after = await bank(ns);
    expect(after.total).toBe(1);
    expect(after.items[0].uses).toBe(1);
    // The served item (now the most trusted) is kept; the other copy is gone.
    expect(after.items[0].id).toBe(rc.memories_updated[0].id);
    expect([ra.memories_created[0].id, rc.memories_updated[0].id]).toContain(after.items[0].id);
  });

  it('scrubs API keys and e-mail addresses before storing anything', async () => {
    const ns = 'scrub';
    const g = await generate({
      task: `secret-handling: call the API with key ${LEAKED_KEY} and mail me at dev.person@corp-mail.io`,
      language: 'python',
      namespace: ns,
    });
    expect(g.code).toContain(LEAKED_KEY); // the caller gets the reply as it came
    const r = await outcome({
      trajectory_id: g.trajectory_id,
      success: true,
      notes: `used ${LEAKED_KEY}; token "Bearer abcdefghijklmnop0123456789"`,
    });
    expect(r.memories_created).toHaveLength(1);
    const stored = JSON.stringify([await trajectory(g.trajectory_id), await bank(ns)]);
    for (const leak of [LEAKED_KEY, 'dev.person@corp-mail.io', 'ops@corp-mail.io', 'abcdefghijklmnop0123456789'])
      expect(stored).not.toContain(leak);
    expect(stored).toContain('[REDACTED_API_KEY]');
    expect(stored).toContain('[REDACTED_EMAIL]');
    // The provider's own key never reaches a tool result or resource either.
    expect(stored).not.toContain(OPENAI_KEY);
  });

  it('judge: true asks the provider for a verdict when the caller cannot test', async () => {
    const pass = await generate({
      task: 'Write fib(n) again, judged',
      language: 'python',
      namespace: 'judged',
      use_memory: false,
    });
    const p = await outcome({ trajectory_id: pass.trajectory_id, judge: true });
    expect(p).toMatchObject({ success: true, judged: true, judge_reason: 'It computes the sequence iteratively.' });
    expect(p.memories_created[0]).toMatchObject({ kind: 'strategy', confidence: 0.6 });

    const fail = await generate({
      task: 'broken-constant: return the answer',
      language: 'python',
      namespace: 'judged',
      use_memory: false,
    });
    const f = await outcome({ trajectory_id: fail.trajectory_id, judge: true });
    expect(f).toMatchObject({ success: false, judged: true, judge_reason: 'It returns a constant.' });
    expect(f.memories_created[0].kind).toBe('pitfall');
  });

  it('a reply with no code block is an error result, and nothing is learned', async () => {
    const before = (await bank('nocode')).total;
    const text = await callErr(client, 'generate_code', {
      task: 'NO-CODE-PLEASE: explain fib',
      language: 'python',
      namespace: 'nocode',
    });
    expect(text).toMatch(/openai \(fake-coder\) replied without a code block/);
    expect(text).toMatch(/Retry/);
    expect((await bank('nocode')).total).toBe(before);
  });

  it('unknown and foreign trajectory ids are clear errors', async () => {
    expect(await callErr(client, 'record_outcome', { trajectory_id: 'no-such-trajectory', success: true })).toMatch(
      /No trajectory with id "no-such-trajectory"/,
    );
    await expect(client.readResource({ uri: 'trajectory://no-such-trajectory' })).rejects.toMatchObject({ code: -32002 });
  });

  it('refuses bad input with what to send instead', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['generate_code', { task: '', language: 'python' }, /task is empty/],
      ['generate_code', { task: 'x', language: 'py thon!' }, /language must be 1-40 characters/],
      ['generate_code', { task: 'x'.repeat(20_001), language: 'python' }, /task is over 20000 characters/],
      ['generate_code', { task: 'x', language: 'python', context: 'c'.repeat(200_001) }, /context is over 200000 characters/],
      ['generate_code', { task: 'x', language: 'python', namespace: 'Bad NS' }, /namespace must be 1-64 characters/],
      ['generate_code', { task: 'x', language: 'python', provider: 'nope' }, /Provider "nope" is not configured.*openai/],
      ['generate_code', { task: 'x', language: 'python', taks: 'typo' }, /Unknown field.*"taks"/],
      ['record_outcome', { trajectory_id: 'x' }, /needs success/],
      ['record_outcome', { trajectory_id: 'x', success: 'yes' }, /success must be true or false/],
      ['record_outcome', { trajectory_id: 'x', success: true, judge: true }, /either success or judge/],
      ['record_outcome', { trajectory_id: 'x', success: true, notes: 'n'.repeat(20_001) }, /notes is over 20000 characters/],
    ];
    for (const [name, args, re] of cases)
      expect(await callErr(client, name, args), `${name} ${JSON.stringify(args).slice(0, 80)}`).toMatch(re);
  });

  it('without any provider, generate_code says which env vars to set', async () => {
    const text = await callErr(none.client, 'generate_code', { task: FIB_TASK, language: 'python' });
    expect(text).toMatch(/No LLM provider is configured/);
    expect(text).toMatch(/ANTHROPIC_API_KEY/);
    expect(text).toMatch(/OPENAI_API_KEY/);
    // Nothing was recorded, and the server keeps serving.
    const b = resourceJson<Bank>(await none.client.readResource({ uri: 'reasoningbank://codegen' }));
    expect(b).toEqual({ namespace: 'codegen', total: 0, items: [] });
  });

  it('lists the ReasoningBank namespaces as resources and offers the self_improving_codegen prompt', async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    for (const ns of ['codegen', 'dedupe', 'scrub', 'judged']) expect(uris).toContain(`reasoningbank://${ns}`);
    await expect(client.readResource({ uri: 'reasoningbank://codegen?limit=0' })).rejects.toThrow(/limit/);
    expect((await client.readResource({ uri: 'reasoningbank://codegen?limit=1' })).contents).toHaveLength(1);

    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('self_improving_codegen');
    const p = await client.getPrompt({
      name: 'self_improving_codegen',
      arguments: { task: 'parse durations', language: 'go', namespace: 'ops' },
    });
    const text = p.messages[0].content.type === 'text' ? p.messages[0].content.text : '';
    expect(text).toContain('parse durations');
    for (const step of ['generate_code', 'record_outcome', 'trajectory_id', 'final_code', 'reasoningbank://ops'])
      expect(text).toContain(step);
    expect(text.indexOf('generate_code')).toBeLessThan(text.indexOf('record_outcome'));
  });
});
