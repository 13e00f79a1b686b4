/**
 * The ReasoningBank loop over a real store (temp SQLite file, hash-384 embedder, sqlite-vec) with a
 * scripted `complete` in place of the router and an injected clock: retrieval, answers from
 * memory, learning from outcomes, consolidation, scrubbing, atomicity, and the vector table's
 * rebuild after a re-embed.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../../src/config.js';
import { SixfoldError } from '../../../../src/errors.js';
import { createLogger } from '../../../../src/log.js';
import { openDatabase } from '../../../../src/memory/db.js';
import { HashEmbedder } from '../../../../src/memory/embed/hash.js';
import type { Embedder } from '../../../../src/memory/embed/embedder.js';
import { ReasoningBank } from '../../../../src/patterns/codegen/bank.js';
import { reembed } from '../../../../src/memory/reembed.js';
import { MemoryStore } from '../../../../src/memory/store.js';
import { FAILURE_DELTA, INITIAL_CONFIDENCE, SUCCESS_DELTA } from '../../../../src/patterns/codegen/distil.js';
import {
  consolidate,
  generateCode,
  recordOutcome,
  type CodegenConfig,
  type CodegenDeps,
  type Completion,
} from '../../../../src/patterns/codegen/generate.js';
import { DAY_MS, memoryScore } from '../../../../src/patterns/codegen/score.js';
import type { CompletionRequest } from '../../../../src/router/providers/types.js';
import { FoldEmbedder, rejection, tempDir } from '../../helpers.js';

const log = createLogger('silent');
const T0 = Date.UTC(2025, 0, 1);
const DEFAULTS: CodegenConfig = ConfigSchema.parse({ db: ':memory:' }).codegen;

const SLUG = 'Write a function slugify(title) that turns a title into a URL slug';
const SLUG_RELATED = 'Write a function that turns a blog title into a slug for URLs'; // cosine 0.78 to SLUG
const CSV = 'Parse a CSV file of invoices and sum the totals per customer'; // cosine 0.13 to SLUG
const SLUG_CODE = 'def slugify(title):\n    return "-".join(title.lower().split())';

let clock: number;
let dir: ReturnType<typeof tempDir>;
let stores: MemoryStore[];
let calls: Array<{ req: CompletionRequest; opts: { provider?: string; purpose: string } }>;
let answer: (req: CompletionRequest) => string;

beforeEach(() => {
  clock = T0;
  dir = tempDir();
  stores = [];
  calls = [];
  answer = () => `Here:\n\n\`\`\`python\n${SLUG_CODE}\n\`\`\`\n`;
});
afterEach(() => {
  for (const s of stores) s.close();
  dir.remove();
});

async function openStore(embedder: Embedder = new HashEmbedder()): Promise<MemoryStore> {
  const s = await MemoryStore.open({ path: join(dir.path, 'sixfold.db'), embedder, log, now: () => clock });
  stores.push(s);
  return s;
}

async function setup(config: Partial<CodegenConfig> = {}, embedder?: Embedder): Promise<CodegenDeps & { store: MemoryStore }> {
  const store = await openStore(embedder);
  const bank = await ReasoningBank.open(store);
  const complete = async (req: CompletionRequest, opts: { provider?: string; purpose: string }): Promise<Completion> => {
    calls.push({ req, opts });
    return {
      text: answer(req),
      provider: opts.provider ?? 'fake',
      model: 'fake-model',
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.001,
    };
  };
  return { store, bank, complete, config: { ...DEFAULTS, ...config } };
}

function count(store: MemoryStore, sql: string): number {
  return (store.db.prepare(sql).get() as { n: number }).n;
}

describe('generate_code loop', () => {
  it('asks the router, extracts the code and records a pending trajectory', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'Python' });
    expect(r).toMatchObject({
      code: SLUG_CODE,
      source: 'llm',
      language: 'python',
      memories_used: [],
      provider: 'fake',
      model: 'fake-model',
      tokens: 120,
      cost_usd: 0.001,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].opts.purpose).toBe('codegen');
    expect(calls[0].req.prompt).toContain(SLUG);
    const t = d.bank.trajectory(r.trajectory_id)!;
    expect(t).toMatchObject({
      namespace: 'codegen',
      task: SLUG,
      language: 'python',
      code: SLUG_CODE,
      source: 'llm',
      outcome: 'pending',
      tokens: 120,
      created_at: T0,
    });
    expect(t.prompt).toContain(SLUG);
  });

  it('passes the provider through and refuses a reply without code, recording nothing', async () => {
    const d = await setup();
    answer = () => 'I would use a regular expression for this.';
    const err = await rejection(generateCode(d, { task: SLUG, language: 'python', provider: 'openai' }));
    expect(err.message).toMatch(/replied without a code block/);
    expect(calls[0].opts.provider).toBe('openai');
    expect(count(d.store, 'SELECT count(*) AS n FROM trajectories')).toBe(0);
  });

  it('a success is distilled into a strategy; a near-repeat is then answered from memory with no LLM call', async () => {
    const d = await setup();
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    const out = await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true, notes: 'pytest: 3 passed' });
    expect(out.memories_created).toEqual([
      expect.objectContaining({ kind: 'strategy', title: `python: ${SLUG}`, confidence: INITIAL_CONFIDENCE.strategy }),
    ]);
    expect(out.memories_updated).toEqual([]);
    expect(d.bank.trajectory(first.trajectory_id)).toMatchObject({ outcome: 'success', notes: 'pytest: 3 passed' });

    clock += DAY_MS;
    const again = await generateCode(d, { task: `${SLUG}.`, language: 'py' });
    expect(calls).toHaveLength(1); // no second LLM call
    expect(again.source).toBe('memory');
    expect(again.code).toBe(SLUG_CODE);
    expect(again.provider).toBeUndefined();
    expect(again.memories_used).toHaveLength(1);
    expect(again.memories_used[0]).toMatchObject({ id: out.memories_created[0].id, kind: 'strategy' });
    expect(again.memories_used[0].similarity).toBeGreaterThanOrEqual(DEFAULTS.repeat_threshold);
    expect(d.bank.trajectory(again.trajectory_id)).toMatchObject({
      source: 'memory',
      prompt: null,
      provider: null,
      outcome: 'pending',
    });
    expect(d.bank.item(out.memories_created[0].id)).toMatchObject({ uses: 1, last_used_at: T0 + DAY_MS });
  });

  it('a near-repeat is not served for other existing code, another language, another namespace, or with use_memory false', async () => {
    const d = await setup();
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true });
    const tries = [
      { task: SLUG, language: 'python', context: 'def existing(): pass' },
      { task: SLUG, language: 'javascript' },
      { task: SLUG, language: 'python', namespace: 'other' },
      { task: SLUG, language: 'python', use_memory: false },
    ];
    for (const t of tries) expect((await generateCode(d, t)).source, JSON.stringify(t)).toBe('llm');
    expect(calls).toHaveLength(1 + tries.length);
    // Without memory the prompt has no lessons and no memory is counted as used.
    expect(calls[calls.length - 1].req.prompt).not.toContain('Lessons');
  });

  it('the repeat threshold is configurable', async () => {
    const d = await setup({ repeat_threshold: 0.75 });
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true });
    expect((await generateCode(d, { task: SLUG_RELATED, language: 'python' })).source).toBe('memory');
    const strict = { ...d, config: { ...d.config, repeat_threshold: 1 } };
    expect((await generateCode(strict, { task: `${SLUG}, keeping digits`, language: 'python' })).source).toBe('llm');
  });

  it('injects related memories into the prompt, scored by similarity, recency and confidence', async () => {
    const d = await setup();
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    const {
      memories_created: [item],
    } = await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true, notes: 'strip punctuation first' });
    const unrelated = await generateCode(d, { task: CSV, language: 'python', use_memory: false });
    await recordOutcome(d, { trajectory_id: unrelated.trajectory_id, success: false, notes: 'KeyError: total' });

    clock += 90 * DAY_MS;
    const r = await generateCode(d, { task: SLUG_RELATED, language: 'python' });
    expect(r.source).toBe('llm');
    expect(r.memories_used.map((m) => m.id)).toEqual([item.id]); // the CSV pitfall is below min_similarity
    const used = r.memories_used[0];
    expect(used.similarity).toBeGreaterThan(0.7);
    expect(used.similarity).toBeLessThan(DEFAULTS.repeat_threshold);
    expect(used.score).toBeCloseTo(
      memoryScore({ similarity: used.similarity, ageMs: 90 * DAY_MS, confidence: INITIAL_CONFIDENCE.strategy }),
      3,
    );
    const prompt = calls[calls.length - 1].req.prompt;
    expect(prompt).toContain('Lessons from earlier attempts');
    expect(prompt).toContain(`1. Strategy that worked (confidence 0.70): python: ${SLUG}`);
    expect(prompt).toContain('strip punctuation first');
    expect(d.bank.item(item.id)!.uses).toBe(1);
  });

  it('success raises and failure lowers the confidence of the memories used; a distrusted solution stops being served', async () => {
    const d = await setup();
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    const {
      memories_created: [item],
    } = await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true });

    const related = await generateCode(d, { task: SLUG_RELATED, language: 'python' });
    const up = await recordOutcome(d, { trajectory_id: related.trajectory_id, success: true });
    expect(up.memories_updated).toEqual([
      { id: item.id, title: item.title, confidence: expect.closeTo(INITIAL_CONFIDENCE.strategy + SUCCESS_DELTA, 6) },
    ]);

    const served = await generateCode(d, { task: SLUG, language: 'python' });
    expect(served.source).toBe('memory');
    const down = await recordOutcome(d, {
      trajectory_id: served.trajectory_id,
      success: false,
      notes: 'AssertionError: "Hello, World!" gave "hello,-world!"',
    });
    expect(down.memories_updated[0].confidence).toBeCloseTo(INITIAL_CONFIDENCE.strategy + SUCCESS_DELTA + FAILURE_DELTA, 6);
    expect(down.memories_created).toEqual([
      expect.objectContaining({ kind: 'pitfall', title: 'python pitfall: AssertionError: "Hello, World!" gave "hello,-world!"' }),
    ]);

    // 0.65 is still >= 0.6; one more failure and it is no longer served.
    const again = await generateCode(d, { task: SLUG, language: 'python' });
    expect(again.source).toBe('memory');
    await recordOutcome(d, { trajectory_id: again.trajectory_id, success: false });
    expect(d.bank.item(item.id)!.confidence).toBeCloseTo(0.5, 6);
    const fresh = await generateCode(d, { task: SLUG, language: 'python' });
    expect(fresh.source).toBe('llm');
    // ... but it and the new pitfalls still inform the prompt.
    expect(fresh.memories_used.map((m) => m.kind).sort()).toEqual(['pitfall', 'pitfall', 'strategy']);
  });

  it('confidence stays within 0..1', async () => {
    const d = await setup();
    const first = await generateCode(d, { task: SLUG, language: 'python' });
    const {
      memories_created: [item],
    } = await recordOutcome(d, { trajectory_id: first.trajectory_id, success: true });
    for (let i = 0; i < 5; i++) {
      const r = await generateCode(d, { task: SLUG, language: 'python' });
      await recordOutcome(d, { trajectory_id: r.trajectory_id, success: true });
    }
    expect(d.bank.item(item.id)!.confidence).toBe(1);
  });

  it('a second outcome for one trajectory is a conflict and changes nothing', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    await recordOutcome(d, { trajectory_id: r.trajectory_id, success: true });
    const before = count(d.store, 'SELECT count(*) AS n FROM reasoning_items');
    const err = await rejection(recordOutcome(d, { trajectory_id: r.trajectory_id, success: false }));
    expect(err.code).toBe('conflict');
    expect(count(d.store, 'SELECT count(*) AS n FROM reasoning_items')).toBe(before);
    expect(d.bank.trajectory(r.trajectory_id)!.outcome).toBe('success');
    const bank = d.bank;
    expect(() =>
      bank.finish({
        id: r.trajectory_id,
        outcome: 'failure',
        notes: null,
        final_code: null,
        judged: false,
        items: [],
        adjust: { ids: [], delta: 0 },
      }),
    ).toThrow(SixfoldError);
  });

  it('needs success or judge (not both) and a known trajectory', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    expect((await rejection(recordOutcome(d, { trajectory_id: r.trajectory_id }))).message).toMatch(/needs success/);
    expect((await rejection(recordOutcome(d, { trajectory_id: r.trajectory_id, success: true, judge: true }))).message).toMatch(
      /either success or judge/,
    );
    expect((await rejection(recordOutcome(d, { trajectory_id: 'nope', success: true }))).code).toBe('not_found');
  });

  it('judge: true lets the router decide; its reason is kept and the items start less trusted', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    answer = () => 'PASS\nIt lower-cases and joins words.';
    const out = await recordOutcome(d, { trajectory_id: r.trajectory_id, judge: true });
    expect(calls[1].opts.purpose).toBe('judge');
    expect(calls[1].req.prompt).toContain(SLUG_CODE);
    expect(out).toMatchObject({ success: true, judged: true, judge_reason: 'It lower-cases and joins words.' });
    expect(out.memories_created[0].confidence).toBeCloseTo(INITIAL_CONFIDENCE.strategy - 0.1, 6);
    expect(d.bank.trajectory(r.trajectory_id)).toMatchObject({
      judged: true,
      notes: 'Judge (PASS): It lower-cases and joins words.',
    });
  });

  it('an unreadable verdict is an error and leaves the trajectory pending', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    answer = () => 'Looks plausible to me.';
    expect((await rejection(recordOutcome(d, { trajectory_id: r.trajectory_id, judge: true }))).message).toMatch(/PASS or FAIL/);
    expect(d.bank.trajectory(r.trajectory_id)!.outcome).toBe('pending');
    expect(count(d.store, 'SELECT count(*) AS n FROM reasoning_items')).toBe(0);
  });

  it('scrubs secrets and e-mail addresses from everything it stores', async () => {
    const d = await setup();
    const key = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123';
    answer = () => `\`\`\`python\nclient = Anthropic(api_key="${key}")\n# maintainer: jane@corp.io\n\`\`\``;
    const r = await generateCode(d, { task: `Call Claude with key ${key}; mail bob@corp.io`, language: 'python' });
    expect(r.code).toContain(key); // the caller gets the reply as is
    await recordOutcome(d, {
      trajectory_id: r.trajectory_id,
      success: true,
      notes: `worked with ${key}`,
      final_code: `${r.code}\n# ok password = "hunter2hunter2"`,
    });
    const dump = JSON.stringify([
      d.store.db.prepare('SELECT * FROM trajectories').all(),
      d.store.db.prepare('SELECT * FROM reasoning_items').all(),
    ]);
    for (const secret of [key, 'jane@corp.io', 'bob@corp.io', 'hunter2hunter2']) expect(dump).not.toContain(secret);
    expect(dump).toContain('[REDACTED_API_KEY]');
    expect(dump).toContain('[REDACTED_EMAIL]');
  });

  it('a failed embedding leaves the outcome unrecorded (one transaction after the embedding)', async () => {
    const embedder = new FoldEmbedder({ dims: 16, failOnCall: 3 });
    const d = await setup({}, embedder);
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    expect(embedder.calls).toBe(1); // opening the store and the empty bank embeds nothing
    embedder.calls = 2; // the next embed is call 3, which fails
    await expect(recordOutcome(d, { trajectory_id: r.trajectory_id, success: true })).rejects.toThrow(/embedder down/);
    expect(d.bank.trajectory(r.trajectory_id)!.outcome).toBe('pending');
    expect(count(d.store, 'SELECT count(*) AS n FROM reasoning_items')).toBe(0);
    expect((await recordOutcome(d, { trajectory_id: r.trajectory_id, success: true })).memories_created).toHaveLength(1);
  });
});

describe('consolidation', () => {
  async function learn(d: CodegenDeps, task: string, success = true) {
    const r = await generateCode(d, { task, language: 'python', use_memory: false });
    return recordOutcome(d, { trajectory_id: r.trajectory_id, success });
  }

  it('runs every consolidate_every new items and merges near-duplicates into one, summing uses', async () => {
    const d = await setup({ consolidate_every: 3 });
    const a = await learn(d, SLUG);
    clock += 1000; // the older of two equally trusted duplicates is kept
    const b = await learn(d, `${SLUG}.`);
    expect(a.consolidation).toBeUndefined();
    expect(b.consolidation).toBeUndefined();
    expect(d.bank.list('codegen', 10).total).toBe(2);
    const c = await learn(d, CSV);
    expect(c.consolidation).toEqual({ merged: 1, pruned: 0 });
    const { items, total } = d.bank.list('codegen', 10);
    expect(total).toBe(2);
    expect(items.map((i) => i.id).sort()).toEqual([a.memories_created[0].id, c.memories_created[0].id].sort());
    expect(d.bank.itemsSinceConsolidation('codegen')).toBe(0);
    // The vector of the dropped item went with it.
    expect(count(d.store, 'SELECT count(*) AS n FROM reasoning_vectors')).toBe(2);
  });

  it('on demand: consolidate: true, or consolidate() directly', async () => {
    const d = await setup();
    await learn(d, SLUG);
    const r = await generateCode(d, { task: SLUG, language: 'python', use_memory: false });
    const out = await recordOutcome(d, { trajectory_id: r.trajectory_id, success: true, consolidate: true });
    expect(out.consolidation).toEqual({ merged: 1, pruned: 0 });
    expect(consolidate(d, 'codegen')).toEqual({ merged: 0, pruned: 0 });
  });

  it('prunes items under confidence 0.3 and items unused for 180 days (injected clock)', async () => {
    const d = await setup();
    const old = await learn(d, SLUG);
    clock += 100 * DAY_MS;
    const recent = await learn(d, CSV);
    clock += 81 * DAY_MS; // SLUG's item: 181 days unused; CSV's: 81
    expect(consolidate(d, 'codegen')).toEqual({ merged: 0, pruned: 1 });
    expect(d.bank.item(old.memories_created[0].id)).toBeUndefined();
    expect(d.bank.item(recent.memories_created[0].id)).toBeDefined();

    // Drive the CSV strategy's confidence below 0.3 by failures of attempts that used it.
    for (let i = 0; i < 3; i++) {
      const r = await generateCode(d, { task: `${CSV} and write a report`, language: 'python', context: String(i) });
      expect(r.memories_used.map((m) => m.id)).toContain(recent.memories_created[0].id);
      await recordOutcome(d, { trajectory_id: r.trajectory_id, success: false });
    }
    expect(d.bank.item(recent.memories_created[0].id)!.confidence).toBeCloseTo(0.7 - 3 * 0.15, 6);
    const pruned = consolidate(d, 'codegen');
    expect(pruned.pruned).toBeGreaterThanOrEqual(1);
    expect(d.bank.item(recent.memories_created[0].id)).toBeUndefined();
  });
});

describe('vector table', () => {
  it('is rebuilt from the stored tasks after the store is re-embedded with another embedder', async () => {
    const d = await setup();
    const r = await generateCode(d, { task: SLUG, language: 'python' });
    const {
      memories_created: [item],
    } = await recordOutcome(d, { trajectory_id: r.trajectory_id, success: true });
    d.store.close();

    const other = new FoldEmbedder({ id: 'fold-16', dims: 16 });
    const db = openDatabase(join(dir.path, 'sixfold.db'));
    await reembed(db, other, log);
    db.close();

    const d2 = await setup({}, other);
    expect(d2.store.vec.dims).toBe(16);
    const again = await generateCode(d2, { task: SLUG, language: 'python' });
    expect(again.source).toBe('memory');
    expect(again.memories_used[0].id).toBe(item.id);
    // Opening again with the same embedder keeps the table (no rebuild).
    const calls0 = other.calls;
    await ReasoningBank.open(d2.store);
    expect(other.calls).toBe(calls0);
  });
});
