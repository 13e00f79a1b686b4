import { Worker, parentPort, workerData } from 'node:worker_threads';
import { SchemaValidator } from './schema.js';

interface Job {
  id: number;
  value: unknown;
  schema: unknown;
}

interface Pending {
  job: Job;
  timeoutMs: number;
  resolve: (verdict: string | null) => void;
  reject: (err: Error) => void;
  /** Started when the job reaches a ready worker: a worker's start-up (loading ajv) is not the schema's cost. */
  timer?: NodeJS.Timeout;
}

export class ValidationTimeout extends Error {}

/** Marks the threads this module starts, so importing it in any other thread does nothing. */
const ROLE = 'sixfold-schema-worker';

/**
 * Validates a value against a caller's schema in a worker thread, so no schema (a uniqueItems
 * over thousands of objects, a thousand patternProperties against thousands of keys) can hold
 * the event loop: past `timeoutMs` the worker is terminated and the call refused. Other jobs
 * in flight move to a fresh worker. The worker is started on first use and keeps the process
 * alive only while a job waits.
 */
export class SchemaWorker {
  private worker: Worker | undefined;
  private ready = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  verdict(value: unknown, schema: unknown, timeoutMs: number): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, value, schema };
      const p: Pending = { job, timeoutMs, resolve, reject };
      this.pending.set(job.id, p);
      this.post(p);
    });
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    void this.worker?.terminate();
    this.worker = undefined;
    this.ready = false;
  }

  private post(p: Pending): void {
    if (!this.worker) this.worker = this.spawn();
    this.worker.ref(); // alive while a job waits; unref'd again once none does
    if (!this.ready) return; // sent when the worker says it is ready
    p.timer = setTimeout(() => this.timedOut(p.job.id, p.timeoutMs), p.timeoutMs);
    this.worker.postMessage(p.job);
  }

  private spawn(): Worker {
    const w = new Worker(new URL(import.meta.url), {
      workerData: { role: ROLE },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.ready = false;
    w.unref();
    w.on('message', (m: { id: number; verdict: string | null } | { ready: true }) => {
      if (this.worker !== w) return;
      if ('ready' in m) {
        this.ready = true;
        for (const p of this.pending.values()) this.post(p);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(m.id);
      if (!this.pending.size) w.unref();
      p.resolve(m.verdict);
    });
    w.on('error', (err) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.ready = false;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`schema validation failed: ${err.message}`));
      }
      this.pending.clear();
    });
    return w;
  }

  private timedOut(id: number, ms: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const stuck = this.worker;
    this.worker = undefined;
    void stuck?.terminate();
    for (const other of this.pending.values()) {
      clearTimeout(other.timer);
      this.post(other);
    }
    p.reject(new ValidationTimeout(`validating the value against the schema took over ${ms} ms`));
  }
}

// In the worker: validate each job with the same validator the replicas use.
if (parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const validator = new SchemaValidator();
  const port = parentPort;
  port.on('message', (job: Job) => port.postMessage({ id: job.id, verdict: validator.validate(job.value, job.schema) }));
  port.postMessage({ ready: true });
}
