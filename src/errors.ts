/**
 * The one error type. `message` says what was wrong, `hint` says what to send or do instead.
 * Tool glue turns it into an `isError` result; the CLI prints it as a one-line reason.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'config'
  | 'embedder_mismatch'
  | 'unavailable'
  | 'internal';

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

export const invalidInput = (message: string, hint?: string) =>
  new SixfoldError('invalid_input', message, hint);

export const notFound = (message: string, hint?: string) =>
  new SixfoldError('not_found', message, hint);

/** Text safe to show a user for any thrown value; never includes a stack. */
export function describeError(err: unknown): string {
  if (err instanceof SixfoldError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
