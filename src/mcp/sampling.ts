import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Deps } from '../deps.js';
import { SixfoldError, invalidInput } from '../errors.js';
import type { CompletionRequest } from '../router/providers/types.js';
import type { ToolExtra } from '../tool-kit.js';

/** The voter / provider name sampling answers under. */
export const CLIENT_PROVIDER = 'client';

export interface SampledCompletion {
  text: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * The client's own model as an LLM provider, through sampling/createMessage (the client asks its
 * user and model; sixfold holds no key). Shaped like the router's `complete`, so the pattern code
 * takes it unchanged and never sees MCP. Requests go out tied to the tool call that needs them
 * (on Streamable HTTP they travel on that call's response stream). Token counts are unknown (0)
 * and cost is 0: the client pays.
 */
export class ClientSampler {
  readonly name = CLIENT_PROVIDER;

  constructor(
    private readonly extra: ToolExtra,
    private readonly timeoutMs: number,
  ) {}

  async complete(req: CompletionRequest, opts: { signal?: AbortSignal } = {}): Promise<SampledCompletion> {
    let r;
    try {
      r = await this.extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: req.prompt } }],
            ...(req.system ? { systemPrompt: req.system } : {}),
            maxTokens: req.maxTokens,
            ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
            includeContext: 'none',
          },
        },
        CreateMessageResultSchema,
        { signal: opts.signal ?? this.extra.signal, timeout: this.timeoutMs },
      );
    } catch (err) {
      if ((opts.signal ?? this.extra.signal).aborted) throw new SixfoldError('unavailable', 'The request was cancelled.');
      throw new SixfoldError(
        'unavailable',
        `The client did not answer the sampling request (sampling/createMessage): ${(err as Error).message.slice(0, 300)}.`,
        'Approve the request in your client, or configure an LLM provider key (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY or OLLAMA_BASE_URL).',
      );
    }
    if (r.content.type !== 'text') {
      throw new SixfoldError(
        'unavailable',
        `The client's model answered with ${r.content.type} content, not text.`,
        'Retry, or configure an LLM provider key.',
      );
    }
    return { text: r.content.text, provider: CLIENT_PROVIDER, model: r.model, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  }
}

/**
 * The sampling fallback for an LLM-backed tool call: a sampler when no LLM provider is configured
 * and the client declared the sampling capability; otherwise undefined (the router answers, or
 * says that no provider is configured, as before). A `provider` the caller named other than
 * "client" is refused while sampling stands in for the providers.
 */
export async function samplingFallback(
  server: McpServer,
  extra: ToolExtra,
  deps: Pick<Deps, 'router' | 'config'>,
  provider?: string,
): Promise<ClientSampler | undefined> {
  if (!server.server.getClientCapabilities()?.sampling) return undefined;
  if ((await deps.router.list()).length) return undefined;
  if (provider !== undefined && provider !== CLIENT_PROVIDER) {
    throw invalidInput(
      `Provider "${provider}" is not configured: no LLM provider is, so this call would use your client's model (sampling).`,
      `Drop provider (or send "${CLIENT_PROVIDER}"), or configure the provider's key.`,
    );
  }
  return new ClientSampler(extra, deps.config.router.timeout_ms);
}
