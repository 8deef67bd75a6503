import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type LogEvent, type SqliteDialectConfig, type TransactionSettings } from 'kysely';
import { ensurePrivateDir, ensurePrivateFile, makePrivate } from '../files';
import type { DB } from './schema';

/** The engines the app runs on: the embedded SQLite file (the default) or a PostgreSQL server (DATABASE_URL). */
export type Engine = 'sqlite' | 'postgres';

export interface Database {
  engine: Engine;
  db: Kysely<DB>;
  /**
   * The raw handle, for the few SQLite-only operations (backup, integrity check) kept in db/. On
   * PostgreSQL reading it throws: those operations have no meaning there (pg_dump/pg_restore instead).
   */
  readonly sqlite: SQLite.Database;
  /**
   * Whether the database answers a read, for the health check. Asked on a connection of its own, so it
   * never queues behind a long transaction (on SQLite, Kysely runs one query at a time on the main
   * connection, and an import holds it until it commits; WAL lets the probe read meanwhile).
   */
  readable(): Promise<boolean>;
  /**
   * The newest migration applied, for the health check, asked the same way (never behind a long
   * transaction); undefined before the first migration or when the database does not answer.
   */
  migrationLevel(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Kysely's bookkeeping table; names sort in the order the migrations run. */
export const NEWEST_MIGRATION_SQL = 'select name from kysely_migration order by name desc limit 1';

/**
 * Kysely prepares a new statement for every query, and preparing costs more than running most of
 * ours (its share of a CPU profile is in BENCHMARKS.md). Statements are kept by SQL
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

/**
 * Kysely's SQLite driver begins every transaction DEFERRED: it takes the write lock only at its first
 * write. In WAL mode a transaction that has read and then finds that another connection (the CLI, a
 * second process) committed meanwhile cannot take the lock at all: SQLite fails it with
 * SQLITE_BUSY_SNAPSHOT at once, busy_timeout or not. Beginning IMMEDIATE takes the write lock first
 * (waiting up to busy_timeout for it), so everything the transaction reads, the audit chain's head
 * included, is still current when it writes. Every transaction here writes; one that only reads can
 * say so with setAccessMode('read only') and stays deferred.
 */
class WriteFirstDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'begin deferred' : 'begin immediate'));
  }
}

class WriteFirstSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new WriteFirstDriver(this.settings);
  }
}

export interface OpenOptions {
  /** See DB_SYNCHRONOUS in config: FULL unless the operator chose otherwise. */
  synchronous?: 'full' | 'normal';
  /** Called with the SQL of every query Kysely runs (tests count the queries of a request path). */
  onQuery?: (sql: string) => void;
}

/** Kysely's log option calling `onQuery` with each query's SQL (both engines). */
export function queryLog(onQuery: ((sql: string) => void) | undefined): { log?: (event: LogEvent) => void } {
  return onQuery ? { log: (event: LogEvent) => { if (event.level === 'query') onQuery(event.query.sql); } } : {};
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const onDisk = file !== ':memory:';
  if (onDisk) {
    // A folder made here is the server's alone; an existing one is the operator's (DATA_DIR is
    // tightened by main and the CLI, see ensurePrivateDir).
    if (!fs.existsSync(path.dirname(file))) ensurePrivateDir(path.dirname(file));
    // Owner-only whatever the umask: the file is made 0600 before SQLite opens it, and SQLite gives its
    // -wal and -shm files the database file's own mode (it chmods them to it on creation, past the
    // umask), so they are 0600 too each time they are re-created. Ones left by an older version are
    // tightened once open. A process-wide umask is not used: worker threads cannot set it, and it
    // would change every other file the process writes meanwhile.
    ensurePrivateFile(file);
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // Deleted and overwritten content (ended sessions, replaced rows) is zeroed in its page instead of
  // lingering in free space, where a copy of the file would still show it.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // FULL: a recorded completion must survive power loss, not only a process crash. Each commit then
  // waits for an fsync, which bounds durable writes per second (BENCHMARKS.md, measure 4); NORMAL in WAL mode survives a process crash but may lose the last commits on power loss.
  sqlite.pragma(options.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  // Reports read 100,000-person tables: a 64 MB page cache and memory-mapped reads keep them in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
  if (onDisk) for (const suffix of ['-wal', '-shm']) makePrivate(`${file}${suffix}`);
  const db = new Kysely<DB>({
    dialect: new WriteFirstSqliteDialect({ database: withStatementCache(sqlite) }),
    ...queryLog(options.onQuery),
  });
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
  const migrationLevel = (): string | undefined => {
    if (!readable()) return undefined;
    try {
      const source = file === ':memory:' ? sqlite : reader!;
      return (source.prepare(NEWEST_MIGRATION_SQL).pluck().get() as string | undefined) ?? undefined;
    } catch {
      return undefined; // no migration table yet
    }
  };
  return {
    engine: 'sqlite',
    db,
    sqlite,
    readable: async () => readable(),
    migrationLevel: async () => migrationLevel(),
    async close() {
      if (closed) return;
      closed = true;
      reader?.close();
      await db.destroy();
    },
  };
}

/**
 * After a bulk change: copies every WAL frame into the database file and empties the WAL, so the old
 * images of thousands of rewritten pages do not stay readable in the -wal file until it happens to
 * be reused. Best effort: with a reader still open SQLite checkpoints what it can and says busy.
 */
export async function truncateWal(db: Kysely<DB>): Promise<void> {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}

