import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, type Query } from './api.js';
import { onTopics, type Topic } from './live.js';
import { navigated } from './route.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Fetches an API view, again when its query changes and when a live update names one of
 * `topics` (or says only "db"). The previous data stays on screen while a reload runs.
 */
export function useApi<T>(view: string | null, q: Query = {}, topics: Topic[] = []): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(view !== null);
  const [tick, setTick] = useState(0);
  const key = `${view}${JSON.stringify(q)}`;
  const shown = useRef(key);

  useEffect(() => {
    if (view === null) return;
    if (shown.current !== key) {
      shown.current = key;
      setData(undefined); // another query: do not show the old one's data as if it were this one's
    }
    const abort = new AbortController();
    setLoading(true);
    getJson<T>(view, q, abort.signal).then(
      (d) => {
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: Error) => {
        if (abort.signal.aborted) return;
        setError(e.message);
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [key, tick]);

  const topicKey = topics.join(',');
  useEffect(() => {
    if (!topics.length) return;
    return onTopics((changed) => {
      if (changed.some((t) => t === 'db' || topics.includes(t))) setTick((n) => n + 1);
    });
  }, [topicKey]);

  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  ) : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

/** Pretty JSON in a scrollable, focusable block (keyboard users can scroll it). */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" tabIndex={0} aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A page's heading, focused when the user navigates to the page so screen readers announce it. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (navigated) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.replace(/[^a-z_]/g, '')}`}>{status.replace(/_/g, ' ')}</span>;
}
