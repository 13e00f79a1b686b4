import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Embedder } from '../src/memory/embed/embedder.js';
import { searchMemories, type SearchMode } from '../src/memory/search.js';
import { MemoryStore } from '../src/memory/store.js';
import type { Logger } from '../src/log.js';

/**
 * The retrieval set (bench/data/retrieval/): 156 query -> memory pairs in six kinds (code tasks,
 * preferences, people, facts, errands, error messages), written by hand so that a query shares
 * no content word with its memory (test/unit/retrieval-data.test.ts checks that), and 1,025
 * distractors, many on the same topics. It was written before any embedder was run on it and no
 * threshold is tuned on it; it only picks nothing and measures.
 */
export interface Pair {
  id: string;
  category: string;
  memory: string;
  query: string;
}

export const DATA_DIR = resolve('bench/data/retrieval');

function readJsonl<T>(file: string): T[] {
  return readFileSync(join(DATA_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export function loadRetrievalSet(): { pairs: Pair[]; distractors: string[] } {
  return {
    pairs: readJsonl<Pair>('pairs.jsonl'),
    distractors: readJsonl<{ text: string }>('distractors.jsonl').map((d) => d.text),
  };
}

export interface RetrievalScore {
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  n: number;
}

/** Rank of the one right memory among the hits (1-based), or undefined when not in the top `k`. */
function rankOf(hits: Array<{ id: string }>, want: string): number | undefined {
  const i = hits.findIndex((h) => h.id === want);
  return i < 0 ? undefined : i + 1;
}

/**
 * Loads the set into a real store (SQLite file, FTS5, vec0) with `embedder`, then runs every
 * query through memory_search's own code in each mode. MRR counts ranks up to 10.
 */
export async function scoreRetrieval(
  embedder: Embedder,
  dbPath: string,
  log: Logger,
  modes: SearchMode[],
): Promise<Map<SearchMode, RetrievalScore>> {
  const { pairs, distractors } = loadRetrievalSet();
  const store = await MemoryStore.open({ path: dbPath, embedder, log });
  try {
    const texts = [...pairs.map((p) => p.memory), ...distractors];
    const saved = [];
    for (let i = 0; i < texts.length; i += 256)
      saved.push(...(await store.insert(texts.slice(i, i + 256).map((content) => ({ content })))));
    const out = new Map<SearchMode, RetrievalScore>();
    for (const mode of modes) {
      let r1 = 0;
      let r5 = 0;
      let rr = 0;
      for (const [i, p] of pairs.entries()) {
        const hits = await searchMemories(store, { query: p.query, k: 10, mode });
        const rank = rankOf(hits, saved[i].id);
        if (rank === 1) r1++;
        if (rank !== undefined && rank <= 5) r5++;
        if (rank !== undefined) rr += 1 / rank;
      }
      out.set(mode, { recallAt1: r1 / pairs.length, recallAt5: r5 / pairs.length, mrr: rr / pairs.length, n: pairs.length });
    }
    return out;
  } finally {
    store.close();
  }
}
