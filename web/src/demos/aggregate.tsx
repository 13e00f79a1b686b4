import { useState } from 'preact/hooks';
import { Chart } from '../chart.js';
import { href } from '../route.js';
import { PageTitle } from '../ui.js';
import { aggregate, type AggregateResult } from '../../../src/patterns/aggregate/aggregate.js';
import { unitHash } from '../../../src/patterns/aggregate/hash.js';
import { DISTRIBUTIONS, drain, simulatedSource, type Distribution } from '../../../src/patterns/aggregate/sources.js';

/**
 * The aggregate tool's engine in the page: tree aggregation (k-ary groups, failures, re-parenting)
 * and push-sum gossip over seeded simulated agents. The tree is drawn for up to 256 agents.
 */

interface Run {
  result: AggregateResult;
  exact: Record<string, number>;
  rounds: Array<[number, number]>;
  n: number;
  fanout: number;
  failures: number;
  reparent: boolean;
  seed: number;
}

const TREE_OPS = ['count', 'sum', 'mean', 'min', 'max', 'p50', 'p99'];
const GOSSIP_OPS = ['count', 'sum', 'mean'];
const DRAW_MAX = 256;

function exactOf(values: Float64Array): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((a, b) => a + b, 0);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
  return {
    count: values.length,
    sum,
    mean: sum / values.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p50: q(0.5),
    p99: q(0.99),
  };
}

/** Levels agent i leads (0 for a plain member), with the tree's depth. */
function leads(i: number, k: number, depth: number): number {
  if (i === 0) return depth;
  let j = 0;
  let span = k;
  while (j < depth && i % span === 0) {
    j++;
    span *= k;
  }
  return j;
}

/** Every agent once, higher by how many levels it leads; an edge to the leader it reports to. */
function TreeView({ run }: { run: Run }) {
  const { n, fanout: k, failures, seed, reparent } = run;
  const depth = run.result.depth ?? 1;
  const W = 900;
  const H = 60 + depth * 70;
  const x = (i: number) => 20 + (i + 0.5) * ((W - 40) / n);
  const y = (level: number) => H - 30 - level * 70;
  const failed = (i: number) => i !== 0 && failures > 0 && unitHash(i, seed) < failures;
  const parent = (i: number) => {
    const lvl = leads(i, k, depth);
    const span = k ** (lvl + 1);
    return i - (i % span);
  };
  // Without re-parenting a value is lost when any leader above it has failed.
  const reaches = (i: number): boolean => {
    if (failed(i)) return false;
    if (reparent) return true;
    for (let a = i; a !== 0;) {
      a = parent(a);
      if (failed(a)) return false;
    }
    return true;
  };
  const lost = Array.from({ length: n }, (_, i) => !failed(i) && !reaches(i)).filter(Boolean).length;
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        class="tree"
        aria-label={`Tree of ${n} agents, fan-out ${k}, depth ${depth}: ${run.result.failed_agents} failed, ${lost} cut off from the root.`}
      >
        {Array.from({ length: n }, (_, i) => i)
          .filter((i) => i !== 0)
          .map((i) => {
            const p = parent(i);
            return (
              <line
                key={`e${i}`}
                x1={x(i)}
                y1={y(leads(i, k, depth))}
                x2={x(p)}
                y2={y(leads(p, k, depth))}
                class={failed(i) || !reaches(i) ? 'edge dead' : 'edge'}
              />
            );
          })}
        {Array.from({ length: n }, (_, i) => (
          <circle
            key={i}
            cx={x(i)}
            cy={y(leads(i, k, depth))}
            r={n > 128 ? 3 : 5}
            class={i === 0 ? 'agent root' : failed(i) ? 'agent failed' : reaches(i) ? 'agent' : 'agent cut'}
          >
            <title>{`agent ${i}${i === 0 ? ' (root)' : ''}${failed(i) ? ' failed' : reaches(i) ? '' : ' cut off'}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption class="legend">
        <span class="key agent-root" /> root (the caller) <span class="key agent-ok" /> value reached the root{' '}
        <span class="key agent-failed" /> failed <span class="key agent-cut" /> alive, cut off by a failed leader
      </figcaption>
    </figure>
  );
}

export function AggregateDemo() {
  const [method, setMethod] = useState<'tree' | 'gossip'>('tree');
  const [n, setN] = useState(64);
  const [dist, setDist] = useState<Distribution>('normal');
  const [fanout, setFanout] = useState(4);
  const [failures, setFailures] = useState(0.1);
  const [reparent, setReparent] = useState(false);
  const [loss, setLoss] = useState(0);
  const [seed, setSeed] = useState(7);
  const [run, setRun] = useState<Run | { error: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const rounds: Array<[number, number]> = [];
    try {
      const exact = exactOf(drain(simulatedSource(n, dist, seed)));
      const result =
        method === 'tree'
          ? await aggregate(simulatedSource(n, dist, seed), {
              ops: TREE_OPS,
              method,
              fanout,
              failures: failures || undefined,
              reparent,
              seed,
            })
          : await aggregate(simulatedSource(n, dist, seed), {
              ops: GOSSIP_OPS,
              method,
              loss: loss || undefined,
              seed,
              onProgress: (round, _t, msg) => {
                const m = /error ([\d.e+-]+)/.exec(msg);
                if (m) rounds.push([round, Number(m[1])]);
              },
            });
      setRun({ result, exact, rounds, n, fanout, failures, reparent, seed });
    } catch (err) {
      setRun({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const r = run && 'result' in run ? run : null;
  return (
    <section>
      <PageTitle>Aggregation visualiser</PageTitle>
      <p class="notice">
        A simulation: the <code>aggregate</code> tool's engine runs in this page over seeded simulated agents. Tree: every agent
        reports to its group's leader, k per group, log<sub>k</sub> N levels. Push-sum gossip: every round each agent keeps half
        its mass and sends half to a random agent, until every estimate is within 1%. <a href={href('demos')}>All demos</a>
      </p>
      <form class="controls" onSubmit={start}>
        <fieldset>
          <legend>Method</legend>
          <label>
            <input type="radio" name="method" checked={method === 'tree'} onChange={() => setMethod('tree')} /> Tree
          </label>
          <label>
            <input type="radio" name="method" checked={method === 'gossip'} onChange={() => setMethod('gossip')} /> Push-sum
            gossip
          </label>
        </fieldset>
        <label>
          Agents{' '}
          <input
            type="number"
            min={2}
            max={method === 'tree' ? 1_000_000 : 100_000}
            value={n}
            onInput={(e) => setN(Math.max(2, Number((e.target as HTMLInputElement).value) || 2))}
          />
        </label>
        <label>
          Values
          <select value={dist} onChange={(e) => setDist((e.target as HTMLSelectElement).value as Distribution)}>
            {DISTRIBUTIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        {method === 'tree' ? (
          <>
            <label>
              Fan-out{' '}
              <input
                type="number"
                min={2}
                max={256}
                value={fanout}
                onInput={(e) => setFanout(Math.max(2, Number((e.target as HTMLInputElement).value) || 2))}
              />
            </label>
            <label>
              Failed agents (fraction){' '}
              <input
                type="number"
                min={0}
                max={0.9}
                step={0.05}
                value={failures}
                onInput={(e) => setFailures(Number((e.target as HTMLInputElement).value) || 0)}
              />
            </label>
            <label>
              <input type="checkbox" checked={reparent} onChange={(e) => setReparent((e.target as HTMLInputElement).checked)} />{' '}
              Re-parent around failed leaders
            </label>
          </>
        ) : (
          <label>
            Message loss{' '}
            <input
              type="number"
              min={0}
              max={0.5}
              step={0.05}
              value={loss}
              onInput={(e) => setLoss(Number((e.target as HTMLInputElement).value) || 0)}
            />
          </label>
        )}
        <label>
          Seed{' '}
          <input type="number" min={1} value={seed} onInput={(e) => setSeed(Number((e.target as HTMLInputElement).value) || 1)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </form>
      <div aria-live="polite">
        {run && 'error' in run ? <p class="error">{run.error}</p> : null}
        {r ? (
          <div class="outcome" data-testid="aggregate-outcome">
            <p>
              {r.result.method === 'tree'
                ? `${r.result.agents} agents, depth ${r.result.depth}, ${r.result.messages_total} messages (${r.result.messages_lost} lost, ${r.result.reparented} re-sent), ${r.result.failed_agents} failed; ${(r.result.coverage * 100).toFixed(1)}% of values reached the root.`
                : `${r.result.agents} agents, ${r.result.rounds} rounds (${r.result.converged ? 'converged' : 'not converged'}), ${r.result.messages_total} messages (${r.result.messages_lost} lost).`}
            </p>
            <table class="rows">
              <caption>
                What reached the root, beside the exact answer over all {r.result.agents} agents (failed agents' values never
                arrive)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Op</th>
                  <th scope="col">At the root</th>
                  <th scope="col">Exact, all agents</th>
                  <th scope="col">Sketch error bound</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(r.result.results).map(([op, v]) => (
                  <tr key={op}>
                    <td>{op}</td>
                    <td class="num">{typeof v === 'number' ? v.toPrecision(6) : JSON.stringify(v)}</td>
                    <td class="num">{r.exact[op] === undefined ? '—' : r.exact[op].toPrecision(6)}</td>
                    <td class="num">
                      {r.result.error_bounds[op] ? `±${(r.result.error_bounds[op] * 100).toPrecision(2)}%` : 'exact'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
      {r && r.result.method === 'tree' && r.n <= DRAW_MAX ? <TreeView run={r} /> : null}
      {r && r.result.method === 'tree' && r.n > DRAW_MAX ? (
        <p class="muted">The tree is drawn for up to {DRAW_MAX} agents.</p>
      ) : null}
      {r && r.result.method === 'gossip' && r.rounds.length ? (
        <Chart
          title="Worst relative error over all agents, per round"
          time={false}
          log
          x={r.rounds.map((p) => p[0])}
          series={[{ label: 'max error', values: r.rounds.map((p) => p[1]) }]}
          format={(v) => v.toExponential(0)}
        />
      ) : null}
    </section>
  );
}
