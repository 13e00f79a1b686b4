import * as Y from 'yjs';
import { GossipEngine, readSync, type GossipMessage, type GossipTransport } from '../../../src/patterns/crdt/gossip.js';
import { applyOps, type CrdtOp } from '../../../src/patterns/crdt/ops.js';
import { YDocReplica } from '../../../src/patterns/crdt/replica.js';

/**
 * Two replicas of one document in the page, each a Y.Doc with the server's gossip engine
 * (src/patterns/crdt/gossip.ts: push on edit, push-pull anti-entropy on reconnect) over a link
 * that carries messages only while both sides are online. No server is involved.
 */

export const DOC = 'playground';
const SYNC_NAMES = ['SyncStep1', 'SyncStep2', 'Update'];

export interface LogLine {
  from: string;
  to: string;
  kind: string;
  bytes: number;
}

export class PlaygroundNode {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('text');
  readonly items = this.doc.getArray<string>('items');
  readonly engine: GossipEngine;
  online = true;
  peer!: PlaygroundNode;
  /** Where the text cursor of this node's editor is, kept across remote edits. */
  caret: { get(): number; set(i: number): void } = { get: () => 0, set: () => {} };

  constructor(
    readonly name: string,
    private readonly pg: Playground,
  ) {
    const replica = new YDocReplica(this.doc);
    const transport: GossipTransport = {
      pickPeers: () => (this.linked() ? [this.peer.name] : []),
      connected: () => (this.linked() ? [this.peer.name] : []),
      send: (_peer, msg) => this.pg.carry(this, this.peer, msg),
      onMessage: (h) => {
        this.handler = h;
      },
    };
    this.engine = new GossipEngine(
      {
        ids: () => [DOC],
        get: (d) => (d === DOC ? replica : undefined),
        create: () => undefined,
        receive: (_d, update) => this.receive(update),
      },
      transport,
      { fanout: 1, rng: Math.random },
    );
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') this.engine.push(DOC, update);
      this.pg.changed();
    });
  }

  handler: (from: string, msg: GossipMessage) => void = () => {};

  linked(): boolean {
    return this.online && this.peer.online;
  }

  /** A peer's update, with this editor's cursor moved along with the text around it. */
  private receive(update: Uint8Array): void {
    const at = Y.createRelativePositionFromTypeIndex(this.text, Math.min(this.caret.get(), this.text.length));
    Y.applyUpdate(this.doc, update, 'remote');
    const abs = Y.createAbsolutePositionFromRelativePosition(at, this.doc);
    if (abs) this.caret.set(abs.index);
  }

  /** The editor's new value as the smallest replace (common prefix and suffix kept), so concurrent edits interleave. */
  setText(value: string): void {
    const old = this.text.toString();
    if (old === value) return;
    let start = 0;
    while (start < old.length && start < value.length && old[start] === value[start]) start++;
    let end = 0;
    while (end < old.length - start && end < value.length - start && old[old.length - 1 - end] === value[value.length - 1 - end])
      end++;
    this.doc.transact(() => {
      if (old.length - start - end > 0) this.text.delete(start, old.length - start - end);
      if (value.length - start - end > 0) this.text.insert(start, value.slice(start, value.length - end));
    });
  }

  /** The list is edited with the JSON ops crdt_merge takes. */
  apply(ops: CrdtOp[]): void {
    applyOps(this.doc, ops);
  }
}

export class Playground {
  readonly a: PlaygroundNode;
  readonly b: PlaygroundNode;
  readonly log: LogLine[] = [];
  onChange: () => void = () => {};

  constructor() {
    this.a = new PlaygroundNode('A', this);
    this.b = new PlaygroundNode('B', this);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /** Messages are delivered on the next microtask, and only over a live link. */
  carry(from: PlaygroundNode, to: PlaygroundNode, msg: GossipMessage): void {
    if (!from.linked()) return;
    let kind = '?';
    try {
      kind = SYNC_NAMES[readSync(msg.sync).type] ?? '?';
    } catch {
      /* shown as ? */
    }
    this.log.unshift({ from: from.name, to: to.name, kind, bytes: msg.sync.byteLength });
    this.log.length = Math.min(this.log.length, 40);
    queueMicrotask(() => {
      if (from.linked()) to.handler(from.name, msg);
    });
  }

  changed(): void {
    this.onChange();
  }

  setOnline(node: PlaygroundNode, online: boolean): void {
    node.online = online;
    // Back online: one anti-entropy exchange each way brings both replicas level.
    if (online && node.linked()) {
      node.engine.roundWith([node.peer.name]);
      node.peer.engine.roundWith([node.name]);
    }
    this.onChange();
  }

  /** Same content and the same state vector (every client's clock equal on both sides). */
  converged(): boolean {
    const sa = Y.decodeStateVector(Y.encodeStateVector(this.a.doc));
    const sb = Y.decodeStateVector(Y.encodeStateVector(this.b.doc));
    return (
      JSON.stringify(this.a.doc.toJSON()) === JSON.stringify(this.b.doc.toJSON()) &&
      sa.size === sb.size &&
      [...sa].every(([client, clock]) => sb.get(client) === clock)
    );
  }
}
