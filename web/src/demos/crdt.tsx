import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { href } from '../route.js';
import { Json, PageTitle } from '../ui.js';
import { Playground, type PlaygroundNode } from './crdt-run.js';

function Editor({ node, pg }: { node: PlaygroundNode; pg: Playground }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [item, setItem] = useState('');
  useEffect(() => {
    node.caret = {
      get: () => area.current?.selectionStart ?? 0,
      set: (i) => {
        const el = area.current;
        if (!el || document.activeElement !== el) return;
        el.value = node.text.toString(); // before moving the caret, so it lands in the new text
        el.setSelectionRange(i, i);
      },
    };
  }, [node]);
  const text = node.text.toString();
  useEffect(() => {
    if (area.current && area.current.value !== text) area.current.value = text;
  });
  const id = `editor-${node.name}`;
  return (
    <div class={`editor${node.online ? '' : ' offline'}`} data-testid={`node-${node.name}`}>
      <h2>Replica {node.name}</h2>
      <label class="toggle">
        <input
          type="checkbox"
          checked={node.online}
          onChange={(e) => pg.setOnline(node, (e.target as HTMLInputElement).checked)}
        />
        Online
      </label>
      <label for={id}>Shared text on {node.name}</label>
      <textarea
        id={id}
        ref={area}
        rows={6}
        defaultValue={text}
        onInput={(e) => node.setText((e.target as HTMLTextAreaElement).value)}
      />
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (!item.trim()) return;
          node.apply([{ op: 'array_push', target: 'items', value: item.trim() }]);
          setItem('');
        }}
      >
        <label for={`${id}-item`}>Add to the shared list on {node.name}</label>
        <input id={`${id}-item`} value={item} maxLength={200} onInput={(e) => setItem((e.target as HTMLInputElement).value)} />
        <button type="submit">Add</button>
      </form>
      <ul class="items" aria-label={`Shared list on ${node.name}`}>
        {node.items.toArray().map((v, i) => (
          <li key={i}>
            {v}{' '}
            <button type="button" class="link" onClick={() => node.apply([{ op: 'array_delete', target: 'items', index: i }])}>
              remove
              <span class="sr-only">
                {' '}
                {v} on {node.name}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CrdtDemo() {
  const pg = useMemo(() => new Playground(), []);
  const [, setTick] = useState(0);
  useEffect(() => {
    pg.onChange = () => setTick((n) => n + 1);
    return () => {
      pg.onChange = () => {};
    };
  }, [pg]);
  const converged = pg.converged();
  return (
    <section>
      <PageTitle>CRDT playground</PageTitle>
      <p class="notice">
        Two replicas of one Yjs document in this page, synchronised by the same gossip engine sixfold's servers use (edits pushed
        at once; a three-message anti-entropy exchange when a link comes back). Take one offline, edit both, bring it back: they
        merge without conflicts. Nothing is sent to the server. <a href={href('demos')}>All demos</a>
      </p>
      <p class={converged ? 'ok' : 'warn'} role="status" data-testid="converged">
        {converged ? '✔ Both replicas hold the same document.' : '… The replicas differ until they sync.'}
      </p>
      <div class="editors">
        <Editor node={pg.a} pg={pg} />
        <Editor node={pg.b} pg={pg} />
      </div>
      <div class="editors">
        <div>
          <h3>A as JSON</h3>
          <Json value={pg.a.doc.toJSON()} label="Replica A as JSON" />
        </div>
        <div>
          <h3>B as JSON</h3>
          <Json value={pg.b.doc.toJSON()} label="Replica B as JSON" />
        </div>
      </div>
      <h3>Sync messages (newest first)</h3>
      <ol class="log" aria-label="Sync messages">
        {pg.log.map((l, i) => (
          <li key={pg.log.length - i}>
            {l.from} → {l.to}: {l.kind}, {l.bytes} bytes
          </li>
        ))}
      </ol>
      <p class="muted small">
        Counters: A sent {pg.a.engine.counters.sent} ({pg.a.engine.counters.sentBytes} bytes), B sent {pg.b.engine.counters.sent}{' '}
        ({pg.b.engine.counters.sentBytes} bytes).
      </p>
    </section>
  );
}
