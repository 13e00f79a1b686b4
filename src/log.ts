import { pino, type DestinationStream, type Logger, type Level } from 'pino';

export type { Logger };
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths pino blanks in every log line. Keys must never reach a log, whatever object carries them.
 */
const REDACT = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'api_key',
  '*.api_key',
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'Authorization',
  '*.Authorization',
];

/**
 * The one logger. It writes to stderr (fd 2), synchronously so a crash or exit loses nothing:
 * stdout belongs to the stdio protocol. `clientSink` receives warn and above as well.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream, clientSink?: DestinationStream): Logger {
  const options = {
    level: level as Level | 'silent',
    base: { name: 'sixfold' },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const stderr = destination ?? pino.destination({ dest: 2, sync: true });
  if (!clientSink) return pino(options, stderr);
  // Warnings and errors also go to connected MCP clients (notifications/message); stderr keeps
  // exactly the configured level. The logger itself runs at the lower of the two.
  const streams = [
    { level: level as Level | 'silent', stream: stderr },
    { level: 'warn' as Level, stream: clientSink },
  ];
  const lowest = pino.levels.values[level] === undefined || pino.levels.values[level] > pino.levels.values.warn ? 'warn' : level;
  return pino({ ...options, level: lowest }, pino.multistream(streams));
}
