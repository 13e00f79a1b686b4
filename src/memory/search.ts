import { stemmer } from 'stemmer';
import { withoutStopwords } from './stopwords.js';
import type { MemoryStore, MemoryRow, Tier } from './store.js';
import { rowToMemory } from './store.js';
import { l2ToCosine, toBlob } from './vectors.js';
import { hasTagTimeFilter, tagTimeSql, type TagTimeFilter } from './filters.js';

export const SEARCH_MODES = ['vector', 'keyword', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const SEARCH_ORDERS = ['relevance', 'recent'] as const;

export interface SearchQuery extends TagTimeFilter {
  query: string;
  namespace?: string;
  tier?: Tier;
  k?: number;
  mode?: SearchMode;
  min_score?: number;
  /** "recent": the k newest of the matches instead of the k best. */
  order?: (typeof SEARCH_ORDERS)[number];
}

export interface SearchHit {
  id: string;
  content: string;
  score: number;
  namespace: string;
  tier: Tier;
  salience: number;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** Reciprocal rank fusion constant (Cormack et al.): dampens the weight of top ranks. */
export const RRF_K = 60;
/**
 * At most this many postings (documents per term, summed) are ranked per keyword query. BM25
 * must score every document matching an OR query, so a near-universal word ("the") would cost a
 * pass over the whole corpus while adding almost nothing to the ranking (its IDF is near zero).
 */
export const POSTINGS_BUDGET = 5_000;
/** And at most this many words: BM25 scores every query word on every matched memory, and the
 * rarest words carry nearly all of a ranking's information. */
export const MAX_TERMS = 8;

const WORD = /[\p{L}\p{N}]+/gu;
const ASCII_WORD = /^[a-z0-9]+$/;

export function queryWords(text: string): string[] {
  return [...new Set(wordsOf(text))].slice(0, 64);
}

/**
 * A user's words as an FTS5 query: each word quoted (so FTS syntax in the input is inert),
 * OR-ed so any shared word matches and BM25 ranks by how many and how rare.
 */
export function ftsQuery(words: readonly string[]): string | null {
  return words.length ? words.map((w) => `"${w}"`).join(' OR ') : null;
}

/**
 * Keeps the rarest words, at most MAX_TERMS, until their postings fill the budget (always at least one word).
 * Document frequency comes from the FTS5 vocabulary, whose terms are Porter stems (as `stemmer`
 * computes them for ASCII words); a word not found there is treated as rare and kept.
 */
export function pruneCommonWords(words: readonly string[], df: (term: string) => number, budget = POSTINGS_BUDGET): string[] {
  const withDf = words.map((w) => ({ w, df: df(ASCII_WORD.test(w) ? stemmer(w) : w) })).sort((a, b) => a.df - b.df);
  const kept: string[] = [];
  let total = 0;
  for (const { w, df: n } of withDf) {
    if (kept.length && (total + n > budget || kept.length >= MAX_TERMS)) break;
    kept.push(w);
    total += n;
  }
  return kept;
}

type Ranked = { rowid: number; score: number };

function vectorRanks(store: MemoryStore, q: Float32Array, n: number, s: SearchQuery): Ranked[] {
  const filters = ['embedding MATCH ?', 'k = ?', 'expires_at > ?'];
  const params: unknown[] = [toBlob(q), n, BigInt(store.now())];
  if (s.namespace) (filters.push('namespace = ?'), params.push(s.namespace));
  if (s.tier) (filters.push('tier = ?'), params.push(s.tier));
  if (hasTagTimeFilter(s)) {
    // Tags and time are not vec0 columns: restrict the KNN scan to the rowids that match them.
    const f = tagTimeSql(s, store.now());
    filters.push(`rowid IN (SELECT m.rowid FROM memories m WHERE ${f.where.join(' AND ')})`);
    params.push(...f.params);
  }
  const rows = store
    .statement(`SELECT rowid, distance FROM ${store.vec.name} WHERE ${filters.join(' AND ')} ORDER BY distance`)
    .all(...params) as { rowid: number; distance: number }[];
  return rows.map((r) => ({ rowid: Number(r.rowid), score: Math.max(0, Math.min(1, l2ToCosine(r.distance))) }));
}

/**
 * BM25 over the rarest query words. With `quorum` (the keyword half of hybrid), a memory must hold
 * at least half of those words: with any one word enough, a memory sharing one stray word with a
 * reworded query ranked beside the vector's best, and RRF (which sees ranks, not how good a match
 * is) let such hits push the meaning matches out of the top k: on paraphrased queries hybrid fell
 * to a third of vector search's recall@5. A rare identifier beside one other word still counts.
 */
function keywordRanks(store: MemoryStore, text: string, n: number, s: SearchQuery, quorum = false): Ranked[] {
  const vocab = store.statement('SELECT doc FROM memories_fts_vocab WHERE term = ?');
  const df = (term: string) => (vocab.get(term) as { doc: number } | undefined)?.doc ?? 0;
  const words = pruneCommonWords(withoutStopwords(queryWords(text)), df);
  const match = ftsQuery(words);
  if (!match) return [];
  const filters = ['memories_fts MATCH ?', '(m.expires_at IS NULL OR m.expires_at > ?)'];
  const params: unknown[] = [match, store.now()];
  if (s.namespace) (filters.push('m.namespace = ?'), params.push(s.namespace));
  if (s.tier) (filters.push('m.tier = ?'), params.push(s.tier));
  const f = tagTimeSql(s, store.now());
  filters.push(...f.where);
  params.push(...f.params);
  params.push(n);
  const rows = store
    .statement(
      `SELECT m.rowid AS rowid, bm25(memories_fts) AS bm25${quorum ? ', m.content AS content' : ''} FROM memories_fts
       JOIN memories m ON m.rowid = memories_fts.rowid
       WHERE ${filters.join(' AND ')} ORDER BY bm25 LIMIT ?`,
    )
    .all(...params) as { rowid: number; bm25: number; content?: string }[];
  const kept = quorum && words.length > 1 ? withHalfTheWords(words, rows) : rows;
  // bm25() is negative, better is lower; s/(1+s) maps its magnitude into [0, 1).
  return kept.map((r) => {
    const m = Math.abs(r.bm25);
    return { rowid: r.rowid, score: m / (1 + m) };
  });
}

/**
 * The rows that hold at least half of `words`, checked on the text the keyword query already read,
 * with the FTS5 table's own rules (lower case, diacritics removed, Porter stems): a MATCH per word
 * would walk each word's whole posting list again.
 */
function withHalfTheWords<R extends { content?: string }>(words: readonly string[], rows: R[]): R[] {
  const wanted = [...new Set(words.map(ftsTerm))];
  return rows.filter((r) => {
    const terms = new Set(wordsOf(r.content ?? '').map(ftsTerm));
    return 2 * wanted.filter((w) => terms.has(w)).length >= wanted.length;
  });
}

/** A word as the FTS5 tokenizer ('porter unicode61 remove_diacritics 2') stores it. */
function ftsTerm(word: string): string {
  const plain = word.normalize('NFD').replace(/\p{M}/gu, '');
  return ASCII_WORD.test(plain) ? stemmer(plain) : plain;
}

/** Every word of a text, lower-cased, as FTS5's unicode61 tokenizer splits it. */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** RRF over both lists, scaled so a memory ranked first in both scores 1. */
export function fuse(lists: Ranked[][]): Ranked[] {
  const acc = new Map<number, number>();
  for (const list of lists) {
    list.forEach((r, i) => acc.set(r.rowid, (acc.get(r.rowid) ?? 0) + 1 / (RRF_K + i + 1)));
  }
  const max = lists.length / (RRF_K + 1);
  return [...acc].map(([rowid, s]) => ({ rowid, score: s / max })).sort((a, b) => b.score - a.score || a.rowid - b.rowid);
}

export async function searchMemories(store: MemoryStore, s: SearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
  const k = s.k ?? 5;
  const mode = s.mode ?? 'hybrid';
  // Fusion looks deeper than k so a memory ranked modestly in both lists can still surface.
  const depth = mode === 'hybrid' ? Math.max(k * 4, 40) : k;
  let ranked: Ranked[];
  if (mode === 'keyword') {
    ranked = keywordRanks(store, s.query, depth, s);
  } else {
    const [q] = await store.embedder.embed([s.query], signal);
    store.checkVectors([q], 1);
    // Tag and time filters narrow the exact scan to the rowids that match them (usually few); the
    // quantised index knows only namespace, tier and expiry, so it serves the other searches.
    const vec =
      store.quantized && !hasTagTimeFilter(s)
        ? (await store.quantized.knn(q, depth, { namespace: s.namespace, tier: s.tier, now: store.now() })).map((r) => ({
            rowid: r.rowid,
            score: Math.max(0, Math.min(1, l2ToCosine(r.distance))),
          }))
        : vectorRanks(store, q, depth, s);
    ranked = mode === 'vector' ? vec : fuse([vec, keywordRanks(store, s.query, depth, s, true)]);
  }
  const min = s.min_score ?? 0;
  const recent = s.order === 'recent';
  ranked = ranked.filter((r) => r.score >= min);
  if (!recent) ranked = ranked.slice(0, k);
  if (!ranked.length) return [];
  const rows = store
    .statement('SELECT * FROM memories WHERE rowid IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ranked.map((r) => r.rowid))) as MemoryRow[];
  const byRowid = new Map(rows.map((r) => [r.rowid, r]));
  if (recent) {
    const at = (r: Ranked) => byRowid.get(r.rowid)?.created_at ?? 0;
    ranked = ranked.sort((a, b) => at(b) - at(a) || b.rowid - a.rowid).slice(0, k);
  }
  const hits: SearchHit[] = [];
  for (const r of ranked) {
    const row = byRowid.get(r.rowid);
    if (!row) continue; // deleted between the two reads: skip rather than fail
    const m = rowToMemory(row);
    hits.push({
      id: m.id,
      content: m.content,
      score: r.score,
      namespace: m.namespace,
      tier: m.tier,
      salience: m.salience,
      metadata: m.metadata,
      tags: m.tags,
      created_at: m.created_at,
      updated_at: m.updated_at,
    });
  }
  return hits;
}
