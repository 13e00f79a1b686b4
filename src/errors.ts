/**
 * The one error type. `message` says what was wrong, `hint` says what to send or do instead.
 * Tool glue turns it into an `isError` result; the CLI prints it as a one-line reason.
 */
export type ErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'config' | 'embedder_mismatch' | 'unavailable' | 'internal';

export class SixfoldError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SixfoldError';
    this.code = code;
    this.hint = hint;
  }

  /** Message and hint as one human sentence pair. */
  describe(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export const invalidInput = (message: string, hint?: string) => new SixfoldError('invalid_input', message, hint);

export const notFound = (message: string, hint?: string) => new SixfoldError('not_found', message, hint);

/** Text safe to show a user for any thrown value; never includes a stack. */
export function describeError(err: unknown): string {
  if (err instanceof SixfoldError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Longest error text a caller is sent; anything longer is cut (one call can fail in many ways). */
export const MAX_ERROR_TEXT = 2000;

/** `text` cut to `max` characters, saying how long it was. */
export function clipText(text: string, max = MAX_ERROR_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters in all)` : text;
}

/**
 * A caller's value quoted for an error text, cut to `max` characters: an error names what was
 * wrong but never echoes unbounded input back (a 100 KB field name must not come back whole).
 */
export function echo(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return text.length > max ? `"${text.slice(0, max)}…" (${text.length} characters)` : `"${text}"`;
}

/** Unknown field names for an error text: each clipped, at most five listed. */
export function unknownKeys(keys: readonly PropertyKey[]): string {
  const shown = keys
    .slice(0, 5)
    .map((k) => echo(String(k), 40))
    .join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}
