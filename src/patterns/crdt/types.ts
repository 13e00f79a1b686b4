import * as Y from 'yjs';

/** The kinds of top-level shared types a document may hold. */
export const TYPE_KINDS = ['map', 'text', 'array', 'xml'] as const;
export type TypeKind = (typeof TYPE_KINDS)[number];
export type TypeMap = Record<string, TypeKind>;

/** The Yjs class of each kind. */
export const CTORS = { map: Y.Map, text: Y.Text, array: Y.Array, xml: Y.XmlFragment } as const;

/** Declares `kinds` on `doc` (before or after content arrived: Yjs retypes a generic placeholder). */
export function declareTypes(doc: Y.Doc, kinds: TypeMap): void {
  for (const [name, kind] of Object.entries(kinds)) doc.get(name, CTORS[kind] as never);
}

export function kindOf(type: Y.AbstractType<any>): TypeKind | undefined {
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.Array) return 'array';
  if (type instanceof Y.XmlFragment) return 'xml';
  return undefined;
}

/**
 * Top-level types that only raw updates created are generic placeholders (a Yjs update does not
 * say which type its root is). Type them from their content the way a client that declared them
 * would see them: map entries -> map; string, format or embed content -> text; XML children ->
 * xml; other list content -> array. A placeholder with no content yet stays untyped. Returns the
 * kinds it chose (to be persisted with the doc).
 */
export function typeFromContent(doc: Y.Doc): TypeMap {
  const chosen: TypeMap = {};
  for (const [name, type] of doc.share) {
    if (kindOf(type)) continue;
    let kind: TypeKind | undefined;
    if (type._map.size > 0) kind = 'map';
    else {
      for (let item = type._start; item && !kind; item = item.right) {
        const c = item.content;
        if (c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) kind = 'text';
        else if (
          c instanceof Y.ContentType &&
          (c.type instanceof Y.XmlElement || c.type instanceof Y.XmlText || c.type instanceof Y.XmlHook)
        )
          kind = 'xml';
        else if (!(c instanceof Y.ContentDeleted)) kind = 'array';
      }
    }
    if (kind) {
      doc.get(name, CTORS[kind] as never);
      chosen[name] = kind;
    }
  }
  return chosen;
}

/** Kinds of every typed top-level type in `doc`. */
export function typesOf(doc: Y.Doc): TypeMap {
  const out: TypeMap = {};
  for (const [name, type] of doc.share) {
    const k = kindOf(type);
    if (k) out[name] = k;
  }
  return out;
}
