import type Anthropic from '@anthropic-ai/sdk';
import { classifySdkError } from './classify.js';
import { ProviderError, type CompletionRequest, type CompletionResult, type Provider, type ProviderInfo } from './types.js';

/**
 * Anthropic's Messages API through the official SDK. Retries are the router's job, not the SDK's.
 * The SDK is loaded on the first call: importing it costs ~150 ms of start-up for nothing when the
 * provider is never used.
 */
export function anthropicProvider(info: ProviderInfo, apiKey: string): Provider {
  let client: Promise<Anthropic> | undefined;
  const getClient = () =>
    (client ??= import('@anthropic-ai/sdk').then((m) => new m.default({ apiKey, baseURL: info.baseURL, maxRetries: 0 })));
  return {
    ...info,
    async complete(req: CompletionRequest, opts): Promise<CompletionResult> {
      let res;
      try {
        res = await (
          await getClient()
        ).messages.create(
          {
            model: info.model,
            max_tokens: req.maxTokens,
            ...(req.system ? { system: req.system } : {}),
            ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
            messages: [{ role: 'user', content: req.prompt }],
          },
          { signal: opts.signal, timeout: opts.timeoutMs },
        );
      } catch (err) {
        throw classifySdkError(info.name, err, apiKey, opts.signal);
      }
      const blocks = Array.isArray(res?.content) ? res.content : null;
      if (!blocks) throw new ProviderError(info.name, 'malformed', `${info.name}: response has no content blocks`);
      const text = blocks
        .filter((b) => b?.type === 'text')
        .map((b) => (b as { text: string }).text)
        .join('');
      return {
        text,
        model: typeof res.model === 'string' ? res.model : info.model,
        inputTokens: Number(res.usage?.input_tokens ?? 0),
        outputTokens: Number(res.usage?.output_tokens ?? 0),
      };
    },
  };
}
