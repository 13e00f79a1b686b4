import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { SixfoldError } from '../errors.js';
import { contentHash } from './dedup.js';
import { nativeLoadError, sqliteVecLoadError } from '../native.js';

export type DB = Database.Database;

/**
 * Numbered migrations. Each runs once, in its own transaction, and bumps `user_version`;
 * re-running on a migrated DB does nothing. Never edit a shipped migration: add one.
 */
const MIGRATIONS: ReadonlyArray<(db: DB) => void> = [
  // 1: meta, memories, keyword index.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS memories (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        content TEXT NOT NULL,
        tier TEXT NOT NULL CHECK (tier IN ('working', 'long_term', 'flashbulb')),
        salience REAL NOT NULL CHECK (salience >= 0 AND salience <= 1),
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS memories_ns_created ON memories (namespace, created_at DESC, rowid DESC);
      CREATE INDEX IF NOT EXISTS memories_expiry ON memories (expires_at) WHERE expires_at IS NOT NULL;
      CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(
        content, content = 'memories', content_rowid = 'rowid',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER IF NOT EXISTS memories_fts_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
      END;
      CREATE TRIGGER IF NOT EXISTS memories_fts_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
      END;
      CREATE TRIGGER IF NOT EXISTS memories_fts_au AFTER UPDATE OF content ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
        INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
      END;
    `);
  },
  // 2: document frequency per indexed term, so keyword search can skip near-universal words.
  (db) => {
    db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts_vocab USING fts5vocab(memories_fts, 'row')");
  },
  // 3: one row per LLM call attempt, for cost and health accounting.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS llm_calls (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        purpose TEXT NOT NULL,
        outcome TEXT NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        latency_ms REAL NOT NULL,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS llm_calls_provider_at ON llm_calls (provider, at);
    `);
  },
  // 4: the ReasoningBank (generate_code / record_outcome): distilled items and trajectories.
  // Item vectors live in a vec0 table of the embedder's dimension, made by reasoning-bank.ts.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS reasoning_items (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        content TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('strategy', 'pitfall')),
        language TEXT NOT NULL,
        confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
        uses INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        task TEXT NOT NULL,
        code TEXT,
        context_hash TEXT NOT NULL,
        trajectory_id TEXT
      );
      CREATE INDEX IF NOT EXISTS reasoning_items_ns ON reasoning_items (namespace, confidence DESC);
      CREATE TABLE IF NOT EXISTS trajectories (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        task TEXT NOT NULL,
        language TEXT NOT NULL,
        context_hash TEXT NOT NULL,
        prompt TEXT,
        code TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('memory', 'llm')),
        provider TEXT,
        model TEXT,
        tokens INTEGER,
        cost_usd REAL,
        memories_used TEXT NOT NULL DEFAULT '[]',
        outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'success', 'failure')),
        notes TEXT,
        final_code TEXT,
        judged INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        outcome_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS trajectories_ns_created ON trajectories (namespace, created_at DESC);
    `);
  },
  // 5 (spawn_ephemeral): one row per ephemeral agent with its current state and every lifecycle
  // transition it went through ([[phase, at_ms], ...]). owner_pid lets a restarted server mark
  // agents a crash left running.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        role TEXT NOT NULL,
        input_index INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'expired', 'cancelled')),
        phase TEXT NOT NULL,
        owner_pid INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        result TEXT,
        memories_loaded INTEGER NOT NULL DEFAULT 0,
        memories_written INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        error TEXT,
        transitions TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX IF NOT EXISTS agents_run ON agents (run_id, input_index);
      CREATE INDEX IF NOT EXISTS agents_created ON agents (created_at DESC);
      CREATE INDEX IF NOT EXISTS agents_live ON agents (status) WHERE status IN ('queued', 'running');
      -- The start-up prune of finished agents older than a week.
      CREATE INDEX IF NOT EXISTS agents_ended ON agents (ended_at) WHERE ended_at IS NOT NULL;
    `);
  },
  // 6 (consensus): PBFT clusters for byzantine_propose. Keys per cluster (private keys never leave
  // the server) and the committed log, append-only (triggers refuse UPDATE and DELETE).
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS consensus_clusters (
        name TEXT PRIMARY KEY,
        n INTEGER NOT NULL CHECK (n >= 4),
        mac_secret BLOB NOT NULL,
        view INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0,
        state_digest TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS consensus_keys (
        cluster TEXT NOT NULL REFERENCES consensus_clusters (name),
        replica INTEGER NOT NULL,
        public_key TEXT NOT NULL,
        private_key BLOB NOT NULL,
        PRIMARY KEY (cluster, replica)
      );
      CREATE TABLE IF NOT EXISTS consensus_log (
        cluster TEXT NOT NULL REFERENCES consensus_clusters (name),
        seq INTEGER NOT NULL,
        view INTEGER NOT NULL,
        digest TEXT NOT NULL,
        value TEXT NOT NULL,
        certificate TEXT NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (cluster, seq)
      );
      CREATE TRIGGER IF NOT EXISTS consensus_log_no_update BEFORE UPDATE ON consensus_log BEGIN
        SELECT RAISE(ABORT, 'consensus_log is append-only');
      END;
      CREATE TRIGGER IF NOT EXISTS consensus_log_no_delete BEFORE DELETE ON consensus_log BEGIN
        SELECT RAISE(ABORT, 'consensus_log is append-only');
      END;
    `);
  },
  // 7 (crdt): Yjs documents (crdt_merge, crdt_read, gossip). A compacted state per doc, an append-only update log
  // folded into it every N updates, and the top-level types chosen for content from raw updates.
  // A log row holds one merge's Yjs updates, each length-prefixed (lib0 varuint encoding).
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS crdt_docs (
        id TEXT PRIMARY KEY,
        state BLOB NOT NULL,
        types TEXT NOT NULL DEFAULT '{}',
        pending INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS crdt_updates (
        seq INTEGER PRIMARY KEY,
        doc TEXT NOT NULL REFERENCES crdt_docs (id),
        data BLOB NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS crdt_updates_doc ON crdt_updates (doc, seq);
    `);
  },
  // 8 (cluster): this node's identity, one row: its Ed25519 private key (PKCS#8 DER) and
  // self-signed certificate (PEM). The id is a hash of the public key (src/peer/node-id.ts). The
  // key belongs to the database it identifies; the file is kept owner-only (src/peer/identity.ts).
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS node_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        node_id TEXT NOT NULL,
        private_key BLOB NOT NULL,
        certificate TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `);
  },
  // 9 (memory upkeep): tags, updated_at and a normalised-content hash for dedup on store.
  // Tags live as a sorted JSON array on the row (what reads return) and, for filtering, one row
  // per tag in memory_tags, kept in step by triggers so no insert path has to remember it.
  (db) => {
    db.exec(`
      ALTER TABLE memories ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE memories ADD COLUMN updated_at INTEGER;
      ALTER TABLE memories ADD COLUMN content_hash TEXT;
      UPDATE memories SET updated_at = created_at;
      CREATE INDEX IF NOT EXISTS memories_ns_hash ON memories (namespace, content_hash);
      CREATE INDEX IF NOT EXISTS memories_created ON memories (created_at DESC, rowid DESC);
      CREATE TABLE IF NOT EXISTS memory_tags (
        tag TEXT NOT NULL,
        memory_rowid INTEGER NOT NULL,
        PRIMARY KEY (tag, memory_rowid)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS memory_tags_rowid ON memory_tags (memory_rowid);
      CREATE TRIGGER IF NOT EXISTS memory_tags_ai AFTER INSERT ON memories WHEN new.tags <> '[]' BEGIN
        INSERT OR IGNORE INTO memory_tags (tag, memory_rowid) SELECT value, new.rowid FROM json_each(new.tags);
      END;
      CREATE TRIGGER IF NOT EXISTS memory_tags_au AFTER UPDATE OF tags ON memories BEGIN
        DELETE FROM memory_tags WHERE memory_rowid = old.rowid;
        INSERT OR IGNORE INTO memory_tags (tag, memory_rowid) SELECT value, new.rowid FROM json_each(new.tags);
      END;
      CREATE TRIGGER IF NOT EXISTS memory_tags_ad AFTER DELETE ON memories WHEN old.tags <> '[]' BEGIN
        DELETE FROM memory_tags WHERE memory_rowid = old.rowid;
      END;
    `);
    const rows = db.prepare('SELECT rowid, content FROM memories').all() as Array<{ rowid: number; content: string }>;
    const set = db.prepare('UPDATE memories SET content_hash = ? WHERE rowid = ?');
    for (const r of rows) set.run(contentHash(r.content), r.rowid);
  },
  // 10 (consensus across nodes): this node's own PBFT log per consensus group (src/patterns/consensus/
  // node-store.ts). `cluster` is the group's statement name "nodes/<members hash>/<name>", so a
  // changed member list starts new logs instead of mixing with old ones. Executed batches are
  // append-only; the latest stable checkpoint (with its 2f+1 signed proof) is what a restart
  // resumes from; certificates are those this node collected as the proposer; peers' public keys
  // are remembered (their node id is the key's hash) so certificates verify offline.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS consensus_node_log (
        cluster TEXT NOT NULL,
        seq INTEGER NOT NULL,
        view INTEGER NOT NULL,
        digest TEXT NOT NULL,
        reply_digest TEXT NOT NULL,
        state_digest TEXT NOT NULL,
        requests TEXT NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (cluster, seq)
      );
      CREATE TRIGGER IF NOT EXISTS consensus_node_log_no_update BEFORE UPDATE ON consensus_node_log BEGIN
        SELECT RAISE(ABORT, 'consensus_node_log is append-only');
      END;
      CREATE TRIGGER IF NOT EXISTS consensus_node_log_no_delete BEFORE DELETE ON consensus_node_log BEGIN
        SELECT RAISE(ABORT, 'consensus_node_log is append-only');
      END;
      CREATE TABLE IF NOT EXISTS consensus_node_checkpoints (
        cluster TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        digest TEXT NOT NULL,
        proof TEXT NOT NULL,
        view INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS consensus_node_certificates (
        cluster TEXT NOT NULL,
        seq INTEGER NOT NULL,
        view INTEGER NOT NULL,
        digest TEXT NOT NULL,
        signatures TEXT NOT NULL,
        batch TEXT,
        PRIMARY KEY (cluster, seq)
      );
      CREATE TABLE IF NOT EXISTS consensus_node_keys (
        node_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL
      );
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new SixfoldError(
      'config',
      `Database schema version ${current} is newer than this sixfold understands (${MIGRATIONS.length}).`,
      'Upgrade sixfold, or point --db at another file.',
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** One connection: WAL, busy_timeout, sqlite-vec loaded, migrations applied. */
export function openDatabase(path: string): DB {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: DB;
  try {
    db = new Database(path);
  } catch (err) {
    // better-sqlite3 loads its addon on first use: an ABI mismatch surfaces here, not at import.
    throw (
      nativeLoadError(err, 'better-sqlite3') ??
      new SixfoldError(
        'config',
        `Cannot open database ${path}: ${(err as Error).message}.`,
        'Check the --db path and its permissions.',
      )
    );
  }
  try {
    sqliteVec.load(db);
  } catch (err) {
    db.close();
    throw sqliteVecLoadError(err);
  }
  db.pragma('journal_mode = WAL');
  // NORMAL under WAL survives a process crash (SIGKILL); only power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function getMeta(db: DB, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: DB, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}
