import { Chart, type Series } from '../chart.js';
import { num, time, usd } from '../format.js';
import { href, type Route } from '../route.js';
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge, useApi } from '../ui.js';

interface Provider {
  name: string;
  model: string;
  tier: number;
  calls: number;
  ok: number;
  failed: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  ewma_latency_ms: number | null;
  breaker: string;
  consecutive_failures: number;
}
interface Point {
  t: number;
  provider: string;
  calls: number;
  failures: number;
  latency_ms: number;
  cost_usd: number;
}
interface SeriesData {
  since: number;
  bucket_ms: number;
  points: Point[];
}
interface Failure {
  at: number;
  provider: string;
  model: string;
  purpose: string;
  outcome: string;
  latency_ms: number;
  error: string | null;
}

const WINDOWS: Array<[number, string]> = [
  [15, '15 minutes'],
  [60, '1 hour'],
  [360, '6 hours'],
  [1440, '24 hours'],
  [10_080, '7 days'],
];

/** Buckets as columns per provider; a bucket with no calls is empty (null), not zero latency. */
function pivot(d: SeriesData, minutes: number, field: keyof Omit<Point, 't' | 'provider'>): { x: number[]; series: Series[] } {
  const n = Math.ceil((minutes * 60_000) / d.bucket_ms) + 1;
  const x = Array.from({ length: n }, (_, i) => (d.since + i * d.bucket_ms) / 1000);
  const providers = [...new Set(d.points.map((p) => p.provider))].sort();
  const series = providers.map((name) => {
    const values: Array<number | null> = x.map(() => (field === 'latency_ms' ? null : 0));
    for (const p of d.points) {
      if (p.provider !== name) continue;
      const i = Math.floor((p.t - d.since) / d.bucket_ms);
      if (i >= 0 && i < n) values[i] = p[field];
    }
    return { label: name, values };
  });
  return { x, series };
}

export function RouterPage({ route }: { route: Route }) {
  const minutes = Number(route.params.get('minutes') ?? 60) || 60;
  const stats = useApi<{ policy: string; providers: Provider[] }>('router/stats', {}, ['router']);
  const series = useApi<SeriesData>('router/series', { minutes, buckets: 60 }, ['router']);
  const failures = useApi<Failure[]>('router/failures', { limit: 20 }, ['router']);
  return (
    <section>
      <PageTitle>Router</PageTitle>
      <ErrorBox error={stats.error ?? series.error ?? failures.error} />
      <Loading when={stats.loading && !stats.data} />
      {stats.data ? (
        <>
          <p class="muted">
            Policy <strong>{stats.data.policy}</strong>. Totals since the database was created; charts from the call log.
          </p>
          {stats.data.providers.length ? (
            <table class="rows">
              <caption class="sr-only">Providers</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Model</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Calls</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Tokens in / out</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Latency (EWMA)</th>
                  <th scope="col">Breaker</th>
                </tr>
              </thead>
              <tbody>
                {stats.data.providers.map((p) => (
                  <tr key={p.name}>
                    <td>{p.name}</td>
                    <td>
                      <code>{p.model}</code>
                    </td>
                    <td class="num">{p.tier}</td>
                    <td class="num">{num(p.calls)}</td>
                    <td class="num">{num(p.failed)}</td>
                    <td class="num">
                      {num(p.input_tokens)} / {num(p.output_tokens)}
                    </td>
                    <td class="num">{usd(p.cost_usd)}</td>
                    <td class="num">{p.ewma_latency_ms === null ? '—' : `${Math.round(p.ewma_latency_ms)} ms`}</td>
                    <td>
                      <StatusBadge status={p.breaker} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No LLM provider is configured (set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY, or run Ollama).</Empty>
          )}
        </>
      ) : null}
      <nav class="tabs" aria-label="Time window">
        {WINDOWS.map(([m, label]) => (
          <a key={m} href={href('router', { minutes: m })} aria-current={m === minutes ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {series.data ? (
        series.data.points.length ? (
          <div class="charts">
            <Chart title="Calls per interval" {...pivot(series.data, minutes, 'calls')} />
            <Chart title="Failures per interval" {...pivot(series.data, minutes, 'failures')} />
            <Chart title="Mean latency (ms)" {...pivot(series.data, minutes, 'latency_ms')} />
            <Chart
              title="Cost per interval (USD)"
              {...pivot(series.data, minutes, 'cost_usd')}
              format={(v) => (v === 0 ? '$0' : Math.abs(v) < 0.01 ? `$${v.toExponential(1)}` : `$${v.toFixed(2)}`)}
            />
          </div>
        ) : (
          <Empty>No LLM calls in this window.</Empty>
        )
      ) : null}
      <h2>Recent failures</h2>
      {failures.data?.length ? (
        <table class="rows">
          <caption class="sr-only">Recent failed calls</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Provider</th>
              <th scope="col">For</th>
              <th scope="col">Kind</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {failures.data.map((f, i) => (
              <tr key={i}>
                <td class="nowrap">{time(f.at)}</td>
                <td>{f.provider}</td>
                <td>{f.purpose}</td>
                <td>{f.outcome}</td>
                <td class="content-cell">{f.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : failures.data ? (
        <Empty>No failed calls.</Empty>
      ) : null}
    </section>
  );
}
