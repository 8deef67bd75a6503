import { Migrator, PostgresAdapter, sql, type Kysely, type MigrationProvider, type Migration } from 'kysely';
import { migrations } from '../../migrations';
import type { DB } from './schema';

const provider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => migrations,
};

/**
 * The advisory lock two instances starting at once take on PostgreSQL: the first migrates, the other
 * waits, then finds nothing left to do. Kysely's Migrator takes its own lock too, but only after it has
 * made its bookkeeping tables, which two servers racing on an empty database could both try to create.
 * An arbitrary 64-bit constant naming "Privacy Rounds migrations".
 */
const MIGRATION_LOCK = 7_214_050_119_019;

async function run(db: Kysely<DB>, inOpenTransaction = false): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(inOpenTransaction ? { disableTransactions: true } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * SQLite: Kysely's migration lock there is a no-op (it guards one process's single connection), so two
 * processes starting on a fresh file (two servers, or the server and `db:migrate`) both found
 * migrations pending and ran them side by side: "table already exists", "duplicate column". The whole
 * run is therefore one transaction begun IMMEDIATE, which takes the file's write lock before Kysely
 * reads what is applied: the first process migrates, the other waits, then finds nothing left to do.
 * SQLite's DDL is transactional, so a failing migration also leaves the file as it was (no half-made
 * table), and a process killed mid-run leaves no lock behind (SQLite drops it with the process).
 * busy_timeout bounds one wait for the lock; a long migration in the other process can outlast it, so
 * the lock is asked for again until granted, as pg_advisory_lock waits on PostgreSQL.
 */
async function withSqliteWriteLock<T>(conn: Kysely<DB>, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await sql`begin immediate`.execute(conn);
      break;
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code !== 'SQLITE_BUSY') throw e;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw e;
  }
  try {
    await sql`commit`.execute(conn);
  } catch (e) {
    // A commit that fails (disk full, I/O error) can leave the transaction open on the app's one
    // connection: end it, so nothing after runs inside it.
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw e;
  }
  return result;
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  // Either lock lives on one connection: the whole run uses that connection.
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    return db.connection().execute((conn) => withSqliteWriteLock(conn, () => run(conn)));
  }
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}

/** Every migration this version knows, oldest first (what "the latest level" means). */
export function knownMigrations(): string[] {
  return Object.keys(migrations).sort();
}

/**
 * Migrates a PostgreSQL database inside a transaction the caller has begun on this one connection
 * (db:copy: the schema and the copied rows commit together or not at all). The migration lock is taken
 * for the transaction, so a server starting meanwhile waits for the commit and then finds nothing to do.
 */
export async function migrateInOpenTransaction(conn: Kysely<DB>): Promise<string[]> {
  await lockMigrationsInOpenTransaction(conn);
  return run(conn, true);
}

/**
 * Takes the migration lock until the caller's transaction ends (PostgreSQL; it may be taken again in
 * the same transaction). db:copy takes it before it looks whether the target is empty, so a server
 * starting on the target cannot migrate it between that look and the copy.
 */
export async function lockMigrationsInOpenTransaction(conn: Kysely<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(conn);
}

/** The newest migration applied (the health check reports it), or undefined before the first. */
export async function migrationLevel(db: Kysely<DB>): Promise<string | undefined> {
  const migrator = new Migrator({ db, provider });
  const applied = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined);
  return applied.at(-1)?.name;
}
