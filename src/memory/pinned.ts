import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * The embedder id a database file was built with (meta `embedder_id`), read without migrating or
 * writing anything; undefined for a new or in-memory database. Lets the server pick the DB's own
 * embedder when none is configured, before MemoryStore.open checks it.
 */
export function pinnedEmbedderId(path: string): string | undefined {
  if (path === ':memory:' || !existsSync(path)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'embedder_id'").get() as { value: string } | undefined;
    return row?.value;
  } catch {
    return undefined; // not a sixfold DB yet (no meta table), or unreadable: MemoryStore.open reports that
  } finally {
    db?.close();
  }
}
