import { useMemo, useState } from 'preact/hooks';
import { href } from '../route.js';
import { PageTitle } from '../ui.js';
import { BEHAVIORS, TYPE_NAMES, runPbft, type PbftRun, type TraceMsg } from './pbft-run.js';
import type { Behavior, Fault } from '../../../src/patterns/consensus/byzantine.js';

const TYPE_COLORS: Record<string, string> = {
  req: '#555',
  pp: '#2f6f9f',
  p: '#4f8a3b',
  c: '#8a4fa8',
  rep: '#b08b12',
  vc: '#c0392b',
  nv: '#e67e22',
  ck: '#1d8a8a',
  rej: '#7f1d1d',
  fetch: '#777',
  st: '#999',
  state: '#666',
};
const LANE = 110;
const TOP = 40;
const MAX_DRAWN = 800;

/**
 * Client and replicas as vertical lifelines, time flowing down, one arrow per message. Time is
 * drawn by order, not to scale: a burst of messages a fraction of a millisecond apart is spread
 * out, and a quiet gap (timers: retransmission, view-change timeout) is a wider step with its
 * simulated time written at the left.
 */
function SequenceDiagram({ run, shown }: { run: PbftRun; shown: Set<string> }) {
  const msgs = run.messages.filter((m) => shown.has(m.type));
  const drawn = msgs.slice(0, MAX_DRAWN);
  const times = [...new Set(drawn.flatMap((m) => (m.deliveredAt === null ? [m.sentAt] : [m.sentAt, m.deliveredAt])))].sort(
    (a, b) => a - b,
  );
  const at = new Map<number, number>();
  const marks: Array<[number, number]> = [];
  let cursor = TOP;
  times.forEach((t, i) => {
    const gap = i === 0 ? Infinity : t - times[i - 1];
    if (i > 0) cursor += gap > 2 ? 28 : 5;
    if (gap > 2) marks.push([t, cursor]);
    at.set(t, cursor);
  });
  const height = cursor + 40;
  const y = (t: number) => at.get(t) ?? TOP;
  const end = times[times.length - 1] ?? 0;
  const parties = [run.n, ...Array.from({ length: run.n }, (_, i) => i)];
  const x = (id: number) => 110 + parties.indexOf(id) * LANE;
  const width = 110 + parties.length * LANE;
  const viewChangeAt = drawn.find((m) => m.type === 'nv')?.sentAt;
  const label =
    `Message-sequence diagram: ${drawn.length} of ${run.messages.length} messages between the client and ${run.n} replicas over ${end.toFixed(1)} simulated ms` +
    `${viewChangeAt !== undefined ? `; a new view was announced at ${viewChangeAt.toFixed(1)} ms` : ''}. The table below lists them.`;
  return (
    <div class="diagram-scroll" tabIndex={0} aria-label="Message-sequence diagram (scrollable)">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} class="sequence">
        <defs>
          {Object.entries(TYPE_COLORS).map(([t, c]) => (
            <marker
              key={t}
              id={`arrow-${t}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill={c} />
            </marker>
          ))}
        </defs>
        {parties.map((p) => (
          <g key={p}>
            <text x={x(p)} y={20} text-anchor="middle" class="lane-label">
              {p === run.n ? 'client' : `replica ${p}`}
            </text>
            <line x1={x(p)} x2={x(p)} y1={TOP - 10} y2={height - 10} class="lifeline" />
          </g>
        ))}
        {marks.map(([t, yy]) => (
          <text key={`t${t}`} x={4} y={yy + 4} class="time-mark">
            {t.toFixed(1)} ms
          </text>
        ))}
        {viewChangeAt !== undefined ? (
          <g>
            <line x1={70} x2={width - 10} y1={y(viewChangeAt) - 3} y2={y(viewChangeAt) - 3} class="view-line" />
            <text x={width - 12} y={y(viewChangeAt) - 7} text-anchor="end" class="view-label">
              new view
            </text>
          </g>
        ) : null}
        {drawn.map((m, i) => {
          const color = TYPE_COLORS[m.type] ?? '#333';
          const x1 = x(m.from);
          const x2 = x(m.to);
          const y1 = y(m.sentAt);
          if (m.deliveredAt === null) {
            const xm = (x1 + x2) / 2;
            return (
              <g key={i} class="lost">
                <line x1={x1} y1={y1} x2={xm} y2={y1 + 8} stroke={color} stroke-dasharray="3 2" />
                <text x={xm} y={y1 + 12} text-anchor="middle" fill={color}>
                  ✕
                </text>
                <title>{`${TYPE_NAMES[m.type] ?? m.type} ${m.from}→${m.to} lost`}</title>
              </g>
            );
          }
          return (
            <line
              key={i}
              x1={x1}
              y1={y1}
              x2={x2}
              y2={y(m.deliveredAt)}
              stroke={color}
              stroke-width={1.2}
              marker-end={`url(#arrow-${m.type})`}
            >
              <title>{`${TYPE_NAMES[m.type] ?? m.type}${m.view !== null ? ` v${m.view}` : ''}${m.seq !== null ? ` s${m.seq}` : ''}: ${m.from === run.n ? 'client' : m.from}→${m.to === run.n ? 'client' : m.to}, ${m.sentAt.toFixed(2)}→${m.deliveredAt.toFixed(2)} ms`}</title>
            </line>
          );
        })}
      </svg>
    </div>
  );
}

function MessageTable({ run, msgs }: { run: PbftRun; msgs: TraceMsg[] }) {
  const who = (id: number) => (id === run.n ? 'client' : `replica ${id}`);
  return (
    <details>
      <summary>
        Messages as a table ({Math.min(msgs.length, 500)} of {msgs.length})
      </summary>
      <table class="rows small">
        <thead>
          <tr>
            <th scope="col">Sent (ms)</th>
            <th scope="col">Type</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">View</th>
            <th scope="col">Seq</th>
            <th scope="col">Delivered (ms)</th>
          </tr>
        </thead>
        <tbody>
          {msgs.slice(0, 500).map((m, i) => (
            <tr key={i}>
              <td class="num">{m.sentAt.toFixed(2)}</td>
              <td>{TYPE_NAMES[m.type] ?? m.type}</td>
              <td>{who(m.from)}</td>
              <td>{who(m.to)}</td>
              <td class="num">{m.view ?? ''}</td>
              <td class="num">{m.seq ?? ''}</td>
              <td class="num">{m.deliveredAt === null ? 'lost' : m.deliveredAt.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function PbftDemo() {
  const [n, setN] = useState(4);
  const [faults, setFaults] = useState<Record<number, Behavior | ''>>({ 0: 'silent' });
  const [seed, setSeed] = useState(1);
  const [lossy, setLossy] = useState(false);
  const [valueText, setValueText] = useState('{"decision": "ship v2"}');
  const [run, setRun] = useState<PbftRun | { error: string } | null>(null);
  const [shown, setShown] = useState<Set<string>>(new Set(Object.keys(TYPE_NAMES)));

  const start = (e: Event) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(valueText);
    } catch (err) {
      setRun({ error: `The value is not JSON: ${(err as Error).message}` });
      return;
    }
    const list: Fault[] = Object.entries(faults)
      .filter(([r, b]) => b && Number(r) < n)
      .map(([r, b]) => ({ replica: Number(r), behavior: b as Behavior }));
    try {
      setRun(runPbft({ n, faults: list, seed, value, lossy, timeoutMs: 2000 }));
    } catch (err) {
      setRun({ error: (err as Error).message });
    }
  };
  const faulty = Object.entries(faults).filter(([r, b]) => b && Number(r) < n).length;
  const f = Math.floor((n - 1) / 3);
  const types = useMemo(() => (run && 'messages' in run ? [...new Set(run.messages.map((m) => m.type))] : []), [run]);

  return (
    <section>
      <PageTitle>PBFT in your browser</PageTitle>
      <p class="notice">
        A simulation: {n} replicas and a client run in this page over a seeded simulated network, with the same PBFT code (and
        Ed25519 and HMAC authenticators) that <code>byzantine_propose</code> runs on the server. Nothing is sent to the server.{' '}
        <a href={href('demos')}>All demos</a>
      </p>
      <form class="controls" onSubmit={start}>
        <label>
          Replicas
          <select value={n} onChange={(e) => setN(Number((e.target as HTMLSelectElement).value))}>
            {[4, 7, 10].map((k) => (
              <option key={k} value={k}>
                {k} (tolerates {Math.floor((k - 1) / 3)})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Faults (replica 0 leads view 0)</legend>
          {Array.from({ length: n }, (_, i) => (
            <label key={i}>
              Replica {i}
              <select
                value={faults[i] ?? ''}
                onChange={(e) => setFaults({ ...faults, [i]: (e.target as HTMLSelectElement).value as Behavior | '' })}
              >
                <option value="">honest</option>
                {BEHAVIORS.map((b) => (
                  <option key={b} value={b}>
                    {b.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </fieldset>
        <label>
          <input type="checkbox" checked={lossy} onChange={(e) => setLossy((e.target as HTMLInputElement).checked)} /> Lossy
          network (drops, duplicates, reordering until 400 ms)
        </label>
        <label>
          Seed{' '}
          <input
            type="number"
            min={1}
            max={1000000}
            value={seed}
            onInput={(e) => setSeed(Number((e.target as HTMLInputElement).value) || 1)}
          />
        </label>
        <label>
          Value (JSON) <input type="text" value={valueText} onInput={(e) => setValueText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Run</button>
        {faulty > f ? (
          <p class="warn">
            {faulty} faulty replicas is more than f = {f}: PBFT promises nothing now, and the run shows what happens.
          </p>
        ) : null}
      </form>
      <div aria-live="polite">
        {run && 'error' in run ? <p class="error">{run.error}</p> : null}
        {run && 'messages' in run ? (
          <div class={run.committed ? 'outcome ok' : 'outcome error'} data-testid="pbft-outcome">
            <strong>
              {run.committed ? `Committed at sequence ${run.certificate!.seq}, view ${run.certificate!.view}` : 'Not committed'}
            </strong>{' '}
            after {run.viewChanges} view change(s), {run.simulatedMs.toFixed(1)} simulated ms, {run.messages.length} messages (
            {run.dropped} lost).
            {run.committed
              ? ` Signed by replicas ${run.certificate!.signatures.map((s) => s.replica).join(', ')} (quorum ${2 * run.f + 1}).`
              : ` ${run.reason ?? ''}`}
            {run.safety ? ` Safety violated: ${run.safety}.` : ' Honest replicas agree.'} Views now: {run.views.join(', ')}.
          </div>
        ) : null}
      </div>
      {run && 'messages' in run ? (
        <>
          <fieldset class="legend-filter">
            <legend>Show message types</legend>
            {types.map((t) => (
              <label key={t}>
                <input
                  type="checkbox"
                  checked={shown.has(t)}
                  onChange={(e) => {
                    const next = new Set(shown);
                    if ((e.target as HTMLInputElement).checked) next.add(t);
                    else next.delete(t);
                    setShown(next);
                  }}
                />
                <span class="swatch" style={{ background: TYPE_COLORS[t] ?? '#333' }} aria-hidden="true" /> {TYPE_NAMES[t] ?? t}
              </label>
            ))}
          </fieldset>
          <SequenceDiagram run={run} shown={shown} />
          {run.messages.filter((m) => shown.has(m.type)).length > MAX_DRAWN ? (
            <p class="muted small">The diagram draws the first {MAX_DRAWN} messages shown; the table lists more.</p>
          ) : null}
          <MessageTable run={run} msgs={run.messages.filter((m) => shown.has(m.type))} />
        </>
      ) : null}
    </section>
  );
}
