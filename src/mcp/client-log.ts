import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

/** pino's numeric levels as MCP logging levels (RFC 5424 names). */
function mcpLevel(pinoLevel: number): LoggingLevel {
  if (pinoLevel >= 60) return 'critical';
  if (pinoLevel >= 50) return 'error';
  if (pinoLevel >= 40) return 'warning';
  if (pinoLevel >= 30) return 'info';
  return 'debug';
}

/** Fields of a pino line that say nothing to a client (or repeat the level and time). */
const DROP: ReadonlySet<string> = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);
const MAX_DATA_CHARS = 4000;

/** A log line as the client sees it: the message and its fields, errors without stacks, clipped. */
export function clientLogData(line: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = { message: typeof line.msg === 'string' ? line.msg : '' };
  for (const [k, v] of Object.entries(line)) {
    if (DROP.has(k)) continue;
    if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      const e = v as { type?: unknown; message: string };
      data[k] = { type: typeof e.type === 'string' ? e.type : 'Error', message: e.message.slice(0, 500) };
    } else {
      data[k] = v;
    }
  }
  const text = JSON.stringify(data);
  return text.length > MAX_DATA_CHARS ? { message: data.message, truncated: `${text.slice(0, MAX_DATA_CHARS)}…` } : data;
}

/**
 * Warnings and errors the server logs, sent to every connected client as notifications/message.
 * Each session's logging/setLevel is honoured by the SDK (per session id). A pino stream: the
 * logger writes JSON lines to stderr as before and, from warn up, to this sink as well. Lines were
 * already redacted by pino, so keys never reach a client.
 */
export class ClientLogHub {
  private readonly servers = new Set<McpServer>();
  private sending = false;

  /** The pino stream (level warn). */
  readonly stream = { write: (line: string) => this.forward(line) };

  /** Sends this server's client the log from now on, until the returned function is called. */
  attach(server: McpServer): () => void {
    this.servers.add(server);
    return () => this.servers.delete(server);
  }

  private forward(line: string): void {
    if (!this.servers.size || this.sending) return; // a failure while sending must not log itself in a loop
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const params = { level: mcpLevel(Number(parsed.level)), logger: 'sixfold', data: clientLogData(parsed) };
    this.sending = true;
    try {
      for (const server of this.servers) {
        if (!server.isConnected()) continue;
        // The session id is what logging/setLevel stored the client's level under (undefined on stdio).
        void server.server.sendLoggingMessage(params, server.server.transport?.sessionId).catch(() => {});
      }
    } finally {
      this.sending = false;
    }
  }
}
