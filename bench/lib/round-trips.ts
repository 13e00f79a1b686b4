import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TopicCorpus } from './corpus.js';
import { settle } from './stats.js';

/**
 * The round trips the stdio and HTTP suites time over a connected client: 1,000 memories stored
 * first (seed 7), then `calls` pings (the protocol-only baseline over the same connection),
 * `calls` memory_store and `calls` memory_search (hybrid, k = 5) of paraphrased texts.
 * Milliseconds per call.
 */
export async function measureRoundTrips(
  client: Client,
  calls: number,
): Promise<{ ping: number[]; store: number[]; search: number[] }> {
  const corpus = new TopicCorpus(7);
  for (let i = 0; i < 1000; i++) await client.callTool({ name: 'memory_store', arguments: { content: corpus.text() } });
  const queries = Array.from({ length: calls }, () => corpus.paraphrase(corpus.text()));

  const ping: number[] = [];
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    await client.ping();
    ping.push(performance.now() - s);
  }
  await settle();
  const store: number[] = [];
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    await client.callTool({ name: 'memory_store', arguments: { content: queries[i], namespace: 'rt' } });
    store.push(performance.now() - s);
  }
  await settle();
  const search: number[] = [];
  for (const q of queries) {
    const s = performance.now();
    await client.callTool({ name: 'memory_search', arguments: { query: q, k: 5 } });
    search.push(performance.now() - s);
  }
  return { ping, store, search };
}
