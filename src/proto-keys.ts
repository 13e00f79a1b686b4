/**
 * "__proto__" in a caller's JSON. JSON.parse keeps it as an own key, but the SDK's request parsing
 * (zod records) drops it silently before any tool sees it, and assigning it on a plain object sets
 * the prototype instead of a field. So it is looked for on the raw message at the transport edge
 * (src/transport/edge.ts), which names where it was under this _meta key, and defineTool refuses
 * the call like any unknown field.
 */
export const PROTO_KEYS_META = 'dev.sixfold/proto-keys';

/** Paths (like `arguments.metadata`) of the objects in `value` that have an own "__proto__" key; at most `max`. */
export function findProtoKeys(value: unknown, root: string, max = 8): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length && found.length < max) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--)
        if (node[i] !== null && typeof node[i] === 'object') stack.push([node[i], `${path}[${i}]`]);
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) found.push(path);
    for (const key of Object.keys(node).reverse()) {
      const child = (node as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object')
        stack.push([child, `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`]);
    }
  }
  return found;
}
