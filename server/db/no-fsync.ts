import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { DB } from './schema';

/**
 * Runs fn's statements without waiting for the disk, for data that is worth nothing after a power cut:
 * the rate limiters' counters. On SQLite every commit waits for an fsync under DB_SYNCHRONOUS=full
 * (about a millisecond on this machine, more on slow disks), and a limiter counts every request, refused
 * ones included: a flood of requests to a limited page would otherwise become a flood of fsyncs queued
 * with everyone's writes. NORMAL in WAL mode still survives a process crash; a power cut may lose the
 * last counts, which only makes a limit start again. The one connection is held for the whole of fn, so
 * no other statement runs under the lighter setting, and it is put back as it was. PostgreSQL: fn as it
 * is (a SET LOCAL synchronous_commit would need a transaction of its own, more round trips than it saves
 * with group commit).
 */
export async function withoutFsync<T>(db: Kysely<DB>, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter) || db.isTransaction) return fn(db);
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn);
    const was = Number(rows[0]?.synchronous ?? 2);
    // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA: only a setting stricter than NORMAL is lowered.
    if (was <= 1) return fn(conn);
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql.raw(`pragma synchronous = ${was}`).execute(conn);
    }
  });
}
