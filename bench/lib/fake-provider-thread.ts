/**
 * The fake provider on its own thread, for benchmarks: a real provider is another machine, so its
 * HTTP parsing and timers must not share (and slow) the event loop being measured.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startFakeProvider, type ModelScript } from '../../testkit/fake-provider.js';

export interface ThreadedFake {
  baseURL: string;
  close(): Promise<void>;
}

/** Starts the fake in a worker thread with fixed (data-only) model scripts. */
export async function startThreadedFake(
  models: Record<string, Omit<ModelScript, 'answer' | 'embed' | 'hang' | 'latencyMs'> & { answer?: string; latencyMs?: number }>,
): Promise<ThreadedFake> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { models } });
  const baseURL = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { baseURL, close: async () => void (await worker.terminate()) };
}

if (!isMainThread && parentPort && (workerData as { models?: unknown })?.models) {
  const fake = await startFakeProvider({ models: (workerData as { models: Record<string, ModelScript> }).models });
  parentPort.postMessage(fake.baseURL);
}
