import { sql, type Kysely } from 'kysely';
import { withoutFsync } from '../db/no-fsync';
import type { DB } from '../db/schema';

/** A counter as stored: hits in the window that ends at resetAt (ISO). */
export interface StoredHits {
  hits: number;
  resetAt: string;
}

/**
 * The rate limiters' counters (migration 0026), shared by every instance on the database. Each statement
 * runs on its own (autocommit), never inside a unit of work: a hit must count at once for every instance,
 * and must not wait for or retry with a SERIALIZABLE transaction. The keys arrive hashed (rate-limits.ts).
 * Writes skip the fsync on SQLite (db/no-fsync.ts): a counter lost to a power cut only restarts a window.
 */
export function rateLimitStore(db: Kysely<DB>) {
  return {
    /**
     * One hit, in one atomic statement on both engines: a new counter, or one more on a live one, or a
     * fresh window (hits 1, the new reset time) when the stored one has ended. PostgreSQL's ON CONFLICT DO
     * UPDATE locks the row and evaluates the CASE on its latest version, so concurrent hits from several
     * instances all count (no read-then-write); SQLite runs the statement under its single writer.
     */
    async hit(key: string, now: string, newResetAt: string): Promise<StoredHits> {
      const row = await withoutFsync(db, (conn) => conn.insertInto('rate_limit_hits').values({ key, hits: 1, reset_at: newResetAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({
          // Qualified names are the stored row, excluded.* the one the insert proposed (both engines).
          hits: sql<number>`case when rate_limit_hits.reset_at <= ${now} then 1 else rate_limit_hits.hits + 1 end`,
          reset_at: sql<string>`case when rate_limit_hits.reset_at <= ${now} then excluded.reset_at else rate_limit_hits.reset_at end`,
        }))
        .returning(['hits', 'reset_at'])
        .executeTakeFirstOrThrow());
      return { hits: Number(row.hits), resetAt: row.reset_at };
    },

    /** Takes one hit back from a live counter (a request that turned out not to count). */
    async takeBack(key: string, now: string): Promise<void> {
      await withoutFsync(db, (conn) => conn.updateTable('rate_limit_hits').set({ hits: sql<number>`hits - 1` })
        .where('key', '=', key).where('hits', '>', 0).where('reset_at', '>', now)
        .execute());
    },

    async forget(key: string): Promise<void> {
      await db.deleteFrom('rate_limit_hits').where('key', '=', key).execute();
    },

    async current(key: string, now: string): Promise<StoredHits | undefined> {
      const row = await db.selectFrom('rate_limit_hits').select(['hits', 'reset_at'])
        .where('key', '=', key).where('reset_at', '>', now)
        .executeTakeFirst();
      return row ? { hits: Number(row.hits), resetAt: row.reset_at } : undefined;
    },

    /** Deletes at most `max` ended counters (oldest first, by the reset_at index): a bounded cost each time. */
    async sweep(now: string, max: number): Promise<number> {
      // reset_at again on the outer delete: on PostgreSQL a row another instance restarted meanwhile
      // (new window) is re-checked only against the outer conditions after the row lock, and must stay.
      const result = await db.deleteFrom('rate_limit_hits').where('reset_at', '<=', now)
        .where('key', 'in', (eb) => eb.selectFrom('rate_limit_hits').select('key').where('reset_at', '<=', now).orderBy('reset_at').limit(max))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
