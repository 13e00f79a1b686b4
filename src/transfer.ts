import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Config } from './config.js';
import { SixfoldError } from './errors.js';
import type { Logger } from './log.js';
import { chooseEmbedderConfig, createEmbedder } from './memory/embed/index.js';
import { pinnedEmbedderId } from './memory/pinned.js';
import { exportLines, importLines } from './memory/export.js';
import { MemoryStore } from './memory/store.js';

/** The embedder a command serves the database with: the configured one, else the one it was built with (see chooseEmbedderConfig). */
function embedderFor(config: Config, log: Logger) {
  return createEmbedder(chooseEmbedderConfig(config.embedder, pinnedEmbedderId(config.db)), process.env, log);
}

/** `sixfold export [--namespace N] > memories.jsonl`: stdout is the file (this command serves nothing). */
export async function runExport(config: Config, log: Logger, namespace: string | undefined): Promise<void> {
  const store = await MemoryStore.open({ path: config.db, embedder: embedderFor(config, log), log });
  let count = -1; // the header is not a memory
  try {
    for (const line of exportLines(store, namespace)) {
      count++;
      if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
    }
  } finally {
    store.close();
    await store.embedder.close?.();
  }
  process.stderr.write(
    `sixfold: exported ${count} memories${namespace ? ` of namespace "${namespace}"` : ''} from ${config.db}\n`,
  );
}

/** `sixfold import FILE` (or `-` for stdin): all lines checked, then one transaction. */
export async function runImport(config: Config, log: Logger, file: string): Promise<void> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') return resolve();
    input.once('open', () => resolve());
    input.once('error', (err: Error) =>
      reject(
        new SixfoldError(
          'config',
          `Cannot read ${file}: ${err.message}.`,
          'Pass the path of a file written by `sixfold export`.',
        ),
      ),
    );
  });
  await opened;
  const store = await MemoryStore.open({ path: config.db, embedder: embedderFor(config, log), log });
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    const r = await importLines(store, lines, (done, total) => {
      if (done === total || done % 10_240 === 0) process.stderr.write(`embedded ${done}/${total}\n`);
    });
    const skipped = [
      r.skipped_existing && `${r.skipped_existing} already present`,
      r.skipped_expired && `${r.skipped_expired} expired`,
    ].filter(Boolean);
    process.stderr.write(
      `sixfold: imported ${r.imported} memories from ${file} into ${config.db}` +
        `${r.embedded ? ` (${r.embedded} vectors computed with ${store.embedder.id}; the file's were from ${r.from_embedder} or missing)` : ' (vectors reused)'}` +
        `${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}\n`,
    );
  } catch (err) {
    if (err instanceof SixfoldError) throw new SixfoldError(err.code, `${file} ${err.message}`, err.hint);
    throw err;
  } finally {
    store.close();
    await store.embedder.close?.();
    if (file !== '-') (input as ReturnType<typeof createReadStream>).destroy();
  }
}
