/** The server's read-only JSON API (src/dashboard/api.ts). Same origin: the browser sends its credentials. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export async function getJson<T>(view: string, q?: Query, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/api/${view}${queryString(q)}`, { headers: { accept: 'application/json' }, signal });
  const body = (await res.json().catch(() => null)) as { error?: string } | null;
  if (!res.ok) throw new ApiError(res.status, body?.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}
