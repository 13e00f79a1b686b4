/**
 * The JSON edit crdt_merge takes, as data: its schema (schemas.ts) loads from here without Yjs,
 * which only ops.ts, applying the edits, needs.
 */
export const OP_KINDS = [
  'map_set',
  'map_delete',
  'text_insert',
  'text_delete',
  'array_push',
  'array_insert',
  'array_delete',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** A JSON edit for callers that cannot produce Yjs bytes (an LLM). */
export interface CrdtOp {
  op: OpKind;
  /** Name of a top-level shared type. */
  target: string;
  /** Keys into nested maps below `target`; missing maps on the way are created. */
  path?: string[];
  key?: string;
  index?: number;
  value?: unknown;
  length?: number;
}
