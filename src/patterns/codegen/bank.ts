import { randomUUID } from 'node:crypto';
import { SixfoldError } from '../../errors.js';
import type { DB } from '../../memory/db.js';
import { getMeta, setMeta } from '../../memory/db.js';
import type { MemoryStore } from '../../memory/store.js';
import { l2ToCosine, toBlob } from '../../memory/vectors.js';

/**
 * The ReasoningBank: what generate_code learned, persistent. Two tables (migration 4):
 * `reasoning_items` (distilled strategies and pitfalls, each with a confidence and a use count)
 * and `trajectories` (every generate_code call and its outcome). Item vectors sit in their own
 * vec0 table, `reasoning_vectors`, of the store's embedder dimension, with namespace, language
 * and kind as metadata columns so filters apply during the KNN scan.
 *
 * The vectors embed each item's originating task (kept in `task`), so "similar item" means
 * "learned on a similar task". When the store's embedder changes (`sixfold reembed`), the
 * table is rebuilt from those texts on the next open.
 *
 * Storage only: what to store and how to rank is decided by the rest of this folder. Every
 * multi-row write is one transaction. One bank per server, opened on first use (src/build-deps.ts
 * puts it in Deps as a lazy value): tools of every session (HTTP builds a server per session)
 * share it.
 */

/** Where generate_code keeps what it learns when the call names no namespace. */
export const DEFAULT_NAMESPACE = 'codegen';
export const VEC_TABLE = 'reasoning_vectors';
const VEC_META = 'reasoning_vec_embedder';
const CONSOLIDATED_META = 'reasoning_consolidated_rowid:';
const REBUILD_BATCH = 128;

export type ItemKind = 'strategy' | 'pitfall';
export type Outcome = 'pending' | 'success' | 'failure';

export interface ReasoningItem {
  id: string;
  namespace: string;
  title: string;
  description: string;
  content: string;
  kind: ItemKind;
  language: string;
  confidence: number;
  uses: number;
  created_at: number;
  last_used_at: number | null;
  /** The text the vector embeds: the task the item was learned on. */
  task: string;
  /** Strategies: the working solution. */
  code: string | null;
  context_hash: string;
  trajectory_id: string | null;
}

export type NewItem = Pick<
  ReasoningItem,
  'title' | 'description' | 'content' | 'kind' | 'confidence' | 'task' | 'code' | 'context_hash'
> & {
  vector: Float32Array;
};

export interface UsedMemory {
  id: string;
  title: string;
  kind: ItemKind;
  score: number;
  similarity: number;
}

export interface Trajectory {
  id: string;
  namespace: string;
  task: string;
  language: string;
  context_hash: string;
  prompt: string | null;
  code: string;
  source: 'memory' | 'llm';
  provider: string | null;
  model: string | null;
  tokens: number | null;
  cost_usd: number | null;
  memories_used: UsedMemory[];
  outcome: Outcome;
  notes: string | null;
  final_code: string | null;
  judged: boolean;
  created_at: number;
  outcome_at: number | null;
}

export type NewTrajectory = Omit<Trajectory, 'id' | 'outcome' | 'notes' | 'final_code' | 'judged' | 'created_at' | 'outcome_at'>;

export interface Neighbour {
  item: ReasoningItem;
  /** Cosine similarity to the query vector, clamped to 0..1. */
  similarity: number;
}

export interface Finish {
  id: string;
  outcome: 'success' | 'failure';
  notes: string | null;
  final_code: string | null;
  judged: boolean;
  items: NewItem[];
  /** Confidence change for each of these items that still exists, clamped to 0..1. */
  adjust: { ids: string[]; delta: number };
}

export interface Finished {
  created: ReasoningItem[];
  updated: Array<{ id: string; title: string; confidence: number }>;
}

export interface ConsolidationRow extends ReasoningItem {
  vector: Float32Array;
}

/** What the pattern's planner returns; applied as given. */
export interface ConsolidationDecision {
  merges: Array<{ keep: string; drop: string[]; uses: number; confidence: number; last_used_at: number | null }>;
  prune: Array<{ id: string }>;
}

interface ItemRow extends ReasoningItem {
  rowid: number;
}

interface TrajectoryRow extends Omit<Trajectory, 'memories_used' | 'judged'> {
  memories_used: string;
  judged: number;
}

function rowToItem({ rowid: _r, ...item }: ItemRow): ReasoningItem {
  return item;
}

function rowToTrajectory(r: TrajectoryRow): Trajectory {
  return { ...r, memories_used: JSON.parse(r.memories_used) as UsedMemory[], judged: r.judged === 1 };
}

function fromBlob(b: Buffer): Float32Array {
  // Copy: the blob's buffer may be shared and is not guaranteed 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** Confidence kept to 6 decimals, so 0.7 - 0.15 is stored and shown as 0.55. */
const conf = (x: number) => Math.round(clamp01(x) * 1e6) / 1e6;

export class ReasoningBank {
  readonly db: DB;
  readonly now: () => number;
  private readonly stmts;

  private constructor(
    private readonly store: MemoryStore,
    now: () => number,
  ) {
    const db = store.db;
    this.db = db;
    this.now = now;
    this.stmts = {
      insertItem: db.prepare(
        `INSERT INTO reasoning_items (id, namespace, title, description, content, kind, language, confidence, uses, created_at, last_used_at, task, code, context_hash, trajectory_id)
         VALUES (@id, @namespace, @title, @description, @content, @kind, @language, @confidence, @uses, @created_at, @last_used_at, @task, @code, @context_hash, @trajectory_id)`,
      ),
      insertVec: db.prepare(`INSERT INTO ${VEC_TABLE} (rowid, namespace, language, kind, embedding) VALUES (?, ?, ?, ?, ?)`),
      deleteVec: db.prepare(`DELETE FROM ${VEC_TABLE} WHERE rowid = ?`),
      deleteItem: db.prepare('DELETE FROM reasoning_items WHERE rowid = ?'),
      itemById: db.prepare('SELECT * FROM reasoning_items WHERE id = ?'),
      use: db.prepare('UPDATE reasoning_items SET uses = uses + 1, last_used_at = ? WHERE id = ?'),
      setConfidence: db.prepare('UPDATE reasoning_items SET confidence = ? WHERE id = ?'),
      mergeInto: db.prepare('UPDATE reasoning_items SET uses = ?, confidence = ?, last_used_at = ? WHERE id = ?'),
      insertTrajectory: db.prepare(
        `INSERT INTO trajectories (id, namespace, task, language, context_hash, prompt, code, source, provider, model, tokens, cost_usd, memories_used, created_at)
         VALUES (@id, @namespace, @task, @language, @context_hash, @prompt, @code, @source, @provider, @model, @tokens, @cost_usd, @memories_used, @created_at)`,
      ),
      trajectory: db.prepare('SELECT * FROM trajectories WHERE id = ?'),
      finish: db.prepare(
        `UPDATE trajectories SET outcome = @outcome, notes = @notes, final_code = @final_code, judged = @judged, outcome_at = @outcome_at
         WHERE id = @id AND outcome = 'pending'`,
      ),
      list: db.prepare(
        'SELECT * FROM reasoning_items WHERE namespace = ? ORDER BY confidence DESC, uses DESC, created_at DESC, rowid DESC LIMIT ?',
      ),
      count: db.prepare('SELECT count(*) AS n FROM reasoning_items WHERE namespace = ?'),
      namespaces: db.prepare('SELECT namespace, count(*) AS count FROM reasoning_items GROUP BY namespace ORDER BY namespace'),
      allInNamespace: db.prepare('SELECT * FROM reasoning_items WHERE namespace = ? ORDER BY rowid'),
      maxRowid: db.prepare('SELECT max(rowid) AS r FROM reasoning_items WHERE namespace = ?'),
      since: db.prepare('SELECT count(*) AS n FROM reasoning_items WHERE namespace = ? AND rowid > ?'),
    };
  }

  /**
   * The bank over `store`'s database and embedder. Builds (or, after the embedder changed,
   * rebuilds) the vector table first: re-embedding is async, the swap is one transaction.
   */
  static async open(store: MemoryStore, opts: { now?: () => number } = {}): Promise<ReasoningBank> {
    const db = store.db;
    const want = `${store.embedder.id}:${store.vec.dims}`;
    const exists = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(VEC_TABLE) !== undefined;
    if (!exists || getMeta(db, VEC_META) !== want) {
      const rows = db.prepare('SELECT rowid, namespace, language, kind, task FROM reasoning_items ORDER BY rowid').all() as Array<
        Pick<ItemRow, 'rowid' | 'namespace' | 'language' | 'kind' | 'task'>
      >;
      const vectors: Float32Array[] = [];
      for (let i = 0; i < rows.length; i += REBUILD_BATCH) {
        const batch = rows.slice(i, i + REBUILD_BATCH);
        const v = await store.embedder.embed(batch.map((r) => r.task));
        store.checkVectors(v, batch.length);
        vectors.push(...v);
      }
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${VEC_TABLE}`);
        db.exec(
          `CREATE VIRTUAL TABLE ${VEC_TABLE} USING vec0(namespace text, language text, kind text, embedding float[${store.vec.dims}])`,
        );
        const insert = db.prepare(
          `INSERT INTO ${VEC_TABLE} (rowid, namespace, language, kind, embedding) VALUES (?, ?, ?, ?, ?)`,
        );
        rows.forEach((r, i) => insert.run(BigInt(r.rowid), r.namespace, r.language, r.kind, toBlob(vectors[i])));
        setMeta(db, VEC_META, want);
      })();
    }
    return new ReasoningBank(store, opts.now ?? store.now);
  }

  /** Unit vectors from the store's embedder, checked for shape. */
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const v = await this.store.embedder.embed(texts, signal);
    this.store.checkVectors(v, texts.length);
    return v;
  }

  /** The `k` items nearest to `vector` in one namespace and language (optionally one kind). */
  nearest(q: { namespace: string; language: string; vector: Float32Array; k: number; kind?: ItemKind }): Neighbour[] {
    const filters = ['embedding MATCH ?', 'k = ?', 'namespace = ?', 'language = ?'];
    const params: unknown[] = [toBlob(q.vector), q.k, q.namespace, q.language];
    if (q.kind) (filters.push('kind = ?'), params.push(q.kind));
    const hits = this.db
      .prepare(`SELECT rowid, distance FROM ${VEC_TABLE} WHERE ${filters.join(' AND ')} ORDER BY distance`)
      .all(...params) as Array<{ rowid: number; distance: number }>;
    if (!hits.length) return [];
    const rows = this.db
      .prepare(`SELECT * FROM reasoning_items WHERE rowid IN (${hits.map(() => '?').join(',')})`)
      .all(...hits.map((h) => h.rowid)) as ItemRow[];
    const byRowid = new Map(rows.map((r) => [r.rowid, r]));
    return hits.flatMap((h) => {
      const row = byRowid.get(Number(h.rowid));
      return row ? [{ item: rowToItem(row), similarity: clamp01(l2ToCosine(h.distance)) }] : [];
    });
  }

  /** Stored vectors of items, by id. */
  vectors(ids: readonly string[]): Map<string, Float32Array> {
    if (!ids.length) return new Map();
    const rows = this.db
      .prepare(
        `SELECT i.id AS id, v.embedding AS embedding FROM reasoning_items i JOIN ${VEC_TABLE} v ON v.rowid = i.rowid
         WHERE i.id IN (${ids.map(() => '?').join(',')})`,
      )
      .all(...ids) as Array<{ id: string; embedding: Buffer }>;
    return new Map(rows.map((r) => [r.id, fromBlob(r.embedding)]));
  }

  item(id: string): ReasoningItem | undefined {
    const row = this.stmts.itemById.get(id) as ItemRow | undefined;
    return row && rowToItem(row);
  }

  /** Records a generate_code call and counts one use of each memory it used: one transaction. */
  addTrajectory(t: NewTrajectory): Trajectory {
    const now = this.now();
    const row = { ...t, id: randomUUID(), created_at: now, memories_used: JSON.stringify(t.memories_used) };
    this.db.transaction(() => {
      this.stmts.insertTrajectory.run(row);
      for (const m of t.memories_used) this.stmts.use.run(now, m.id);
    })();
    return {
      ...t,
      id: row.id,
      created_at: now,
      outcome: 'pending',
      notes: null,
      final_code: null,
      judged: false,
      outcome_at: null,
    };
  }

  trajectory(id: string): Trajectory | undefined {
    const row = this.stmts.trajectory.get(id) as TrajectoryRow | undefined;
    return row && rowToTrajectory(row);
  }

  /**
   * Sets a pending trajectory's outcome, stores the distilled items and adjusts the confidence of
   * the memories it used: one transaction. An outcome already recorded is a conflict.
   */
  finish(f: Finish): Finished {
    const now = this.now();
    return this.db.transaction((): Finished => {
      const t = this.trajectory(f.id);
      if (!t)
        throw new SixfoldError(
          'not_found',
          `No trajectory with id "${f.id}".`,
          'Pass the trajectory_id that generate_code returned.',
        );
      const done = this.stmts.finish.run({
        id: f.id,
        outcome: f.outcome,
        notes: f.notes,
        final_code: f.final_code,
        judged: f.judged ? 1 : 0,
        outcome_at: now,
      });
      if (done.changes === 0) {
        throw new SixfoldError(
          'conflict',
          `Trajectory ${f.id} already has its outcome (${t.outcome}).`,
          'Each trajectory takes one outcome; call generate_code again for a new attempt.',
        );
      }
      const updated: Finished['updated'] = [];
      for (const id of new Set(f.adjust.ids)) {
        const item = this.item(id);
        if (!item) continue; // merged or pruned since
        const confidence = conf(item.confidence + f.adjust.delta);
        this.stmts.setConfidence.run(confidence, id);
        updated.push({ id, title: item.title, confidence });
      }
      const created = f.items.map((n): ReasoningItem => {
        const { vector, ...fields } = n;
        const item: ReasoningItem = {
          ...fields,
          id: randomUUID(),
          namespace: t.namespace,
          language: t.language,
          confidence: conf(n.confidence),
          uses: 0,
          created_at: now,
          last_used_at: null,
          trajectory_id: t.id,
        };
        const { lastInsertRowid } = this.stmts.insertItem.run(item);
        this.stmts.insertVec.run(BigInt(lastInsertRowid), item.namespace, item.language, item.kind, toBlob(vector));
        return item;
      });
      return { created, updated };
    })();
  }

  /** Items of a namespace, most trusted first, and how many there are in all. */
  list(namespace: string, limit: number): { items: ReasoningItem[]; total: number } {
    const rows = this.stmts.list.all(namespace, limit) as ItemRow[];
    const total = (this.stmts.count.get(namespace) as { n: number }).n;
    return { items: rows.map(rowToItem), total };
  }

  namespaces(): Array<{ namespace: string; count: number }> {
    return this.stmts.namespaces.all() as Array<{ namespace: string; count: number }>;
  }

  /** Items added to `namespace` since its last consolidation. */
  itemsSinceConsolidation(namespace: string): number {
    const after = Number(getMeta(this.db, CONSOLIDATED_META + namespace) ?? '0');
    return (this.stmts.since.get(namespace, after) as { n: number }).n;
  }

  /**
   * Reads a namespace's items with their vectors, asks `plan` what to merge and prune, and applies
   * that: all in one transaction, so no item can change between the plan and its application.
   */
  consolidate(namespace: string, plan: (items: ConsolidationRow[]) => ConsolidationDecision): { merged: number; pruned: number } {
    return this.db.transaction(() => {
      const rows = this.stmts.allInNamespace.all(namespace) as ItemRow[];
      const vecs = this.vectors(rows.map((r) => r.id));
      const items = rows.filter((r) => vecs.has(r.id)).map((r) => ({ ...rowToItem(r), vector: vecs.get(r.id)! }));
      const rowidOf = new Map(rows.map((r) => [r.id, r.rowid]));
      const remove = (id: string) => {
        const rowid = rowidOf.get(id);
        if (rowid === undefined) return 0;
        rowidOf.delete(id);
        this.stmts.deleteVec.run(BigInt(rowid));
        this.stmts.deleteItem.run(rowid);
        return 1;
      };
      const decision = plan(items);
      let merged = 0;
      let pruned = 0;
      for (const p of decision.prune) pruned += remove(p.id);
      for (const m of decision.merges) {
        if (!rowidOf.has(m.keep)) continue;
        this.stmts.mergeInto.run(m.uses, conf(m.confidence), m.last_used_at, m.keep);
        for (const id of m.drop) merged += remove(id);
      }
      // New rowids are always above every existing one, so "rowid > this" counts what comes after.
      const max = (this.stmts.maxRowid.get(namespace) as { r: number | null }).r ?? 0;
      setMeta(this.db, CONSOLIDATED_META + namespace, String(max));
      return { merged, pruned };
    })();
  }
}
