/**
 * The near-repeat rule needs the wording to agree too (hash-384), whatever the store's embedder
 * says: a semantic embedder scores a task and its opposite as near-identical. Here an embedder
 * that calls every text identical (similarity 1) stands in for that worst case.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../../src/config.js';
import { createLogger } from '../../../../src/log.js';
import type { Embedder } from '../../../../src/memory/embed/embedder.js';
import { ReasoningBank } from '../../../../src/patterns/codegen/bank.js';
import { MemoryStore } from '../../../../src/memory/store.js';
import { generateCode, recordOutcome, type CodegenDeps } from '../../../../src/patterns/codegen/generate.js';
import { tempDir } from '../../helpers.js';

class SameVectorEmbedder implements Embedder {
  readonly id = 'same-16';
  async dimensions(): Promise<number> {
    return 16;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(() => Float32Array.from({ length: 16 }, (_, i) => (i === 0 ? 1 : 0)));
  }
}

let dir: ReturnType<typeof tempDir>;
let store: MemoryStore;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  store?.close();
  dir.remove();
});

describe('generate_code near-repeats', () => {
  it('serves a reworded task from memory, but not a look-alike task with other words', async () => {
    store = await MemoryStore.open({
      path: join(dir.path, 's.db'),
      embedder: new SameVectorEmbedder(),
      log: createLogger('silent'),
    });
    let llmCalls = 0;
    const d: CodegenDeps = {
      bank: await ReasoningBank.open(store),
      config: ConfigSchema.parse({ db: ':memory:' }).codegen,
      complete: async () => (
        llmCalls++,
        {
          text: '```python\ndef heap():\n    pass\n```',
          provider: 'fake',
          model: 'm',
          inputTokens: 1,
          outputTokens: 1,
          costUsd: 0,
        }
      ),
    };
    const learned = await generateCode(d, {
      task: 'Write a min heap class with push, pop and peek for numbers.',
      language: 'python',
    });
    await recordOutcome(d, { trajectory_id: learned.trajectory_id, success: true });
    expect(llmCalls).toBe(1);
    const reworded = await generateCode(d, {
      task: 'Please write a min heap class with push, pop and peek for numbers.',
      language: 'python',
    });
    expect(reworded.source).toBe('memory');
    const lookAlike = await generateCode(d, {
      task: 'Write a max heap class with push, pop and peek for numbers.',
      language: 'python',
    });
    expect(lookAlike.source).toBe('llm');
    expect(llmCalls).toBe(2);
  });
});
