import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onLiveState, startLive, type LiveState } from './live.js';
import { MemoryPage } from './pages/memory.js';
import { OverviewPage } from './pages/overview.js';
import { href, useRoute, type Route } from './route.js';

/** Pages other than the first two load on demand (their code is a separate chunk). */
type Lazy = () => Promise<ComponentType<{ route: Route }>>;
const LAZY: Record<string, Lazy> = {
  consensus: () => import('./pages/consensus.js').then((m) => m.ConsensusPage),
  crdt: () => import('./pages/crdt.js').then((m) => m.CrdtPage),
  agents: () => import('./pages/agents.js').then((m) => m.AgentsPage),
  router: () => import('./pages/router.js').then((m) => m.RouterPage),
  peers: () => import('./pages/peers.js').then((m) => m.PeersPage),
  demos: () => import('./demos/index.js').then((m) => m.DemosPage),
  'demo-pbft': () => import('./demos/pbft.js').then((m) => m.PbftDemo),
  'demo-crdt': () => import('./demos/crdt.js').then((m) => m.CrdtDemo),
  'demo-aggregate': () => import('./demos/aggregate.js').then((m) => m.AggregateDemo),
};

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['memory', 'Memory'],
  ['consensus', 'Consensus'],
  ['crdt', 'CRDT documents'],
  ['agents', 'Agent runs'],
  ['router', 'Router'],
  ['peers', 'Cluster peers'],
  ['demos', 'Browser demos'],
];

function LazyPage({ name, route }: { name: string; route: Route }) {
  const [Page, setPage] = useState<{ c: ComponentType<{ route: Route }> } | { error: string } | null>(null);
  useEffect(() => {
    let live = true;
    setPage(null);
    LAZY[name]().then(
      (c) => live && setPage({ c }),
      (e: Error) => live && setPage({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [name]);
  if (!Page) return <p class="muted">Loading…</p>;
  if ('error' in Page)
    return (
      <p class="error" role="alert">
        Could not load this page: {Page.error}
      </p>
    );
  return <Page.c route={route} />;
}

function LiveIndicator() {
  const [s, setS] = useState<LiveState>('connecting');
  useEffect(() => onLiveState(setS), []);
  const text = { connecting: 'connecting…', live: 'live', offline: 'offline' }[s];
  return (
    <span class={`live live-${s}`} role="status" title="Live updates over Server-Sent Events">
      <span aria-hidden="true">●</span> {text}
    </span>
  );
}

function App() {
  const route = useRoute();
  const section = route.page.startsWith('demo') ? 'demos' : route.page;
  let body;
  if (route.page === 'overview') body = <OverviewPage />;
  else if (route.page === 'memory') body = <MemoryPage route={route} />;
  else if (Object.hasOwn(LAZY, route.page)) body = <LazyPage name={route.page} route={route} />;
  else
    body = (
      <p class="error" role="alert">
        No page "{route.page.slice(0, 40)}". Pick one from the menu.
      </p>
    );
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('overview')}>
          sixfold
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map(([page, label]) => (
              <li key={page}>
                <a href={href(page)} aria-current={section === page ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <LiveIndicator />
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}

startLive();
render(<App />, document.getElementById('app')!);
