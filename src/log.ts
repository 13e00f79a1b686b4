import { pino, type DestinationStream, type Logger, type Level } from 'pino';

export type { Logger };
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths pino blanks in every log line. Keys must never reach a log, whatever object carries them.
 */
const REDACT = [
  'apiKey', '*.apiKey', '*.*.apiKey', 'api_key', '*.api_key', 'token', '*.token', '*.*.token',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'Authorization', '*.Authorization',
];

/**
 * The one logger. It writes to stderr (fd 2), synchronously so a crash or exit loses nothing:
 * stdout belongs to the stdio protocol.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  return pino(
    { level: level as Level | 'silent', base: { name: 'sixfold' }, redact: { paths: REDACT, censor: '[redacted]' } },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
