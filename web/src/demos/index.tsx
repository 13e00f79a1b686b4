import { href, type Route } from '../route.js';
import { PageTitle } from '../ui.js';

export function DemosPage(_props: { route: Route }) {
  return (
    <section>
      <PageTitle>The patterns in your browser</PageTitle>
      <p>
        sixfold's pattern cores are plain TypeScript with no tie to Node, so the same code the server runs is bundled into this
        page. These demos run it client-side: no server state is read or written.
      </p>
      <ul class="cards">
        <li class="card">
          <h2>
            <a href={href('demo-pbft')}>PBFT consensus</a>
          </h2>
          <p>
            Pick faulty replicas (a silent primary forces a view change), run a proposal, and read the message-sequence diagram.
          </p>
        </li>
        <li class="card">
          <h2>
            <a href={href('demo-crdt')}>CRDT playground</a>
          </h2>
          <p>
            Two replicas of a Yjs document with gossip between them: go offline, edit both, come back online and watch them merge.
          </p>
        </li>
        <li class="card">
          <h2>
            <a href={href('demo-aggregate')}>Aggregation</a>
          </h2>
          <p>Tree aggregation with failures and re-parenting, drawn; push-sum gossip converging round by round.</p>
        </li>
      </ul>
    </section>
  );
}
