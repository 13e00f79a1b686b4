/**
 * A value made on first use, then shared: what keeps start-up cheap. A tool module loads its
 * schemas eagerly (tools/list needs them) and its implementation (Yjs, ajv, sketches, msgpackr, a
 * pattern's store) through one of these when first called. A failed make is not kept, so the next
 * call tries again.
 */
export interface Lazy<T> {
  (): Promise<T>;
  /** The value if it has been made, without making it (shutdown closes only what was opened). */
  peek(): T | undefined;
}

export function lazy<T>(make: () => Promise<T>): Lazy<T> {
  let pending: Promise<T> | undefined;
  let value: T | undefined;
  const get = () => {
    if (!pending) {
      pending = make().then(
        (v) => (value = v),
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      );
    }
    return pending;
  };
  return Object.assign(get, { peek: () => value });
}
