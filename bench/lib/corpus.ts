/**
 * Seeded synthetic memories for benchmarks: Zipf-distributed words from a generated vocabulary,
 * so term frequencies look like text and every run sees the same data.
 */
import { mulberry32 } from '../../src/random.js';

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ten',
  'ra',
  'sul',
  'dor',
  'en',
  'vi',
  'pa',
  'qu',
  'is',
  'on',
  'tre',
  'ba',
  'ne',
  'ux',
  'fal',
  'gri',
  'mo',
];

export class Corpus {
  readonly vocab: string[];
  private readonly cdf: Float64Array;
  private readonly rand: () => number;

  constructor(seed = 42, vocabSize = 8000) {
    this.rand = mulberry32(seed);
    const seen = new Set<string>();
    while (seen.size < vocabSize) {
      const n = 2 + Math.floor(this.rand() * 3);
      let w = '';
      for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(this.rand() * SYLLABLES.length)];
      seen.add(w);
    }
    this.vocab = [...seen];
    // Zipf(s = 1.07) cumulative distribution over the vocabulary.
    this.cdf = new Float64Array(vocabSize);
    let total = 0;
    for (let i = 0; i < vocabSize; i++) total += 1 / Math.pow(i + 1, 1.07);
    let acc = 0;
    for (let i = 0; i < vocabSize; i++) {
      acc += 1 / Math.pow(i + 1, 1.07) / total;
      this.cdf[i] = acc;
    }
  }

  word(): string {
    const r = this.rand();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return this.vocab[lo];
  }

  /** A memory of 12..40 words. */
  text(): string {
    const n = 12 + Math.floor(this.rand() * 29);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.word());
    return words.join(' ');
  }

  /** A near-paraphrase query of `text`: about 60% of its words, some suffixes changed. */
  paraphrase(text: string): string {
    const out: string[] = [];
    for (const w of text.split(' ')) {
      if (this.rand() < 0.6) out.push(this.rand() < 0.2 ? `${w}s` : w);
    }
    return out.length ? out.join(' ') : text;
  }

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
}

/** Memories grouped by topic: each topic has its own small vocabulary mixed with common words. */
export class TopicCorpus extends Corpus {
  private readonly topics: string[][];
  constructor(seed = 42, topics = 2000, wordsPerTopic = 30) {
    super(seed);
    this.topics = [];
    for (let t = 0; t < topics; t++) {
      const words: string[] = [];
      for (let i = 0; i < wordsPerTopic; i++) words.push(this.vocab[this.int(this.vocab.length)]);
      this.topics.push(words);
    }
  }
  override text(): string {
    const topic = this.topics[this.int(this.topics.length)];
    const n = 12 + this.int(29);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.int(2) ? topic[this.int(topic.length)] : this.word());
    return words.join(' ');
  }
}
