import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema';

export interface Database {
  db: Kysely<DB>;
  /** The raw handle, for the few SQLite-only operations (backup, integrity check) kept in db/. */
  sqlite: SQLite.Database;
  /**
   * Whether the database answers a read, for the health check. Asked on a read-only connection of its
   * own, so it never queues behind a long transaction on the main connection (Kysely runs one query at a
   * time there, and an import holds it until it commits); WAL lets it read while that transaction writes.
   */
  readable(): boolean;
  close(): Promise<void>;
}

/**
 * Kysely prepares a new statement for every query, and preparing costs more than running most of
 * ours (a CPU profile of the lesson page put it at about 7% of all time). Statements are kept by SQL
 * text, most recently used last, and reused: better-sqlite3 runs one statement at a time, so sharing
 * is safe as long as nothing streams (we never use Kysely's stream()).
 */
function withStatementCache(sqlite: SQLite.Database, size = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

export interface OpenOptions {
  /** See DB_SYNCHRONOUS in config: FULL unless the operator chose otherwise. */
  synchronous?: 'full' | 'normal';
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // FULL: a recorded completion must survive power loss, not only a process crash. Each commit then
  // waits for an fsync (about 4 ms on this project's test machine), which bounds durable writes per
  // second; NORMAL in WAL mode survives a process crash but may lose the last commits on power loss.
  sqlite.pragma(options.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  // Reports read 100,000-person tables: a 64 MB page cache and memory-mapped reads keep them in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  let closed = false;
  let reader: SQLite.Database | undefined;
  const readable = () => {
    if (closed || !sqlite.open) return false;
    try {
      // An in-memory database cannot be opened twice; it has no other writer to wait for either.
      if (file === ':memory:') return sqlite.prepare('select 1 from sqlite_master limit 1').pluck().get() !== false;
      // A short busy wait: WAL readers only wait during recovery, and this wait blocks the event loop.
      reader ??= new SQLite(file, { readonly: true, fileMustExist: true, timeout: 100 });
      reader.prepare('select count(*) from sqlite_master').pluck().get();
      return true;
    } catch {
      reader?.close();
      reader = undefined;
      return false;
    }
  };
  return {
    db,
    sqlite,
    readable,
    async close() {
      if (closed) return;
      closed = true;
      reader?.close();
      await db.destroy();
    },
  };
}
