/** Polls `probe` until `ok` holds; throws after `ms` with the last value seen. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 25)); // poll interval
  }
}
