import { bytes, num, time } from '../format.js';
import { href, type Route } from '../route.js';
import { Empty, ErrorBox, Json, Loading, PageTitle, useApi } from '../ui.js';

interface Doc {
  id: string;
  updated_at: number;
  state_bytes: number;
  log_updates: number;
}
interface HistoryEntry {
  seq: number;
  at: number;
  bytes: number;
  updates: number;
  inserted: number;
  deleted: number;
  clients: number[];
}
interface DocDetail {
  id: string;
  snapshot: unknown;
  size_bytes: number;
  clients: number;
  created_at: number;
  updated_at: number;
  compact_every: number;
  history: HistoryEntry[];
}

function DocView({ id }: { id: string }) {
  const { data, error, loading } = useApi<DocDetail>('crdt/doc', { id }, ['crdt']);
  return (
    <section aria-label={`Document ${id}`}>
      <h2>{id}</h2>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data ? (
        <>
          <p class="muted">
            {bytes(data.size_bytes)} encoded · {data.clients} writer(s) · created {time(data.created_at)} · updated{' '}
            {time(data.updated_at)}
          </p>
          <h3>Current JSON</h3>
          <Json value={data.snapshot} label={`Current JSON of ${id}`} />
          <h3>Update history</h3>
          <p class="muted small">
            Merges since the last compaction, newest first (every {data.compact_every} merges the log is folded into the stored
            state, so older ones have no entry of their own).
          </p>
          {data.history.length ? (
            <table class="rows">
              <caption class="sr-only">Update history of {id}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Bytes</th>
                  <th scope="col">Updates</th>
                  <th scope="col">Inserted</th>
                  <th scope="col">Deleted</th>
                  <th scope="col">Writers</th>
                </tr>
              </thead>
              <tbody>
                {data.history.map((h) => (
                  <tr key={h.seq}>
                    <td class="num">{h.seq}</td>
                    <td class="nowrap">{time(h.at)}</td>
                    <td class="num">{bytes(h.bytes)}</td>
                    <td class="num">{h.updates}</td>
                    <td class="num">{num(h.inserted)}</td>
                    <td class="num">{num(h.deleted)}</td>
                    <td>
                      <code>{h.clients.join(', ')}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No merges since the last compaction.</Empty>
          )}
        </>
      ) : null}
    </section>
  );
}

export function CrdtPage({ route }: { route: Route }) {
  const { data, error, loading } = useApi<Doc[]>('crdt/docs', {}, ['crdt']);
  const selected = route.params.get('doc') ?? data?.[0]?.id;
  return (
    <section>
      <PageTitle>CRDT documents</PageTitle>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data && !data.length ? <Empty>No documents yet: crdt_merge creates one.</Empty> : null}
      {data?.length ? (
        <div class="split">
          <nav aria-label="Documents" class="side-list">
            <ul>
              {data.map((d) => (
                <li key={d.id}>
                  <a href={href('crdt', { doc: d.id })} aria-current={d.id === selected ? 'page' : undefined}>
                    {d.id}
                  </a>
                  <span class="count">{bytes(d.state_bytes)}</span>
                </li>
              ))}
            </ul>
          </nav>
          {selected ? <DocView key={selected} id={selected} /> : null}
        </div>
      ) : null}
    </section>
  );
}
