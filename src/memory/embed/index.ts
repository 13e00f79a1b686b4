import type { EmbedderConfig } from '../../config.js';
import { SixfoldError } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import { CachedEmbedder } from './cached.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash.js';
import { OpenAICompatibleEmbedder } from './openai-compatible.js';
import { UseLiteEmbedder } from './use-lite.js';

export type { Embedder } from './embedder.js';

/** The embedder a new database gets when none is configured. */
export const DEFAULT_EMBEDDER: EmbedderConfig = { kind: 'use-lite' };

/**
 * The embedder to serve a database with. Configured: that one (a database pinned to another is
 * refused by MemoryStore.open). Not configured: the one the database was built with, if it is a
 * local kind, else the default for new databases (use-lite); `pinned` is the DB's meta
 * `embedder_id`, undefined for a new DB.
 */
export function chooseEmbedderConfig(configured: EmbedderConfig | undefined, pinned: string | undefined): EmbedderConfig {
  if (configured) return configured;
  if (pinned === 'hash-384') return { kind: 'hash-384' };
  return DEFAULT_EMBEDDER;
}

export function createEmbedder(
  cfg: EmbedderConfig,
  env: NodeJS.ProcessEnv = process.env,
  log: Logger = createLogger('silent'),
): Embedder {
  if (cfg.kind === 'hash-384') return new HashEmbedder();
  if (cfg.kind === 'use-lite') return new CachedEmbedder(new UseLiteEmbedder({ log }));
  const apiKey = env[cfg.api_key_env] || undefined;
  if (!apiKey && new URL(cfg.base_url).hostname === 'api.openai.com') {
    throw new SixfoldError(
      'config',
      `The openai-compatible embedder at api.openai.com needs a key in ${cfg.api_key_env}.`,
      `Set ${cfg.api_key_env}, or use embedder kind "use-lite" (local, no key).`,
    );
  }
  return new OpenAICompatibleEmbedder({
    baseURL: cfg.base_url,
    model: cfg.model,
    apiKey,
    apiKeyEnv: cfg.api_key_env,
    dimensions: cfg.dimensions,
    batchSize: cfg.batch_size,
    timeoutMs: cfg.timeout_ms,
  });
}
