/**
 * fast-check arbitraries derived from a tool's published inputSchema (JSON Schema from tools/list,
 * as a client sees it): valid arguments, and hostile variants of them. Each call says whether it
 * is invalid for certain (the server must refuse it, naming `field`) or merely odd.
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

export interface FuzzCall {
  tool: string;
  kind: string;
  args: Record<string, unknown>;
  /** Set when the arguments break the schema for sure: the top-level field the error must name. */
  mustFailNaming?: string;
}

/**
 * Cost caps for valid arguments (the fuzzer looks for bad handling, not for slow work): the
 * largest value a generated field takes, by `tool.field` or `tool.field.sub`.
 */
export const COST_CAPS: Record<string, number> = {
  'aggregate.simulate.agents': 20_000,
  'aggregate.values': 40,
  'aggregate.failed_subtrees': 4,
  'spawn_ephemeral.count': 3,
  'spawn_ephemeral.concurrency': 3,
  'spawn_ephemeral.ttl_ms': 2000,
  'spawn_ephemeral.inputs': 3,
  'spawn_ephemeral.max_tokens': 64,
  'byzantine_propose.replicas': 7,
  'byzantine_propose.timeout_ms': 400,
  'byzantine_propose.faults': 3,
  'byzantine_propose.faults.delay_ms': 50,
  'multi_model_vote.timeout_ms': 3000,
  'multi_model_vote.max_tokens': 64,
  'crdt_merge.ops': 6,
  'crdt_merge.updates': 3,
  'list_agents.limit': 50,
};

/** Strings that have broken parsers, encoders and databases before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\u2028\u2029',
  '\u202Eevil',
  '\uFEFFbom',
  'e\u0301',
  '👩‍👩‍👧‍👦',
  '"\'\\`${x}',
  '%s%n',
  '../../etc/passwd',
  'C:\\\\con',
  'DROP TABLE memories;--',
  '<script>',
  '\r\n',
  '\t',
  'null',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '9'.repeat(400),
  '字'.repeat(300),
];

const PROTO_OBJECT = () => JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as Record<string, unknown>;

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 8 && s && typeof s === 'object'; i++) {
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#/definitions/'))
      s = { ...root.definitions?.[s.$ref.slice(14)], ...s, $ref: undefined };
    else if (Array.isArray(s.allOf) && s.allOf.length === 1) s = { ...s, ...resolve(s.allOf[0], root), allOf: undefined };
    else break;
  }
  return s;
}

const cap = (caps: string, fallback: number) => COST_CAPS[caps] ?? fallback;

/** An arbitrary of values valid for `schema` (within the cost caps), `path` like `tool.field.sub`. */
export function validArb(schemaIn: Schema, root: Schema, path: string, depth = 0): fc.Arbitrary<unknown> {
  // A recursive schema (JSON values: a $ref to itself) is cut off with plain JSON.
  if (depth > 6) return fc.jsonValue({ maxDepth: 1 });
  const schema = resolve(schemaIn ?? {}, root);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.anyOf)) return fc.oneof(...schema.anyOf.map((s: Schema) => validArb(s, root, path, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 64, Math.max(minLength, 64));
      if (typeof schema.pattern === 'string') {
        const re = new RegExp(schema.pattern, 'u');
        return fc.stringMatching(re).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
      }
      return fc.oneof(
        { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength, maxLength }) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(...NASTY_STRINGS)
            .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity)),
        },
      );
    }
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1e6);
      const max = Math.min(schema.maximum ?? 1e6, cap(path, Infinity));
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min, max: Math.min(max, min + 50) }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e308;
      const max = Math.min(schema.maximum ?? 1e308, cap(path, Infinity));
      const d = fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true })
        .filter((x) => (schema.exclusiveMinimum === undefined || x > schema.exclusiveMinimum) && !Object.is(x, -0));
      return fc.oneof(
        { weight: 6, arbitrary: d },
        { weight: 1, arbitrary: fc.constantFrom(max, ...(schema.exclusiveMinimum === undefined ? [min] : [])) },
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 8, cap(path, 8)));
      return fc.array(validArb(schema.items ?? {}, root, path, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {};
      if (!Object.keys(props).length) {
        if (schema.additionalProperties === false) return fc.constant({});
        const extra =
          schema.additionalProperties && typeof schema.additionalProperties === 'object'
            ? validArb(schema.additionalProperties, root, path, depth + 1)
            : fc.jsonValue({ maxDepth: 2 });
        return fc.dictionary(
          fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__'),
          extra,
          { maxKeys: 4 },
        );
      }
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) model[k] = validArb(s, root, `${path}.${k}`, depth + 1);
      return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** A JSON value of a different type than `schema` asks for (schema must name one type). */
function wrongTypeValue(schema: Schema): fc.Arbitrary<unknown> {
  const t = schema.type;
  const all: Array<[string, unknown]> = [
    ['string', 'not-a-number'],
    ['number', 12.5],
    ['boolean', true],
    ['null', null],
    ['array', [1, 'x']],
    ['object', { a: 1 }],
  ];
  return fc.constantFrom(
    ...all
      .filter(([k]) => k !== t && !(t === 'number' && k === 'integer') && !(t === 'integer' && k === 'number'))
      .map(([, v]) => v),
  );
}

function deepNest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** One tool's fuzz calls: about half valid (within caps), the rest hostile. */
export function callArb(tool: string, schema: Schema): fc.Arbitrary<FuzzCall> {
  const props: Record<string, Schema> = schema.properties ?? {};
  const required: string[] = schema.required ?? [];
  const base = validArb(schema, schema, tool) as fc.Arbitrary<Record<string, unknown>>;
  const names = Object.keys(props);
  const typed = names.filter((n) => typeof resolve(props[n], schema).type === 'string');
  const strings = names.filter(
    (n) => resolve(props[n], schema).type === 'string' && resolve(props[n], schema).maxLength !== undefined,
  );
  const ranged = names.filter(
    (n) =>
      ['integer', 'number'].includes(resolve(props[n], schema).type) &&
      (resolve(props[n], schema).maximum !== undefined || resolve(props[n], schema).minimum !== undefined),
  );
  const arrays = names.filter(
    (n) => resolve(props[n], schema).type === 'array' && (resolve(props[n], schema).maxItems ?? Infinity) <= 5000,
  );
  const objecty = names.filter(
    (n) =>
      resolve(props[n], schema).type !== 'string' && !['integer', 'number', 'boolean'].includes(resolve(props[n], schema).type),
  );

  const variants: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzCall> }> = [
    { weight: 10, arbitrary: base.map((args) => ({ tool, kind: 'valid', args })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(base, fc.constantFrom('contnet', 'constructor', 'toString', '__proto__', 'k'.repeat(10_000), '\u0000', '💥', ''))
        .map(([args, key]) => {
          const out = { ...args };
          Object.defineProperty(out, key, {
            value: { namespace: 'BAD NAME!' },
            enumerable: true,
            configurable: true,
            writable: true,
          });
          return { tool, kind: 'extra field', args: out, mustFailNaming: key };
        }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.jsonValue({ maxDepth: 2 })).map(([args, v]) => ({
        tool,
        kind: 'odd arguments',
        args: { ...args, ...(typeof v === 'object' && v && !Array.isArray(v) ? v : {}) },
      })),
    },
  ];
  if (required.length) {
    variants.push({
      weight: 2,
      arbitrary: fc.tuple(base, fc.constantFrom(...required)).map(([args, key]) => {
        const out = { ...args };
        delete out[key];
        return { tool, kind: 'missing required', args: out, mustFailNaming: key };
      }),
    });
  }
  if (typed.length) {
    variants.push({
      weight: 3,
      arbitrary: fc
        .constantFrom(...typed)
        .chain((key) =>
          fc
            .tuple(base, wrongTypeValue(resolve(props[key], schema)))
            .map(([args, v]) => ({ tool, kind: 'wrong type', args: { ...args, [key]: v }, mustFailNaming: key })),
        ),
    });
  }
  if (strings.length) {
    variants.push({
      weight: 2,
      arbitrary: fc.constantFrom(...strings).chain((key) =>
        base.map((args) => ({
          tool,
          kind: 'string over maxLength',
          args: { ...args, [key]: 'z'.repeat(resolve(props[key], schema).maxLength + 1) },
          mustFailNaming: key,
        })),
      ),
    });
    variants.push({
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...strings), fc.constantFrom(...NASTY_STRINGS))
        .chain(([key, s]) => base.map((args) => ({ tool, kind: 'unicode edge', args: { ...args, [key]: s } }))),
    });
  }
  if (ranged.length) {
    variants.push({
      weight: 2,
      arbitrary: fc.constantFrom(...ranged).chain((key) => {
        const s = resolve(props[key], schema);
        const bad = [
          s.maximum !== undefined ? s.maximum + 1 : undefined,
          s.minimum !== undefined ? s.minimum - 1 : undefined,
          s.type === 'integer' ? (s.minimum ?? 0) + 0.5 : undefined,
          1e308,
          -1e308,
        ].filter(
          (x) =>
            x !== undefined &&
            !(x >= (s.minimum ?? -Infinity) && x <= (s.maximum ?? Infinity) && (s.type !== 'integer' || Number.isInteger(x))),
        );
        return fc
          .tuple(base, fc.constantFrom(...bad))
          .map(([args, v]) => ({ tool, kind: 'number out of range', args: { ...args, [key]: v }, mustFailNaming: key }));
      }),
    });
  }
  if (arrays.length) {
    variants.push({
      weight: 1,
      arbitrary: fc.constantFrom(...arrays).chain((key) =>
        base.map((args) => ({
          tool,
          kind: 'too many items',
          args: { ...args, [key]: Array.from({ length: (resolve(props[key], schema).maxItems ?? 1000) + 1 }, () => 1) },
          mustFailNaming: key,
        })),
      ),
    });
  }
  if (objecty.length) {
    variants.push({
      weight: 1,
      arbitrary: fc
        .constantFrom(...objecty)
        .chain((key) => base.map((args) => ({ tool, kind: 'deep nesting', args: { ...args, [key]: deepNest(2000) } }))),
    });
    variants.push({
      weight: 2,
      arbitrary: fc
        .constantFrom(...objecty)
        .chain((key) => base.map((args) => ({ tool, kind: 'nested __proto__', args: { ...args, [key]: PROTO_OBJECT() } }))),
    });
  }
  return fc.oneof(...variants);
}
