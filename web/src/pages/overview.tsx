import { num, usd } from '../format.js';
import { href } from '../route.js';
import { ErrorBox, Loading, PageTitle, Stat } from '../ui.js';
import { useApi } from '../ui.js';

interface Overview {
  version: string;
  uptime_s: number;
  db: string;
  embedder: { id: string; dims: number };
  memory: { total: number; namespaces: number; by_tier: Record<string, number> };
  consensus: { clusters: number; commits: number };
  crdt: { docs: number };
  agents: Record<string, number>;
  router: { policy: string; calls: number; failures: number; cost_usd: number };
  cluster: { configured: boolean };
}

export function OverviewPage() {
  const { data, error, loading } = useApi<Overview>('overview', {}, ['memory', 'consensus', 'crdt', 'agents', 'router']);
  const agents = data ? Object.values(data.agents).reduce((a, b) => a + b, 0) : 0;
  return (
    <section>
      <PageTitle>Overview</PageTitle>
      <ErrorBox error={error} />
      <Loading when={loading && !data} />
      {data ? (
        <>
          <p class="muted">
            sixfold {data.version} · database <code>{data.db}</code> · embedder {data.embedder.id} ({data.embedder.dims} dims) ·
            up {Math.round(data.uptime_s / 60)} min
          </p>
          <div class="stats">
            <a class="card" href={href('memory')}>
              <Stat
                label="Memories"
                value={num(data.memory.total)}
                hint={`${data.memory.namespaces} namespaces · ${Object.entries(data.memory.by_tier)
                  .map(([t, n]) => `${t.replace('_', ' ')} ${num(n)}`)
                  .join(' · ')}`}
              />
            </a>
            <a class="card" href={href('consensus')}>
              <Stat
                label="Consensus commits"
                value={num(data.consensus.commits)}
                hint={`${data.consensus.clusters} cluster(s)`}
              />
            </a>
            <a class="card" href={href('crdt')}>
              <Stat label="CRDT documents" value={num(data.crdt.docs)} />
            </a>
            <a class="card" href={href('agents')}>
              <Stat
                label="Ephemeral agents"
                value={num(agents)}
                hint={
                  Object.entries(data.agents)
                    .map(([s, n]) => `${s} ${n}`)
                    .join(' · ') || 'none yet'
                }
              />
            </a>
            <a class="card" href={href('router')}>
              <Stat
                label="LLM calls"
                value={num(data.router.calls)}
                hint={`${num(data.router.failures)} failed · ${usd(data.router.cost_usd)} · policy ${data.router.policy}`}
              />
            </a>
            <a class="card" href={href('peers')}>
              <Stat label="Cluster" value={data.cluster.configured ? 'configured' : 'none'} />
            </a>
          </div>
        </>
      ) : null}
    </section>
  );
}
