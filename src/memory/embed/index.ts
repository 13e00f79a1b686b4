import type { EmbedderConfig } from '../../config.js';
import { SixfoldError } from '../../errors.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash.js';
import { OpenAICompatibleEmbedder } from './openai-compatible.js';

export type { Embedder } from './embedder.js';

export function createEmbedder(cfg: EmbedderConfig, env: NodeJS.ProcessEnv = process.env): Embedder {
  if (cfg.kind === 'hash-384') return new HashEmbedder();
  const apiKey = env[cfg.api_key_env] || undefined;
  if (!apiKey && new URL(cfg.base_url).hostname === 'api.openai.com') {
    throw new SixfoldError('config', `The openai-compatible embedder at api.openai.com needs a key in ${cfg.api_key_env}.`, `Set ${cfg.api_key_env}, or use embedder kind "hash-384".`);
  }
  return new OpenAICompatibleEmbedder({
    baseURL: cfg.base_url, model: cfg.model, apiKey, apiKeyEnv: cfg.api_key_env,
    dimensions: cfg.dimensions, batchSize: cfg.batch_size, timeoutMs: cfg.timeout_ms,
  });
}
