import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { num, time } from '../format.js';
import { href, navigate, type Route } from '../route.js';
import { Empty, ErrorBox, Json, Loading, PageTitle, useApi } from '../ui.js';

interface Memory {
  id: string;
  namespace: string;
  content: string;
  tier: string;
  salience: number;
  metadata: Record<string, unknown>;
  tags?: string[];
  created_at: string;
  expires_at: string | null;
  truncated?: boolean;
  score?: number;
}

interface Facets {
  namespaces: Array<{ namespace: string; count: number }>;
  tiers: Record<string, number>;
  tags: Array<{ tag: string; count: number }> | null;
}

const TIERS = ['working', 'long_term', 'flashbulb'];
const MODES = ['hybrid', 'keyword', 'vector'];

function Facets({ route }: { route: Route }) {
  const p = route.params;
  const { data, error } = useApi<Facets>('memory/facets', {}, ['memory']);
  const link = (patch: Record<string, string | undefined>) =>
    href('memory', { ns: p.get('ns'), tier: p.get('tier'), tag: p.get('tag'), ...patch });
  return (
    <aside class="facets" aria-label="Filters">
      <ErrorBox error={error} />
      <h2>Namespaces</h2>
      <ul class="facet-list">
        <li>
          <a href={link({ ns: undefined })} aria-current={!p.get('ns') ? 'true' : undefined}>
            all
          </a>
        </li>
        {data?.namespaces.map((n) => (
          <li key={n.namespace}>
            <a href={link({ ns: n.namespace })} aria-current={p.get('ns') === n.namespace ? 'true' : undefined}>
              {n.namespace}
            </a>{' '}
            <span class="count">{num(n.count)}</span>
          </li>
        ))}
      </ul>
      <h2>Tiers</h2>
      <ul class="facet-list">
        <li>
          <a href={link({ tier: undefined })} aria-current={!p.get('tier') ? 'true' : undefined}>
            all
          </a>
        </li>
        {TIERS.map((t) => (
          <li key={t}>
            <a href={link({ tier: t })} aria-current={p.get('tier') === t ? 'true' : undefined}>
              {t.replace('_', ' ')}
            </a>{' '}
            <span class="count">{num(data?.tiers[t] ?? 0)}</span>
          </li>
        ))}
      </ul>
      <h2>Tags</h2>
      {data?.tags?.length === 0 ? <p class="muted small">No tagged memories.</p> : null}
      {data?.tags?.length ? (
        <ul class="facet-list tags">
          {p.get('tag') ? (
            <li>
              <a href={link({ tag: undefined })}>any tag</a>
            </li>
          ) : null}
          {data.tags.map((t) => (
            <li key={t.tag}>
              <a href={link({ tag: t.tag })} aria-current={p.get('tag') === t.tag ? 'true' : undefined}>
                #{t.tag}
              </a>{' '}
              <span class="count">{t.count}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </aside>
  );
}

function MemoryRows({ items, route, scored }: { items: Memory[]; route: Route; scored: boolean }) {
  const p = Object.fromEntries(route.params);
  return (
    <table class="rows">
      <caption class="sr-only">Memories</caption>
      <thead>
        <tr>
          {scored ? <th scope="col">Score</th> : null}
          <th scope="col">Content</th>
          <th scope="col">Namespace</th>
          <th scope="col">Tier</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {items.map((m) => (
          <tr key={m.id} aria-current={p.id === m.id ? 'true' : undefined}>
            {scored ? <td class="num">{m.score?.toFixed(3)}</td> : null}
            <td class="content-cell">
              <a href={href('memory', { ...p, id: m.id })}>{m.content}</a>
              {m.tags?.length ? (
                <span class="tags">
                  {m.tags.map((t) => (
                    <span key={t} class="tag">
                      #{t}
                    </span>
                  ))}
                </span>
              ) : null}
            </td>
            <td>{m.namespace}</td>
            <td>{m.tier.replace('_', ' ')}</td>
            <td class="nowrap">{time(m.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Listing({ route }: { route: Route }) {
  const p = route.params;
  const q = { namespace: p.get('ns'), tier: p.get('tier'), tag: p.get('tag'), limit: 50 };
  const first = useApi<{ items: Memory[]; next: string | null }>('memory/list', q, ['memory']);
  const [more, setMore] = useState<{ items: Memory[]; next: string | null; error?: string }>({ items: [], next: null });
  useEffect(() => setMore({ items: [], next: null }), [first.data]);
  const next = more.items.length ? more.next : (first.data?.next ?? null);
  const loadMore = () => {
    if (!next) return;
    getJson<{ items: Memory[]; next: string | null }>('memory/list', { ...q, cursor: next }).then(
      (page) => setMore((m) => ({ items: [...m.items, ...page.items], next: page.next })),
      (e: Error) => setMore((m) => ({ ...m, error: e.message })),
    );
  };
  const items = [...(first.data?.items ?? []), ...more.items];
  return (
    <>
      <ErrorBox error={first.error ?? more.error} />
      <Loading when={first.loading && !first.data} />
      {first.data && !items.length ? <Empty>No memories here yet. Store some with the memory_store tool.</Empty> : null}
      {items.length ? <MemoryRows items={items} route={route} scored={false} /> : null}
      {next ? (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      ) : null}
    </>
  );
}

function SearchResults({ route }: { route: Route }) {
  const p = route.params;
  const { data, error, loading } = useApi<{ mode: string; results: Memory[] }>(
    'memory/search',
    { q: p.get('q'), mode: p.get('mode'), namespace: p.get('ns'), tier: p.get('tier'), k: 20 },
    ['memory'],
  );
  return (
    <>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data ? (
        <p class="muted" aria-live="polite">
          {data.results.length} result(s) for “{p.get('q')}” ({data.mode}).{' '}
          <a href={href('memory', { ns: p.get('ns'), tier: p.get('tier') })}>Clear search</a>
        </p>
      ) : null}
      {data?.results.length ? <MemoryRows items={data.results} route={route} scored /> : null}
    </>
  );
}

function Detail({ id, route }: { id: string; route: Route }) {
  const { data, error } = useApi<Memory>('memory/item', { id }, ['memory']);
  const close = { ...Object.fromEntries(route.params), id: undefined };
  return (
    <section class="detail" aria-label="Memory detail">
      <div class="detail-head">
        <h2>Memory</h2>
        <a href={href('memory', close)}>Close</a>
      </div>
      <ErrorBox error={error} />
      {data ? (
        <>
          <dl class="facts">
            <dt>id</dt>
            <dd>
              <code>{data.id}</code>
            </dd>
            <dt>namespace</dt>
            <dd>{data.namespace}</dd>
            <dt>tier</dt>
            <dd>{data.tier.replace('_', ' ')}</dd>
            <dt>salience</dt>
            <dd>{data.salience}</dd>
            <dt>created</dt>
            <dd>{time(data.created_at)}</dd>
            <dt>expires</dt>
            <dd>{data.expires_at ? time(data.expires_at) : 'never'}</dd>
            {data.tags ? (
              <>
                <dt>tags</dt>
                <dd>
                  {data.tags.length
                    ? data.tags.map((t) => (
                        <span key={t} class="tag">
                          #{t}
                        </span>
                      ))
                    : 'none'}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>Content</h3>
          <div class="content-full" tabIndex={0}>
            {data.content}
          </div>
          <h3>Metadata</h3>
          <Json value={data.metadata} label="Metadata" />
        </>
      ) : null}
    </section>
  );
}

export function MemoryPage({ route }: { route: Route }) {
  const p = route.params;
  const [text, setText] = useState(p.get('q') ?? '');
  const [mode, setMode] = useState(p.get('mode') ?? 'hybrid');
  useEffect(() => setText(p.get('q') ?? ''), [p.get('q')]);
  const submit = (e: Event) => {
    e.preventDefault();
    navigate('memory', {
      ns: p.get('ns'),
      tier: p.get('tier'),
      q: text.trim() || undefined,
      mode: text.trim() && mode !== 'hybrid' ? mode : undefined,
    });
  };
  const id = p.get('id');
  return (
    <section>
      <PageTitle>Memory</PageTitle>
      <form class="search" role="search" onSubmit={submit}>
        <label for="memory-q">Search memories</label>
        <input
          id="memory-q"
          type="search"
          value={text}
          maxLength={10000}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          placeholder="words or a question"
        />
        <label for="memory-mode">Mode</label>
        <select id="memory-mode" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value)}>
          {MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <button type="submit">Search</button>
      </form>
      <div class={`memory-layout${id ? ' with-detail' : ''}`}>
        <Facets route={route} />
        <div class="memory-main">{p.get('q') ? <SearchResults route={route} /> : <Listing route={route} />}</div>
        {id ? <Detail id={id} route={route} /> : null}
      </div>
    </section>
  );
}
