import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_ERROR_TEXT, clipText } from '../errors.js';
import { PROTO_KEYS_META, findProtoKeys } from '../proto-keys.js';

type Loose = Record<string, unknown>;

/** Inbound: a tools/call whose arguments hold "__proto__" gets its paths in _meta (see proto-keys.ts). */
function markProtoKeys(message: JSONRPCMessage): void {
  const m = message as Loose;
  if (m.method !== 'tools/call') return;
  const params = m.params as Loose | undefined;
  if (!params || params.arguments === null || typeof params.arguments !== 'object') return;
  const paths = findProtoKeys(params.arguments, 'arguments');
  if (paths.length) params._meta = { ...(params._meta as Loose | undefined), [PROTO_KEYS_META]: paths };
}

/** Outbound: error texts are cut to MAX_ERROR_TEXT, whoever wrote them (the SDK joins every validation issue of a call). */
function clipErrors(message: JSONRPCMessage): JSONRPCMessage {
  const m = message as Loose;
  const error = m.error as Loose | undefined;
  if (error && typeof error.message === 'string' && error.message.length > MAX_ERROR_TEXT) {
    return { ...m, error: { ...error, message: clipText(error.message) } } as unknown as JSONRPCMessage;
  }
  const result = m.result as Loose | undefined;
  if (result?.isError === true && Array.isArray(result.content)) {
    const content = (result.content as Loose[]).map((c) =>
      c?.type === 'text' && typeof c.text === 'string' && c.text.length > MAX_ERROR_TEXT ? { ...c, text: clipText(c.text) } : c,
    );
    return { ...m, result: { ...result, content } } as unknown as JSONRPCMessage;
  }
  return message;
}

/**
 * Sixfold's edge on any transport (stdio or a Streamable HTTP session), installed after the
 * server connected to it: it sees raw messages before the SDK parses them and every message on its
 * way out.
 */
export function guardTransport(transport: Transport): void {
  const inbound = transport.onmessage;
  transport.onmessage = (message, extra) => {
    markProtoKeys(message);
    inbound?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(clipErrors(message), options);
}
