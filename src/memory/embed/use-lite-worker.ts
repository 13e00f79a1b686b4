import { parentPort, workerData } from 'node:worker_threads';
import { loadUseLite, type UseBackend } from './use-lite-model.js';

/**
 * The embedding worker: loads USE lite once, then answers `{ id, texts }` with `{ id, data }`
 * (the vectors concatenated in one Float32Array, transferred, not copied). Running the model
 * here keeps the server's event loop free while the model loads (about a second) and while it
 * computes (milliseconds per sentence), so other tool calls are not held up behind it.
 */
export type WorkerRequest = { id: number; texts: string[] };
export type WorkerReply =
  | { type: 'ready'; backend: UseBackend; ms: number }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; data: Float32Array }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (!port) throw new Error('use-lite-worker must run as a worker thread');
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const started = performance.now();
const model = loadUseLite((workerData as { backend?: UseBackend } | undefined)?.backend ?? 'wasm');
model.then(
  (m) => post({ type: 'ready', backend: m.backend, ms: performance.now() - started }),
  (err: Error) => post({ type: 'load-error', message: err.message }),
);

// One request at a time: the next is read only after this one's answer is posted.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  chain = chain.then(async () => {
    try {
      const vectors = await (await model).embed(req.texts);
      const data = new Float32Array(vectors.length * (vectors[0]?.length ?? 0));
      vectors.forEach((v, i) => data.set(v, i * v.length));
      post({ type: 'result', id: req.id, data }, [data.buffer]);
    } catch (err) {
      post({ type: 'error', id: req.id, message: (err as Error).message });
    }
  });
});
