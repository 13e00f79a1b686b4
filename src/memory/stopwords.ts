/**
 * English function words, left out of keyword queries: they match nearly every memory and say
 * nothing about which one is meant, yet in a rank fusion each matched memory counts as much as a
 * real keyword hit ("what did I say about …" would pull in every memory with "what" or "I").
 * The list is the classic English stop list of information retrieval (Lucene's set, with the
 * question words and pronouns a question to a memory store uses), not tuned on any data set.
 */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'after', 'all', 'also', 'am', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been', 'before', 'being',
  'but', 'by', 'can', 'could', 'did', 'do', 'does', 'doing', 'for', 'from', 'had', 'has', 'have', 'having', 'he', 'her',
  'here', 'hers', 'him', 'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'just', 'me', 'my', 'no', 'not', 'of',
  'on', 'or', 'our', 'ours', 'she', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them',
  'then', 'there', 'these', 'they', 'this', 'those', 'to', 'too', 'us', 'very', 'was', 'we', 'were', 'what', 'when',
  'where', 'which', 'while', 'who', 'whom', 'why', 'will', 'with', 'would', 'you', 'your', 'yours',
]);

/** The words minus function words; all of them when nothing else is left (a query of only such words still searches). */
export function withoutStopwords(words: readonly string[]): readonly string[] {
  const kept = words.filter((w) => !STOPWORDS.has(w));
  return kept.length ? kept : words;
}
