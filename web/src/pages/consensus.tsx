import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { num, short, time } from '../format.js';
import { href, type Route } from '../route.js';
import { Empty, ErrorBox, Json, Loading, PageTitle, useApi } from '../ui.js';
import { verifyCertificate, type CertificateCheck } from '../../../src/patterns/consensus/certificate.js';
import { PublicKeys } from '../../../src/patterns/consensus/keys.js';

interface Cluster {
  name: string;
  n: number;
  f: number;
  quorum: number;
  view: number;
  last_sequence: number;
  created_at: number;
}
interface Entry {
  sequence: number;
  view: number;
  digest: string;
  value: unknown;
  certificate: Array<{ replica: number; signature: string }>;
  committed_at: string;
}
interface Log {
  cluster: string;
  total: number;
  entries: Entry[];
  next_after: number | null;
}
interface Keys {
  cluster: string;
  n: number;
  f: number;
  quorum: number;
  public_keys: string[];
}

/**
 * Checks a certificate here, in the browser, with the cluster's public keys and the same code the
 * server's verify_certificate runs (src/patterns/consensus/certificate.ts, browser crypto).
 */
function Verify({ cluster, entry, keys }: { cluster: string; entry: Entry; keys: Keys }) {
  const [valueText, setValueText] = useState(JSON.stringify(entry.value));
  const [result, setResult] = useState<CertificateCheck | { error: string } | null>(null);
  const run = () => {
    let value: unknown;
    try {
      value = JSON.parse(valueText);
    } catch (e) {
      setResult({ error: `The value is not JSON: ${(e as Error).message}` });
      return;
    }
    try {
      setResult(
        verifyCertificate(new PublicKeys(keys.public_keys), cluster, value, entry.certificate, entry.sequence, entry.view),
      );
    } catch (e) {
      setResult({ error: (e as Error).message });
    }
  };
  const id = `verify-${entry.sequence}`;
  return (
    <div class="verify">
      <label for={id}>Value to check (edit it to see a forgery fail)</label>
      <textarea id={id} rows={3} value={valueText} onInput={(e) => setValueText((e.target as HTMLTextAreaElement).value)} />
      <button type="button" onClick={run}>
        Verify in this browser
      </button>
      <div aria-live="polite">
        {result && 'error' in result ? <p class="error">{result.error}</p> : null}
        {result && 'valid' in result ? (
          <p class={result.valid ? 'ok' : 'error'} data-testid="verify-result">
            {result.valid ? '✔ Valid certificate' : '✘ Not valid'}: {result.signers.length} of {keys.n} replicas signed (quorum{' '}
            {result.quorum}); signers {result.signers.join(', ') || 'none'}; value digest <code>{short(result.digest, 16)}</code>.
            {result.reason ? ` ${result.reason}` : ''}
          </p>
        ) : null}
      </div>
    </div>
  );
}

function ClusterLog({ cluster }: { cluster: Cluster }) {
  const log = useApi<Log>('consensus/log', { cluster: cluster.name, limit: 50 }, ['consensus']);
  const keys = useApi<Keys>('consensus/keys', { cluster: cluster.name });
  const [open, setOpen] = useState<number | null>(null);
  const [more, setMore] = useState<Entry[]>([]);
  const entries = [...(log.data?.entries ?? []), ...more];
  const nextAfter = more.length ? null : log.data?.next_after;
  return (
    <section aria-label={`Cluster ${cluster.name}`}>
      <h2>Cluster {cluster.name}</h2>
      <p class="muted">
        {cluster.n} replicas, tolerates f = {cluster.f} faulty; a certificate needs {cluster.quorum} signatures. View{' '}
        {cluster.view}, {num(cluster.last_sequence)} committed.
      </p>
      <ErrorBox error={log.error ?? keys.error} />
      <Loading when={log.loading && !log.data} />
      {keys.data ? (
        <details>
          <summary>Public keys (Ed25519)</summary>
          <ol start={0} class="keys">
            {keys.data.public_keys.map((k, i) => (
              <li key={i}>
                <code>
                  replica {i}: {k}
                </code>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      {log.data && !entries.length ? <Empty>Nothing committed yet.</Empty> : null}
      {entries.length ? (
        <table class="rows">
          <caption class="sr-only">Committed log of {cluster.name}</caption>
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">View</th>
              <th scope="col">Value</th>
              <th scope="col">Digest</th>
              <th scope="col">Signed by</th>
              <th scope="col">Committed</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <Fragment key={e.sequence}>
                <tr>
                  <td class="num">{e.sequence}</td>
                  <td class="num">{e.view}</td>
                  <td>
                    <code>{short(JSON.stringify(e.value), 60)}</code>
                  </td>
                  <td>
                    <code title={e.digest}>{short(e.digest, 12)}</code>
                  </td>
                  <td>{e.certificate.map((c) => c.replica).join(', ')}</td>
                  <td class="nowrap">{time(e.committed_at)}</td>
                  <td>
                    <button
                      type="button"
                      aria-expanded={open === e.sequence}
                      onClick={() => setOpen(open === e.sequence ? null : e.sequence)}
                    >
                      {open === e.sequence ? 'Close' : 'Verify'}
                      <span class="sr-only"> sequence {e.sequence}</span>
                    </button>
                  </td>
                </tr>
                {open === e.sequence && keys.data ? (
                  <tr class="expanded">
                    <td colSpan={7}>
                      <Verify cluster={cluster.name} entry={e} keys={keys.data} />
                      <details>
                        <summary>Certificate</summary>
                        <Json value={e.certificate} label="Certificate signatures" />
                      </details>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {nextAfter != null ? (
        <button
          type="button"
          onClick={() =>
            getJson<Log>('consensus/log', { cluster: cluster.name, after: nextAfter, limit: 100 }).then((l) => setMore(l.entries))
          }
        >
          Load more
        </button>
      ) : null}
    </section>
  );
}

export function ConsensusPage({ route }: { route: Route }) {
  const { data, error, loading } = useApi<Cluster[]>('consensus/clusters', {}, ['consensus']);
  const selected = route.params.get('cluster') ?? data?.[0]?.name;
  const cluster = data?.find((c) => c.name === selected);
  return (
    <section>
      <PageTitle>Consensus</PageTitle>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data && !data.length ? <Empty>No clusters yet: byzantine_propose creates one on its first proposal.</Empty> : null}
      {data?.length ? (
        <nav aria-label="Clusters" class="tabs">
          {data.map((c) => (
            <a key={c.name} href={href('consensus', { cluster: c.name })} aria-current={c.name === selected ? 'page' : undefined}>
              {c.name} <span class="count">{c.last_sequence}</span>
            </a>
          ))}
        </nav>
      ) : null}
      {cluster ? <ClusterLog key={cluster.name} cluster={cluster} /> : null}
    </section>
  );
}
