import { Ajv, type ValidateFunction } from 'ajv';
import { canonicalJson } from '../../canonical-json.js';

/**
 * Value validation for honest replicas: a proposal may carry a JSON Schema, and a replica accepts
 * the value only if it matches. Compiled schemas are cached by their canonical text (replicas of
 * one process share them); ajv is the validator already in the tree (via the MCP SDK).
 */
export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  private readonly cache = new Map<string, ValidateFunction>();

  /** Throws with ajv's message when the schema itself is not a valid JSON Schema. */
  compile(schema: unknown): ValidateFunction {
    const key = canonicalJson(schema);
    let fn = this.cache.get(key);
    if (!fn) {
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
      return `the schema does not compile: ${(err as Error).message}`;
    }
    if (fn(value)) return null;
    const e = fn.errors?.[0];
    return `value does not match the schema: ${e ? `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}` : 'invalid'}`;
  };
}
