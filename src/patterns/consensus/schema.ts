import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { canonicalJson } from '../../canonical-json.js';

/** Deepest nesting of objects and arrays a caller's schema may have. */
export const MAX_SCHEMA_DEPTH = 32;

/** ECMAScript escapes that RE2 spells differently: \uXXXX and \u{X} become \x{X}; "\\u" stays literal. */
export function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\(?:\\|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4}))/g, (m, braced?: string, four?: string) =>
    (braced ?? four) ? `\\x{${braced ?? four}}` : m,
  );
}

/**
 * The regex engine ajv uses for `pattern`, `patternProperties` and `propertyNames`: RE2 (re2js, a
 * pure-JS port), which matches in time linear in the input, so a caller's `^(a+)+$` cannot stall
 * the event loop the way a backtracking RegExp does. It has no backreferences or lookaround; a
 * schema using them is refused with that reason.
 */
function re2(pattern: string): { test: (s: string) => boolean; toString: () => string } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern));
  } catch (err) {
    const p = pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern;
    throw new Error(
      `pattern "${p}" is not supported by the linear-time (RE2) regex engine sixfold uses for caller schemas (no backreferences or lookaround): ${(err as Error).message.slice(0, 120)}`,
    );
  }
  // ajv caches compiled patterns by toString(): it must differ per pattern, as a RegExp's does.
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/re2` };
}
re2.code = 'require("re2js").RE2JS.compile';

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_SCHEMA_DEPTH) return max;
    for (const child of Object.values(node)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * Value validation for honest replicas: a proposal may carry a JSON Schema, and a replica accepts
 * the value only if it matches. Compiled schemas are cached by their canonical text (replicas of
 * one process share them); ajv is the validator already in the tree (via the MCP SDK). A caller's
 * schema is attack surface: its patterns run on RE2, its nesting is bounded, and a validation that
 * throws (a `$ref` cycle overflowing the stack) is a rejection, not a crash. The time one
 * validation may take is bounded by running it in a worker (SchemaWorker) before consensus.
 */
export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: false, strict: false, code: { regExp: re2 } });
  private readonly cache = new Map<string, ValidateFunction>();

  /** Throws with ajv's message when the schema itself is not a valid JSON Schema, or is too deep. */
  compile(schema: unknown): ValidateFunction {
    const key = canonicalJson(schema);
    let fn = this.cache.get(key);
    if (!fn) {
      if (depthOf(schema) > MAX_SCHEMA_DEPTH) throw new Error(`it nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
      fn = this.ajv.compile(schema as object);
      if (this.cache.size >= 256) this.cache.clear();
      this.cache.set(key, fn);
    }
    return fn;
  }

  /** null when the value matches; otherwise what is wrong, in one line. Bound, so it can be passed as a function. */
  readonly validate = (value: unknown, schema: unknown): string | null => {
    let fn: ValidateFunction;
    try {
      fn = this.compile(schema);
    } catch (err) {
      return `the schema does not compile: ${(err as Error).message.slice(0, 300)}`;
    }
    let ok: boolean;
    try {
      ok = fn(value) as boolean;
    } catch (err) {
      return `the schema could not be checked (${(err as Error).message.slice(0, 100)}; a $ref cycle?)`;
    }
    if (ok) return null;
    const e = fn.errors?.[0];
    const text = e ? `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}` : 'invalid';
    return `value does not match the schema: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
  };
}

/**
 * A replica-side validate that answers with a verdict already reached (in the worker, within its
 * time bound) for this exact value and schema, and validates anything else itself.
 */
export function withVerdict(
  value: unknown,
  schema: unknown,
  verdict: string | null,
  fallback: (v: unknown, s: unknown) => string | null,
): (v: unknown, s: unknown) => string | null {
  const valueText = canonicalJson(value);
  const schemaText = canonicalJson(schema);
  return (v, s) => (canonicalJson(v) === valueText && canonicalJson(s) === schemaText ? verdict : fallback(v, s));
}
