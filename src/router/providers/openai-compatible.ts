import type OpenAI from 'openai';
import { classifySdkError } from './classify.js';
import { ProviderError, type CompletionRequest, type CompletionResult, type Provider, type ProviderInfo } from './types.js';

/**
 * Chat Completions through the official `openai` SDK: OpenAI itself, Gemini's OpenAI-compatible
 * endpoint, Ollama, and any other compatible server (OpenRouter, vLLM, llama.cpp).
 */
export function openAICompatibleProvider(info: ProviderInfo, apiKey: string | undefined): Provider {
  // Local servers take no key; the client insists on a string, which they ignore.
  // The SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment and send them to any
  // server; they belong to OpenAI only.
  const scope = info.name === 'openai' ? {} : { organization: null, project: null };
  // Loaded on the first call, so an unused provider costs no start-up time.
  let client: Promise<OpenAI> | undefined;
  const getClient = () =>
    (client ??= import('openai').then(
      (m) => new m.default({ apiKey: apiKey ?? 'no-key', baseURL: info.baseURL, maxRetries: 0, ...scope }),
    ));
  return {
    ...info,
    async complete(req: CompletionRequest, opts): Promise<CompletionResult> {
      let res;
      try {
        res = await (
          await getClient()
        ).chat.completions.create(
          {
            model: info.model,
            max_tokens: req.maxTokens,
            ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
            messages: [
              ...(req.system ? [{ role: 'system' as const, content: req.system }] : []),
              { role: 'user' as const, content: req.prompt },
            ],
          },
          { signal: opts.signal, timeout: opts.timeoutMs },
        );
      } catch (err) {
        throw classifySdkError(info.name, err, apiKey, opts.signal);
      }
      const choice = Array.isArray(res?.choices) ? res.choices[0] : undefined;
      const content = choice?.message?.content;
      if (typeof content !== 'string')
        throw new ProviderError(info.name, 'malformed', `${info.name}: response has no message content`);
      return {
        text: content,
        model: typeof res.model === 'string' ? res.model : info.model,
        inputTokens: Number(res.usage?.prompt_tokens ?? 0),
        outputTokens: Number(res.usage?.completion_tokens ?? 0),
      };
    },
  };
}
