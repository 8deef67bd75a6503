import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** The rows behind signed-in sessions; the express-session adapter (session-middleware.ts) decides expiry with the clock. */
export function sessionsStore(db: Kysely<DB>) {
  return {
    get: (sid: string) => db.selectFrom('sessions').select(['data', 'expires_at']).where('sid', '=', sid).executeTakeFirst(),
    save: async (row: { sid: string; data: string; user_id: number | null; expires_at: string }) => {
      await db.insertInto('sessions').values(row)
        .onConflict((oc) => oc.column('sid').doUpdateSet({ data: row.data, user_id: row.user_id, expires_at: row.expires_at }))
        .execute();
    },
    extend: async (sid: string, expiresAt: string) => {
      await db.updateTable('sessions').set({ expires_at: expiresAt }).where('sid', '=', sid).execute();
    },
    remove: async (sid: string) => {
      await db.deleteFrom('sessions').where('sid', '=', sid).execute();
    },
    removeForUser: async (userId: number) => {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
    /** Deletes sessions expired by `nowIso`; returns how many. */
    removeExpired: async (nowIso: string) =>
      Number((await db.deleteFrom('sessions').where('expires_at', '<=', nowIso).executeTakeFirst()).numDeletedRows),
  };
}

