import type { Config, ProviderConfig } from '../config.js';
import { anthropicProvider } from './providers/anthropic.js';
import { openAICompatibleProvider } from './providers/openai-compatible.js';
import type { Provider, ProviderInfo } from './providers/types.js';

interface BuiltIn extends Required<Omit<ProviderConfig, 'enabled' | 'api_key_env'>> {
  api_key_env?: string;
  base_url_env: string;
}

/**
 * Defaults for the four built-in providers. Prices are USD per million tokens (input / output)
 * as published for these models; override them in the config file when they change.
 */
export const BUILT_INS: Record<string, BuiltIn> = {
  anthropic: {
    kind: 'anthropic',
    base_url: 'https://api.anthropic.com',
    base_url_env: 'ANTHROPIC_BASE_URL',
    api_key_env: 'ANTHROPIC_API_KEY',
    model: 'claude-sonnet-4-5',
    price_input: 3,
    price_output: 15,
    tier: 3,
  },
  openai: {
    kind: 'openai-compatible',
    base_url: 'https://api.openai.com/v1',
    base_url_env: 'OPENAI_BASE_URL',
    api_key_env: 'OPENAI_API_KEY',
    model: 'gpt-4.1-mini',
    price_input: 0.4,
    price_output: 1.6,
    tier: 2,
  },
  gemini: {
    kind: 'openai-compatible',
    base_url: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    base_url_env: 'GEMINI_BASE_URL',
    api_key_env: 'GEMINI_API_KEY',
    model: 'gemini-2.5-flash',
    price_input: 0.3,
    price_output: 2.5,
    tier: 2,
  },
  ollama: {
    kind: 'openai-compatible',
    base_url: 'http://127.0.0.1:11434/v1',
    base_url_env: 'OLLAMA_BASE_URL',
    model: 'llama3.2',
    price_input: 0,
    price_output: 0,
    tier: 1,
  },
};

export interface ResolvedProviders {
  providers: Provider[];
  /** Ollama at its default address when nobody configured it: enabled only if it answers. */
  ollamaProbe?: Provider;
}

/**
 * Providers from built-in defaults ← config `providers` ← env (keys, base URLs,
 * SIXFOLD_<NAME>_MODEL). A keyed provider is enabled when its key is set; Ollama when configured
 * (OLLAMA_BASE_URL or config); an extra provider when its key env is set or it needs none.
 */
export function resolveProviders(config: Config, env: NodeJS.ProcessEnv = process.env): ResolvedProviders {
  const names = [...new Set([...Object.keys(BUILT_INS), ...Object.keys(config.providers)])];
  const providers: Provider[] = [];
  let ollamaProbe: Provider | undefined;
  for (const name of names) {
    const b = BUILT_INS[name];
    const c = config.providers[name] ?? {};
    if (c.enabled === false) continue;
    const baseURL = (b && env[b.base_url_env]) || c.base_url || b?.base_url;
    if (!baseURL) continue; // the config schema requires base_url for extra providers
    const keyEnv = c.api_key_env ?? b?.api_key_env;
    const key = keyEnv ? env[keyEnv] || undefined : undefined;
    const info: ProviderInfo = {
      name,
      kind: c.kind ?? b?.kind ?? 'openai-compatible',
      model: env[`SIXFOLD_${name.toUpperCase().replace(/-/g, '_')}_MODEL`] || c.model || b?.model || 'default',
      baseURL,
      priceInput: c.price_input ?? b?.price_input ?? 0,
      priceOutput: c.price_output ?? b?.price_output ?? 0,
      tier: c.tier ?? b?.tier ?? 2,
    };
    const make = () => (info.kind === 'anthropic' ? anthropicProvider(info, key ?? '') : openAICompatibleProvider(info, key));
    if (keyEnv && !key) continue; // needs a key that is not set
    if (name === 'ollama' && !env.OLLAMA_BASE_URL && !config.providers.ollama) {
      ollamaProbe = make();
      continue;
    }
    providers.push(make());
  }
  return { providers, ollamaProbe };
}

export const KEY_ENV_HELP =
  'Set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY, or OLLAMA_BASE_URL for a local Ollama ' +
  '(e.g. http://127.0.0.1:11434/v1), or add a provider under "providers" in the config file.';
