import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { clipText } from '../errors.js';
import type { Logger } from '../log.js';
import { LineReader } from './line-reader.js';

/** The SDK's own stdio read cap; every call a tool accepts fits in it (see MAX_ARGUMENT_BYTES). */
export const MAX_STDIO_LINE_BYTES = 10 * 1024 * 1024;

type Id = string | number;

function isId(v: unknown): v is Id {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

/**
 * The stdio transport: one JSON-RPC message per line on stdin, answers on stdout. It replaces the
 * SDK's StdioServerTransport for three reasons:
 * - reading is linear in the line length (the SDK's buffer is quadratic: see LineReader);
 * - a line that is not a valid message gets a JSON-RPC error answer (-32700 not JSON, -32602
 *   params not an object, -32600 otherwise) instead of being dropped, which left the caller
 *   waiting for its timeout;
 * - a line over the read cap, or stdin ending, stops reading and resolves `closed` with the
 *   reason, so the server shuts down instead of staying alive deaf. Answers still go out until the
 *   server closes the transport: calls in flight finish and are answered (`echo request | sixfold`
 *   gets its answer).
 */
export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Resolves once, with why reading stopped (the server should then shut down and close this). */
  readonly closed: Promise<string>;

  private readonly reader: LineReader;
  private reading = true;
  private isClosed = false;
  private resolveClosed!: (why: string) => void;

  constructor(
    private readonly log: Logger,
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    readonly maxLineBytes = MAX_STDIO_LINE_BYTES,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.reader = new LineReader(
      maxLineBytes,
      (line) => this.handleLine(line),
      (bytes) => this.oversize(bytes),
    );
  }

  private readonly onData = (chunk: Buffer) => this.reader.push(chunk);
  private readonly onEnd = () => this.stopReading('stdin closed');
  private readonly onInputError = (err: Error) => {
    this.log.warn({ err }, 'stdin failed');
    this.stopReading('stdin failed');
  };
  private readonly onOutputError = (err: Error) => {
    this.log.warn({ err }, 'stdout failed (client gone?)');
    this.stopReading('stdout failed');
  };

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onInputError);
    this.output.on('error', this.onOutputError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  /** The server is done with it: stop reading, and tell the protocol layer. */
  async close(): Promise<void> {
    this.stopReading('closed by the server');
    if (this.isClosed) return;
    this.isClosed = true;
    this.onclose?.();
  }

  private write(message: unknown): Promise<void> {
    if (this.output.destroyed || this.output.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  private stopReading(why: string): void {
    if (!this.reading) return;
    this.reading = false;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.input.off('error', this.onInputError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.resolveClosed(why);
  }

  private oversize(bytes: number): void {
    this.log.error(
      { bytes, limit: this.maxLineBytes },
      `a message on stdin is over the ${this.maxLineBytes}-byte limit; no tool accepts a call that large, so the client is broken or hostile: shutting down`,
    );
    this.stopReading(`message over ${this.maxLineBytes} bytes`);
  }

  private handleLine(line: string): void {
    if (!this.reading || !line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.reject(null, ErrorCode.ParseError, 'Parse error: the line is not JSON. Send one JSON-RPC message per line.');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (parsed.success) {
      this.onmessage?.(parsed.data);
      return;
    }
    this.answerInvalid(json, parsed.error.issues[0]?.message ?? 'not a JSON-RPC 2.0 message');
  }

  /** What JSON-RPC 2.0 asks for: an error for an invalid request (id null when it has none usable); nothing for a notification or a response. */
  private answerInvalid(json: unknown, why: string): void {
    if (Array.isArray(json)) {
      this.reject(null, ErrorCode.InvalidRequest, 'Invalid Request: batches are not supported. Send one message per line.');
      return;
    }
    const m = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
    const has = (k: string) => m !== undefined && Object.hasOwn(m, k);
    if (has('method') && typeof m!.method === 'string' && !has('id')) {
      this.log.warn(
        { method: clipText(m!.method as string, 100), why },
        'dropped an invalid notification (notifications get no answer)',
      );
      return;
    }
    if (!has('method') && (has('result') || has('error'))) {
      this.log.warn({ why }, 'dropped an invalid response from the client');
      return;
    }
    const id = has('id') && isId(m!.id) ? m!.id : null;
    if (
      has('params') &&
      m!.params !== undefined &&
      (typeof m!.params !== 'object' || m!.params === null || Array.isArray(m!.params))
    ) {
      this.reject(
        id,
        ErrorCode.InvalidParams,
        'Invalid params: params must be a JSON object (MCP uses named parameters), e.g. {"name": "memory_search", "arguments": {...}}.',
      );
      return;
    }
    this.reject(
      id,
      ErrorCode.InvalidRequest,
      `Invalid Request: ${clipText(why, 200)}. Send {"jsonrpc": "2.0", "id": <number or string>, "method": "...", "params": {...}}.`,
    );
  }

  private reject(id: Id | null, code: number, message: string): void {
    this.log.debug({ id, code }, 'answered an invalid message');
    void this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }
}
