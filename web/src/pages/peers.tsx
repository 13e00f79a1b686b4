import { Fragment } from 'preact';
import type { Route } from '../route.js';
import { ErrorBox, Json, Loading, PageTitle, StatusBadge, useApi } from '../ui.js';

type Row = Record<string, unknown>;

interface Peers {
  configured: boolean;
  node_id?: unknown;
  address?: unknown;
  peers?: Row[] | null;
  counters?: Record<string, number> | null;
  gossip?: ({ peers?: Row[]; counters?: Record<string, number>; docs?: Row[] } & Row) | null;
}

/** A table of whatever fields the rows have: the peer layer's shape may grow without this page changing. */
function Rows({ rows, caption }: { rows: Row[]; caption: string }) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <table class="rows">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c} scope="col">
              {c.replace(/_/g, ' ')}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {cols.map((c) => {
              const v = r[c];
              return (
                <td key={c}>
                  {c === 'state' && typeof v === 'string' ? (
                    <StatusBadge status={v} />
                  ) : v === null || v === undefined ? (
                    '—'
                  ) : typeof v === 'object' ? (
                    JSON.stringify(v)
                  ) : (
                    String(v)
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Counters({ counters, label }: { counters: Record<string, number>; label: string }) {
  return (
    <dl class="facts" aria-label={label}>
      {Object.entries(counters).map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k.replace(/_/g, ' ')}</dt>
          <dd>{v.toLocaleString()}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function PeersPage(_props: { route: Route }) {
  const { data, error, loading } = useApi<Peers>('peers', {}, ['peers']);
  return (
    <section>
      <PageTitle>Cluster peers</PageTitle>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data && !data.configured ? (
        <div class="notice" role="status">
          <h2>No cluster configured</h2>
          <p>
            This server runs alone. Give it peers (with <code>--gossip-port</code> and <code>--peer</code>, see the README) and
            they show here with their connection state and sync counters.
          </p>
        </div>
      ) : null}
      {data?.configured ? (
        <>
          {data.node_id ? (
            <p>
              This node: <code>{String(data.node_id)}</code>
              {data.address ? (
                <>
                  {' '}
                  at <code>{JSON.stringify(data.address)}</code>
                </>
              ) : null}
            </p>
          ) : null}
          {data.peers?.length ? <Rows rows={data.peers} caption="Peers" /> : null}
          {data.counters ? <Counters counters={data.counters} label="Peer network counters" /> : null}
          {data.gossip ? (
            <>
              <h2>CRDT gossip</h2>
              {data.gossip.peers?.length ? (
                <Rows rows={data.gossip.peers} caption="Gossip peers" />
              ) : (
                <p class="muted">No gossip peers connected.</p>
              )}
              {data.gossip.counters ? <Counters counters={data.gossip.counters} label="Gossip counters" /> : null}
              {data.gossip.docs?.length ? <Rows rows={data.gossip.docs} caption="Documents and their last sync" /> : null}
              <details>
                <summary>Raw status</summary>
                <Json value={data.gossip} label="Gossip status" />
              </details>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
