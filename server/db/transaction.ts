import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { DB } from './schema';

/*
 * One write transaction, with SQLite's guarantee on both engines: it runs as if no other transaction
 * ran at the same time. SQLite gives that by its single writer (openDatabase begins every write
 * transaction IMMEDIATE). PostgreSQL lets transactions run side by side, so there the transaction is
 * SERIALIZABLE: when two would interleave in a way no one-after-the-other order explains (two
 * "is this e-mail free? then insert it", two publishers reading the same latest version), PostgreSQL
 * fails one of them with a serialization failure, and it is run again from the start, now seeing what
 * the other committed, exactly as it would have on SQLite. The read-then-write checks in the services
 * thus stay correct with several instances on one PostgreSQL.
 *
 * Many transactions colliding over the same rows (twenty identical imports at once) could otherwise
 * keep failing one another: a transaction that collided once runs again only while holding a
 * session-wide advisory lock, so the ones that collided queue one behind the other, as every writer
 * does on SQLite, while transactions that collide with nothing still run side by side. The lock is
 * taken before the transaction begins, so the transaction's snapshot is taken after it is granted.
 */

/** SQLSTATEs after which running the transaction again can succeed. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  // unique_violation: a concurrent insert of the same key that the transaction had not read first (so
  // PostgreSQL does not report it as a serialization failure). Run again, the check before the insert
  // sees the committed row and answers as on SQLite; a real duplicate fails the same way every time.
  '23505',
]);
const ATTEMPTS = 12;
/** An arbitrary 64-bit constant naming "a write transaction that collided and runs again". */
const RETRY_QUEUE = 7_214_050_119_002;

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs fn in one write transaction (see above). fn may run more than once on PostgreSQL: it must only write through trx. */
export async function writeTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return db.transaction().execute(fn);
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (attempt === 1) return await db.transaction().setIsolationLevel('serializable').execute(fn);
      return await db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${RETRY_QUEUE})`.execute(conn);
        try {
          return await conn.transaction().setIsolationLevel('serializable').execute(fn);
        } finally {
          await sql`select pg_advisory_unlock(${RETRY_QUEUE})`.execute(conn);
        }
      });
    } catch (e) {
      const state = sqlState(e);
      if (attempt >= ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw e;
      // A short random pause, so a transaction that ran without the lock does not meet the same one again.
      await pause(Math.random() * 10 * attempt);
    }
  }
}
