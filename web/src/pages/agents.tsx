import { duration, short, time, usd } from '../format.js';
import { href, type Route } from '../route.js';
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge, useApi } from '../ui.js';

interface Run {
  run_id: string;
  created_at: number;
  ended_at: number | null;
  agents: number;
  cost_usd: number;
  statuses: Record<string, number>;
}
interface Agent {
  id: string;
  role: string;
  input_index: number;
  status: string;
  phase: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  cost_usd: number;
  memories_loaded: number;
  memories_written: number;
  error: string | null;
  result: string | null;
  transitions: Array<{ phase: string; at: number }>;
}

const ROW = 22;
const LABEL = 150;
const WIDTH = 900;

/** One bar per agent: queued (pale) until it started, then its phases, coloured by how it ended. */
function Timeline({ agents }: { agents: Agent[] }) {
  const now = Date.now();
  const t0 = Math.min(...agents.map((a) => a.created_at));
  const t1 = Math.max(t0 + 1, ...agents.map((a) => a.ended_at ?? now));
  const x = (t: number) => LABEL + ((t - t0) / (t1 - t0)) * (WIDTH - LABEL - 10);
  const height = agents.length * ROW + 24;
  const ended = agents.filter((a) => a.ended_at !== null).length;
  return (
    <figure class="timeline">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-label={`Timeline of ${agents.length} agents over ${duration(t1 - t0)}; ${ended} ended. The table below has the same data.`}
      >
        {agents.map((a, i) => {
          const y = i * ROW + 4;
          const start = a.started_at ?? a.ended_at ?? now;
          const phases = a.transitions.filter((t) => ['loading', 'executing', 'persisting'].includes(t.phase));
          return (
            <g key={a.id}>
              <text x={4} y={y + 13} class="tl-label">
                {short(`${a.input_index}: ${a.role}`, 22)}
              </text>
              <rect x={x(a.created_at)} y={y + 3} width={Math.max(1, x(start) - x(a.created_at))} height={12} class="tl-queued">
                <title>{`queued ${duration(start - a.created_at)}`}</title>
              </rect>
              {a.started_at !== null ? (
                <rect
                  x={x(a.started_at)}
                  y={y}
                  width={Math.max(2, x(a.ended_at ?? now) - x(a.started_at))}
                  height={18}
                  class={`tl-run tl-${a.status}`}
                >
                  <title>{`${a.status}: ran ${duration((a.ended_at ?? now) - a.started_at)}, ${usd(a.cost_usd)}`}</title>
                </rect>
              ) : null}
              {phases.map((p, j) => (
                <line key={j} x1={x(p.at)} x2={x(p.at)} y1={y} y2={y + 18} class="tl-phase">
                  <title>{p.phase}</title>
                </line>
              ))}
            </g>
          );
        })}
        <text x={LABEL} y={height - 4} class="tl-axis">
          0
        </text>
        <text x={WIDTH - 10} y={height - 4} class="tl-axis" text-anchor="end">
          {duration(t1 - t0)}
        </text>
      </svg>
      <figcaption class="legend">
        <span class="key tl-queued" /> queued <span class="key tl-succeeded" /> succeeded <span class="key tl-failed" /> failed
        <span class="key tl-expired" /> expired <span class="key tl-cancelled" /> cancelled <span class="key tl-running" />{' '}
        running · ticks mark phases (loading, executing, persisting)
      </figcaption>
    </figure>
  );
}

function RunView({ id }: { id: string }) {
  const { data, error, loading } = useApi<{ run_id: string; agents: Agent[] }>('agents/run', { id }, ['agents']);
  return (
    <section aria-label={`Run ${id}`}>
      <h2>
        Run <code>{short(id, 8)}</code>
      </h2>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data ? (
        <>
          <Timeline agents={data.agents} />
          <table class="rows">
            <caption class="sr-only">Agents of run {id}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Phase</th>
                <th scope="col">Ran</th>
                <th scope="col">Cost</th>
                <th scope="col">Memories read / written</th>
                <th scope="col">Result or error</th>
              </tr>
            </thead>
            <tbody>
              {data.agents.map((a) => (
                <tr key={a.id}>
                  <td class="num">{a.input_index}</td>
                  <td>{a.role}</td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{a.phase}</td>
                  <td class="num">{a.started_at ? duration((a.ended_at ?? Date.now()) - a.started_at) : '—'}</td>
                  <td class="num">{usd(a.cost_usd)}</td>
                  <td class="num">
                    {a.memories_loaded} / {a.memories_written}
                  </td>
                  <td class="content-cell">{a.error ? <span class="error-text">{a.error}</span> : short(a.result ?? '', 160)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

export function AgentsPage({ route }: { route: Route }) {
  const { data, error, loading } = useApi<Run[]>('agents/runs', { limit: 50 }, ['agents']);
  const selected = route.params.get('run') ?? data?.[0]?.run_id;
  return (
    <section>
      <PageTitle>Agent runs</PageTitle>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data && !data.length ? <Empty>No runs in the last 7 days: spawn_ephemeral starts one.</Empty> : null}
      {data?.length ? (
        <table class="rows">
          <caption class="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Started</th>
              <th scope="col">Agents</th>
              <th scope="col">Status</th>
              <th scope="col">Took</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr key={r.run_id} aria-current={r.run_id === selected ? 'true' : undefined}>
                <td>
                  <a href={href('agents', { run: r.run_id })}>
                    <code>{short(r.run_id, 8)}</code>
                  </a>
                </td>
                <td class="nowrap">{time(r.created_at)}</td>
                <td class="num">{r.agents}</td>
                <td>
                  {Object.entries(r.statuses).map(([s, n]) => (
                    <span key={s}>
                      <StatusBadge status={s} /> {n}{' '}
                    </span>
                  ))}
                </td>
                <td class="num">{r.ended_at ? duration(r.ended_at - r.created_at) : 'running'}</td>
                <td class="num">{usd(r.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {selected ? <RunView key={selected} id={selected} /> : null}
    </section>
  );
}
