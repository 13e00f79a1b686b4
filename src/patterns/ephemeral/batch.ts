/**
 * Write-behind batching: items added within one event-loop turn are written by one call (for
 * memories, one embed call and one SQLite transaction instead of one per agent). Each caller gets
 * its own item's result, or the batch's error. An item whose signal aborted before the batch is
 * written is left out (its caller gets the abort reason), so a stopped agent leaves no memory.
 */
export function batcher<T, R>(write: (items: T[]) => Promise<R[]>): (item: T, signal?: AbortSignal) => Promise<R> {
  let queue: Array<{ item: T; signal?: AbortSignal; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  const flush = async () => {
    const batch = queue.filter((b) => !b.signal?.aborted);
    for (const b of queue) if (b.signal?.aborted) b.reject(b.signal.reason);
    queue = [];
    if (!batch.length) return;
    try {
      const results = await write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  return (item, signal) =>
    new Promise<R>((resolve, reject) => {
      if (!queue.length) setImmediate(() => void flush());
      queue.push({ item, signal, resolve, reject });
    });
}
