import { randomUUID } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { SixfoldError, invalidInput, notFound } from '../../errors.js';
import { getMeta, setMeta, type DB } from '../../memory/db.js';
import { actorClientId, toBase64 } from './codec.js';
import { applyOps, type CrdtOp } from './ops.js';
import { declareTypes, typeFromContent, typesOf, type TypeMap } from './types.js';

export interface DocStoreOptions {
  /** Fold the update log into the stored state after this many updates. */
  compactEvery: number;
  /** Loaded docs kept in memory (least recently used are dropped; they reload from SQLite). */
  cacheSize: number;
  /** A merge that would grow the encoded document past this is refused. */
  maxDocBytes: number;
  now?: () => number;
  /**
   * Told of every merge that wrote something, once it is on disk, whoever sent it (a local call or
   * a gossip peer, named by `origin`): the change feed of resource subscriptions.
   */
  onCommitted?: (doc: string, info: { created: boolean; origin?: string }) => void;
}

export interface DocView {
  doc: string;
  snapshot: Record<string, unknown>;
  state_vector: string;
  update: string;
  size_bytes: number;
  clients: number;
}

/** One merge in a doc's update log (see DocStore.history). */
export interface UpdateEntry {
  seq: number;
  at: number;
  bytes: number;
  /** Yjs updates in the merge. */
  updates: number;
  /** Items (characters, array elements, map values) inserted. */
  inserted: number;
  /** Items deleted. */
  deleted: number;
  /** Yjs client ids that wrote it. */
  clients: number[];
}

export interface MergeInput {
  ops?: readonly CrdtOp[];
  updates?: readonly Uint8Array[];
  actor?: string;
  /** Who sent it (a gossip peer), passed to onChange so it is not echoed back. */
  origin?: string;
}

export interface MergeResult {
  /** Whether the document changed (new structs or deletions). */
  changed: boolean;
  /** The update this merge added, when gossip listens (onChange set); otherwise null. */
  added: Uint8Array | null;
  /** Top-level types typed from content by this merge. */
  typed: TypeMap;
}

interface Loaded {
  ydoc: Y.Doc;
  types: TypeMap;
  /** Updates in the log since the last compaction. */
  pending: number;
  /** Encoded size, roughly (exact after each compaction, plus the updates since). */
  bytes: number;
}

const EMPTY_STATE = Y.encodeStateAsUpdate(new Y.Doc());

/** A log row: the updates of one merge, length-prefixed (lib0 varuints). */
function encodeBatch(updates: readonly Uint8Array[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, updates.length);
  for (const u of updates) encoding.writeVarUint8Array(e, u);
  return encoding.toUint8Array(e);
}

function decodeBatch(row: Uint8Array): Uint8Array[] {
  const d = decoding.createDecoder(row);
  const out: Uint8Array[] = [];
  for (let n = decoding.readVarUint(d); n > 0; n--) out.push(decoding.readVarUint8Array(d));
  return out;
}

/** True when some client's clock moved forward in a transaction. */
function grew(before: Map<number, number>, after: Map<number, number>): boolean {
  if (after.size !== before.size) return true;
  for (const [client, clock] of after) if (clock !== before.get(client)) return true;
  return false;
}

const PROTO_BYTES = Buffer.from('__proto__');

/**
 * A raw update that names a top-level type or a map key "__proto__" is refused like the same op:
 * JavaScript drops that key from every snapshot. Only updates whose bytes contain the name are
 * decoded to look. (A "__proto__" key inside a plain JSON value is already dropped by Yjs' own
 * decoder, lib0, before anything here can see it.)
 */
function refuseProtoNames(update: Uint8Array, i: number): void {
  if (Buffer.from(update.buffer, update.byteOffset, update.byteLength).indexOf(PROTO_BYTES) < 0) return;
  let structs: ReturnType<typeof Y.decodeUpdate>['structs'];
  try {
    structs = Y.decodeUpdate(update).structs;
  } catch {
    return; // not a Yjs update: applyRaw reports that
  }
  for (const s of structs) {
    if (s instanceof Y.Item && (s.parentSub === '__proto__' || (s.parent as unknown) === '__proto__')) {
      throw invalidInput(
        `updates[${i}] names a type or map key "__proto__", which a document cannot hold (JavaScript drops it from every snapshot); the document is unchanged.`,
        'Use another name in the Yjs document.',
      );
    }
  }
}

/** Applies one raw update, naming it when Yjs cannot parse it. */
function applyRaw(doc: Y.Doc, update: Uint8Array, i: number): void {
  refuseProtoNames(update, i);
  try {
    Y.applyUpdate(doc, update);
  } catch (err) {
    throw invalidInput(
      `updates[${i}] is not a Yjs update (${(err as Error).message}); the document is unchanged.`,
      'Send Y.encodeStateAsUpdate(doc) or an "update" event payload (Yjs v1 encoding), base64-encoded.',
    );
  }
}

function prepare(db: DB) {
  return {
    doc: db.prepare(
      'SELECT state, types, pending, (SELECT coalesce(sum(length(data)), 0) FROM crdt_updates WHERE doc = crdt_docs.id) AS log_bytes FROM crdt_docs WHERE id = ?',
    ),
    log: db.prepare('SELECT data FROM crdt_updates WHERE doc = ? ORDER BY seq'),
    insertDoc: db.prepare(
      'INSERT INTO crdt_docs (id, state, types, pending, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    append: db.prepare('INSERT INTO crdt_updates (doc, data, at) VALUES (?, ?, ?)'),
    touch: db.prepare('UPDATE crdt_docs SET types = ?, pending = pending + ?, updated_at = ? WHERE id = ?'),
    compact: db.prepare('UPDATE crdt_docs SET state = ?, pending = 0, updated_at = ? WHERE id = ?'),
    dropLog: db.prepare('DELETE FROM crdt_updates WHERE doc = ?'),
    list: db.prepare('SELECT id, updated_at, length(state) AS state_bytes, pending FROM crdt_docs ORDER BY id LIMIT ?'),
    exists: db.prepare('SELECT 1 FROM crdt_docs WHERE id = ?'),
    docTimes: db.prepare('SELECT created_at, updated_at FROM crdt_docs WHERE id = ?'),
    history: db.prepare('SELECT seq, data, at FROM crdt_updates WHERE doc = ? ORDER BY seq DESC LIMIT ?'),
  };
}

/**
 * Yjs documents persisted in SQLite: a compacted state per doc plus an incremental update log.
 * A merge validates everything on the side first, then integrates and writes the update row in one
 * SQLite transaction before it returns, so an acknowledged update is on disk; every
 * `compactEvery` updates the state is re-encoded and the log folded into it in that same transaction.
 */
export class DocStore {
  readonly replicaId: string;
  private readonly cache = new Map<string, Loaded>();
  private readonly now: () => number;
  private readonly q: ReturnType<typeof prepare>;
  /** Called after every merge that added something, once it is on disk (gossip pushes it to peers). */
  onChange: ((doc: string, update: Uint8Array, origin: string | undefined) => void) | undefined;

  constructor(
    private readonly db: DB,
    private readonly opts: DocStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
    let id = getMeta(db, 'crdt_replica_id');
    if (!id) {
      id = randomUUID();
      setMeta(db, 'crdt_replica_id', id);
    }
    this.replicaId = id;
    this.q = prepare(db);
  }

  /** Loads a doc from SQLite (state, then the log in order), or undefined if it was never written. */
  private load(id: string): Loaded | undefined {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit); // most recently used last
      return hit;
    }
    const row = this.q.doc.get(id) as { state: Buffer; types: string; pending: number; log_bytes: number } | undefined;
    if (!row) return undefined;
    const ydoc = new Y.Doc({ gc: true });
    const types = JSON.parse(row.types) as TypeMap;
    declareTypes(ydoc, types);
    ydoc.transact(() => {
      Y.applyUpdate(ydoc, row.state);
      for (const r of this.q.log.all(id) as Array<{ data: Buffer }>) for (const u of decodeBatch(r.data)) Y.applyUpdate(ydoc, u);
    });
    const loaded: Loaded = { ydoc, types, pending: row.pending, bytes: row.state.byteLength + row.log_bytes };
    this.remember(id, loaded);
    return loaded;
  }

  private remember(id: string, loaded: Loaded): void {
    this.cache.set(id, loaded);
    while (this.cache.size > this.opts.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.get(oldest)?.ydoc.destroy();
      this.cache.delete(oldest);
    }
  }

  private evict(id: string): void {
    this.cache.get(id)?.ydoc.destroy();
    this.cache.delete(id);
  }

  has(id: string): boolean {
    return this.cache.has(id) || this.q.exists.get(id) !== undefined;
  }

  /** The live Y.Doc (read-only use: stateVector, diffs). Undefined if the doc does not exist. */
  ydoc(id: string): Y.Doc | undefined {
    return this.load(id)?.ydoc;
  }

  /**
   * Integrates and persists `updates` (raw Yjs) then `ops`. Nothing is changed when any part is
   * invalid: ops run on a scratch copy first, and if Yjs rejects an update the in-memory doc is
   * dropped (it reloads from SQLite, where nothing was written).
   */
  merge(id: string, input: MergeInput): MergeResult {
    const updates = [...(input.updates ?? [])];
    const current = this.load(id);
    if (input.ops?.length) {
      // Ops run on a scratch copy that sees the incoming updates too, so a bad op leaves nothing behind.
      const scratch = new Y.Doc({ gc: true });
      try {
        if (current) declareTypes(scratch, current.types);
        scratch.transact(() => {
          if (current) Y.applyUpdate(scratch, Y.encodeStateAsUpdate(current.ydoc));
          updates.forEach((u, i) => applyRaw(scratch, u, i));
        });
        typeFromContent(scratch);
        // Set after loading: Yjs gives a doc a new random clientID when a remote update carries its own.
        scratch.clientID = actorClientId(this.replicaId, input.actor ?? '');
        const made = applyOps(scratch, input.ops);
        if (made) updates.push(made);
      } finally {
        scratch.destroy();
      }
    }
    if (!updates.length) return { added: null, changed: false, typed: {} };
    return this.integrate(id, current, updates, input.origin);
  }

  /**
   * Applies updates in one Yjs transaction and persists what they added in one SQLite transaction.
   * A throw anywhere (garbage bytes, size limit, SQLite) drops the in-memory doc, which then reloads
   * from SQLite as it was.
   */
  private integrate(id: string, current: Loaded | undefined, updates: readonly Uint8Array[], origin?: string): MergeResult {
    const loaded = current ?? { ydoc: new Y.Doc({ gc: true }), types: {}, pending: 0, bytes: 0 };
    const { ydoc } = loaded;
    let changed = false;
    const watch = (tr: Y.Transaction) => {
      changed ||= tr.deleteSet.clients.size > 0 || grew(tr.beforeState, tr.afterState);
    };
    // What the transaction added, as Yjs encodes it, is what gossip pushes; Yjs encodes it only
    // for a listener, so only when gossip listens.
    let added: Uint8Array | null = null;
    const grab = (u: Uint8Array) => {
      added = u;
    };
    const listen = this.onChange !== undefined;
    const unwatch = () => {
      ydoc.off('afterTransaction', watch);
      if (listen) ydoc.off('update', grab);
    };
    let typed: TypeMap = {};
    ydoc.on('afterTransaction', watch);
    if (listen) ydoc.on('update', grab);
    try {
      ydoc.transact(() => updates.forEach((u, i) => applyRaw(ydoc, u, i)), 'merge');
      unwatch();
      typed = typeFromContent(ydoc);
      // Structs waiting for ones not yet seen change nothing visible yet, but were acknowledged.
      const waiting = ydoc.store.pendingStructs !== null || ydoc.store.pendingDs !== null;
      if (!changed && !waiting && !Object.keys(typed).length) return { added: null, changed: false, typed };
      // One log row per merge: the updates as received (no re-encoding on the hot path), which
      // also keeps structs Yjs holds back until their dependencies arrive.
      const rows: readonly Uint8Array[] = changed || waiting ? [encodeBatch(updates)] : [];
      const rowBytes = rows.reduce((n, u) => n + u.byteLength, 0);
      if (loaded.bytes + rowBytes > this.opts.maxDocBytes) {
        throw invalidInput(
          `The merge would grow document "${id}" past the ${this.opts.maxDocBytes}-byte limit.`,
          'Split the content over several documents.',
        );
      }
      const types = Object.keys(typed).length || !current ? typesOf(ydoc) : loaded.types;
      const at = this.now();
      const compact = loaded.pending + rows.length >= this.opts.compactEvery;
      let state: Uint8Array | undefined;
      this.db.transaction(() => {
        if (!current) this.q.insertDoc.run(id, EMPTY_STATE, '{}', at, at);
        for (const u of rows) this.q.append.run(id, u, at);
        this.q.touch.run(JSON.stringify(types), rows.length, at, id);
        if (compact) {
          state = Y.encodeStateAsUpdate(ydoc);
          this.q.compact.run(state, at, id);
          this.q.dropLog.run(id);
        }
      })();
      loaded.types = types;
      loaded.pending = compact ? 0 : loaded.pending + rows.length;
      loaded.bytes = state ? state.byteLength : loaded.bytes + rowBytes;
    } catch (err) {
      unwatch();
      if (current) this.evict(id);
      else ydoc.destroy();
      if (err instanceof SixfoldError) throw err;
      throw new SixfoldError(
        'internal',
        `Merging into document "${id}" failed: ${(err as Error).message}.`,
        'The document is unchanged.',
        { cause: err },
      );
    }
    if (!current) this.remember(id, loaded);
    try {
      this.opts.onCommitted?.(id, { created: !current, origin });
    } catch {
      // Already persisted; a listener's failure is not the merge's.
    }
    if (added && this.onChange) {
      try {
        this.onChange(id, added, origin);
      } catch {
        // Already persisted; a failed push is repaired by the next anti-entropy round.
      }
    }
    return { added, changed, typed };
  }

  /** What crdt_merge and crdt_read return: snapshot, state vector, and the diff since `since`. */
  view(id: string, since?: Uint8Array): DocView {
    const loaded = this.load(id);
    if (!loaded)
      throw notFound(`No document "${id}".`, 'Create it with crdt_merge (ops or updates); crdt:// lists existing documents.');
    const { ydoc } = loaded;
    const full = Y.encodeStateAsUpdate(ydoc);
    let update = full;
    if (since) {
      try {
        update = Y.encodeStateAsUpdate(ydoc, since);
      } catch (err) {
        throw invalidInput(
          `since is not a Yjs state vector (${(err as Error).message}).`,
          'Send Y.encodeStateVector(doc) as base64, or omit since for the full state.',
        );
      }
    }
    return {
      doc: id,
      snapshot: ydoc.toJSON(),
      state_vector: toBase64(Y.encodeStateVector(ydoc)),
      update: toBase64(update),
      size_bytes: full.byteLength,
      clients: ydoc.store.clients.size,
    };
  }

  /**
   * A doc's update log since its last compaction, newest first: per merge, when, its size, and
   * what its Yjs updates hold (items inserted, ranges deleted, by which clients). Older merges are
   * folded into the compacted state and have no entry of their own.
   */
  history(id: string, limit: number): { created_at: number; updated_at: number; entries: UpdateEntry[] } | undefined {
    const doc = this.q.docTimes.get(id) as { created_at: number; updated_at: number } | undefined;
    if (!doc) return undefined;
    const rows = this.q.history.all(id, limit) as Array<{ seq: number; data: Buffer; at: number }>;
    const entries = rows.map((r) => {
      let inserted = 0;
      let deleted = 0;
      const clients = new Set<number>();
      const updates = decodeBatch(r.data);
      for (const u of updates) {
        const { structs, ds } = Y.decodeUpdate(u);
        for (const s of structs) {
          if (s instanceof Y.Item) inserted += s.length;
          clients.add(s.id.client);
        }
        for (const [client, items] of ds.clients) {
          clients.add(client);
          for (const d of items) deleted += d.len;
        }
      }
      return {
        seq: r.seq,
        at: r.at,
        bytes: r.data.byteLength,
        updates: updates.length,
        inserted,
        deleted,
        clients: [...clients],
      };
    });
    return { ...doc, entries };
  }

  list(limit = 1000): Array<{ id: string; updated_at: number; state_bytes: number; pending: number }> {
    return this.q.list.all(limit) as Array<{ id: string; updated_at: number; state_bytes: number; pending: number }>;
  }

  /** Drops the loaded docs (everything is already on disk). */
  close(): void {
    for (const id of [...this.cache.keys()]) this.evict(id);
  }
}
