import * as Y from 'yjs';
import { invalidInput } from '../../errors.js';
import type { CrdtOp, OpKind } from './op-kinds.js';
import { CTORS, kindOf, type TypeKind } from './types.js';

export { OP_KINDS, type CrdtOp, type OpKind } from './op-kinds.js';

const PROTO = '__proto__';

const KIND_OF_OP: Record<OpKind, TypeKind> = {
  map_set: 'map',
  map_delete: 'map',
  text_insert: 'text',
  text_delete: 'text',
  array_push: 'array',
  array_insert: 'array',
  array_delete: 'array',
};

function makeType(kind: TypeKind): Y.AbstractType<any> {
  return new CTORS[kind]();
}

function where(op: CrdtOp, depth: number): string {
  return [op.target, ...(op.path ?? []).slice(0, depth)].join('.');
}

/**
 * Resolves the shared type an op works on: the top-level `target` (declared with the op's kind when
 * it does not exist yet) then `path` through nested maps. A type of another kind is refused.
 */
function resolve(doc: Y.Doc, op: CrdtOp, i: number): Y.AbstractType<any> {
  const want = KIND_OF_OP[op.op];
  const path = op.path ?? [];
  const rootKind: TypeKind = path.length ? 'map' : want;
  const existing = doc.share.get(op.target);
  const existingKind = existing ? kindOf(existing) : undefined;
  // An untyped placeholder (created by a raw update with no content yet) takes the op's kind.
  if (existingKind && existingKind !== rootKind) {
    throw invalidInput(
      `ops[${i}] (${op.op}) needs "${op.target}" to be a ${rootKind}, but it is a ${existingKind}.`,
      `Use ${existingKind} ops on "${op.target}", or another target name.`,
    );
  }
  let cur: Y.AbstractType<any> = doc.get(op.target, CTORS[rootKind] as never);
  path.forEach((key, depth) => {
    const map = cur as Y.Map<unknown>;
    const last = depth === path.length - 1;
    const need: TypeKind = last ? want : 'map';
    let next = map.get(key);
    if (next === undefined) {
      next = makeType(need);
      map.set(key, next);
    }
    if (!(next instanceof Y.AbstractType) || kindOf(next) !== need) {
      const is = next instanceof Y.AbstractType ? kindOf(next) : `plain value (${JSON.stringify(next)?.slice(0, 40)})`;
      throw invalidInput(
        `ops[${i}] (${op.op}) needs ${where(op, depth + 1)} to be a ${need}, but it is a ${is}.`,
        `Point path at a ${need}, or map_set that key first to replace it.`,
      );
    }
    cur = next;
  });
  return cur;
}

function need<T>(v: T | undefined, op: CrdtOp, i: number, field: string, what: string): T {
  if (v === undefined) throw invalidInput(`ops[${i}] (${op.op}) is missing "${field}".`, `Send ${field}: ${what}.`);
  return v;
}

function checkIndex(index: number, max: number, op: CrdtOp, i: number, length = 0): void {
  if (index < 0 || index + length > max) {
    throw invalidInput(
      `ops[${i}] (${op.op}) at index ${index}${length ? ` length ${length}` : ''} is out of range: ${where(op, 99)} has length ${max}.`,
      `Use an index from 0 to ${Math.max(0, max - length)}.`,
    );
  }
}

/**
 * Names Yjs and JavaScript cannot carry: a "__proto__" key is dropped when Yjs decodes a map or
 * builds a snapshot (assignment sets the prototype), so it is refused rather than lost.
 */
function checkNames(op: CrdtOp, i: number): void {
  const where = op.target === PROTO ? 'target' : op.key === PROTO ? 'key' : op.path?.includes(PROTO) ? 'path' : undefined;
  if (where) {
    throw invalidInput(
      `ops[${i}] (${op.op}) has ${where} "__proto__", which a document cannot hold (JavaScript drops it from every snapshot).`,
      'Use another name, e.g. "proto".',
    );
  }
}

/**
 * Yjs decides how to store a value from its `constructor`, so a JSON object whose own
 * "constructor" key shadows it is refused by Yjs ("Unexpected content type"); say so instead.
 */
function checkValue(value: unknown, op: CrdtOp, i: number): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'constructor')) {
    throw invalidInput(
      `ops[${i}] (${op.op}) value is an object with a top-level "constructor" key, which Yjs cannot store as a plain value.`,
      'Nest it one level down (e.g. {"value": {...}}), or rename the key.',
    );
  }
  return value;
}

/** Applies one op inside the caller's transaction; throws (leaving the caller to discard the doc) on a bad op. */
function applyOne(doc: Y.Doc, op: CrdtOp, i: number): void {
  checkNames(op, i);
  const type = resolve(doc, op, i);
  switch (op.op) {
    case 'map_set':
      (type as Y.Map<unknown>).set(
        need(op.key, op, i, 'key', 'the map key'),
        checkValue(need(op.value, op, i, 'value', 'any JSON value'), op, i),
      );
      return;
    case 'map_delete':
      (type as Y.Map<unknown>).delete(need(op.key, op, i, 'key', 'the map key to delete'));
      return;
    case 'text_insert': {
      const text = type as Y.Text;
      const value = need(op.value, op, i, 'value', 'the string to insert');
      if (typeof value !== 'string')
        throw invalidInput(`ops[${i}] (text_insert) value must be a string.`, 'Send the text to insert as a JSON string.');
      const index = op.index ?? text.length;
      checkIndex(index, text.length, op, i);
      text.insert(index, value);
      return;
    }
    case 'text_delete': {
      const text = type as Y.Text;
      const index = need(op.index, op, i, 'index', 'where to start deleting');
      const length = need(op.length, op, i, 'length', 'how many characters to delete');
      checkIndex(index, text.length, op, i, length);
      text.delete(index, length);
      return;
    }
    case 'array_push':
      (type as Y.Array<unknown>).push([checkValue(need(op.value, op, i, 'value', 'the JSON element to append'), op, i)]);
      return;
    case 'array_insert': {
      const arr = type as Y.Array<unknown>;
      const index = need(op.index, op, i, 'index', 'where to insert');
      checkIndex(index, arr.length, op, i);
      arr.insert(index, [checkValue(need(op.value, op, i, 'value', 'the JSON element to insert'), op, i)]);
      return;
    }
    case 'array_delete': {
      const arr = type as Y.Array<unknown>;
      const index = need(op.index, op, i, 'index', 'the first element to delete');
      const length = op.length ?? 1;
      checkIndex(index, arr.length, op, i, length);
      arr.delete(index, length);
      return;
    }
  }
}

/**
 * Applies `ops` to `doc` in one transaction and returns the Yjs update they made. `doc` should be a
 * scratch copy: on a bad op this throws part-way and the copy is discarded, so the real document is
 * never touched.
 */
export function applyOps(doc: Y.Doc, ops: readonly CrdtOp[]): Uint8Array | null {
  let update: Uint8Array | null = null;
  const grab = (u: Uint8Array) => {
    update = u;
  };
  doc.on('update', grab);
  try {
    doc.transact(() => ops.forEach((op, i) => applyOne(doc, op, i)));
  } finally {
    doc.off('update', grab);
  }
  return update;
}
