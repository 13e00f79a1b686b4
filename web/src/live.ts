/**
 * Live updates: one EventSource on /api/events for the page. The server sends `change` events
 * naming the areas that changed (memory, consensus, crdt, agents, router, peers, or db for any
 * other write); views that show an area reload when it changes.
 */
export type Topic = 'memory' | 'consensus' | 'crdt' | 'agents' | 'router' | 'peers' | 'db';
export type LiveState = 'connecting' | 'live' | 'offline';

const topicListeners = new Set<(topics: Topic[]) => void>();
const stateListeners = new Set<(s: LiveState) => void>();
let state: LiveState = 'connecting';
let source: EventSource | undefined;

function setState(s: LiveState): void {
  state = s;
  for (const l of stateListeners) l(s);
}

export function startLive(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/events');
  source.addEventListener('hello', () => setState('live'));
  source.addEventListener('change', (e) => {
    let topics: Topic[] = ['db'];
    try {
      topics = (JSON.parse((e as MessageEvent<string>).data) as { topics: Topic[] }).topics;
    } catch {
      /* a malformed event: treat as "anything may have changed" */
    }
    for (const l of topicListeners) l(topics);
  });
  source.addEventListener('error', () => setState(source?.readyState === EventSource.CLOSED ? 'offline' : 'connecting'));
}

export function onTopics(listener: (topics: Topic[]) => void): () => void {
  topicListeners.add(listener);
  return () => topicListeners.delete(listener);
}

export function onLiveState(listener: (s: LiveState) => void): () => void {
  stateListeners.add(listener);
  listener(state);
  return () => stateListeners.delete(listener);
}
