import { useEffect, useState } from 'preact/hooks';

/** Hash routes: #/page?key=value. Every view is a link, so back/forward and bookmarks work. */
export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseRoute(hash = location.hash): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const page = (q < 0 ? body : body.slice(0, q)) || 'overview';
  return { page, params: new URLSearchParams(q < 0 ? '' : body.slice(q + 1)) };
}

export function href(page: string, params: Record<string, string | number | undefined | null> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function navigate(page: string, params: Record<string, string | number | undefined | null> = {}): void {
  location.hash = href(page, params);
}

/** Whether the user has moved within the app (then a new page's heading takes focus; not on first load). */
export let navigated = false;

export function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute);
  useEffect(() => {
    const on = () => {
      navigated = true;
      setRoute(parseRoute());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
