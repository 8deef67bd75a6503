import type { Kysely } from 'kysely';
import type { DB, TokenPurpose } from '../db/schema';

/**
 * The queries of signing in and of one-time links: accounts as sign-in sees them, one-time tokens, the
 * per-address throttle and known devices. Hashing and the rules around them stay in the services
 * (login.ts, tokens.ts, throttle.ts, devices.ts); this file only reads and writes rows.
 */
export function authStore(db: Kysely<DB>) {
  return {
    accountByEmail: (normalized: string) =>
      db.selectFrom('users').selectAll().where('email_normalized', '=', normalized).executeTakeFirst(),
    accountById: (id: number) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    /** The account a session names, while it is active: a deactivated person's sessions end on their next request. */
    activeAccount: (id: number) =>
      db.selectFrom('users').selectAll().where('id', '=', id).where('status', '=', 'active').executeTakeFirst(),
    recordSignIn: (id: number, atIso: string) =>
      db.updateTable('users').set({ last_login_at: atIso }).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    /** Sets an active account's password hash; undefined when the account is not active. */
    setPasswordHash: (id: number, hash: string, atIso: string) =>
      db.updateTable('users').set({ password_hash: hash, failed_logins: 0, locked_until: null, updated_at: atIso })
        .where('id', '=', id).where('status', '=', 'active').returningAll().executeTakeFirst(),

    insertToken: (row: { token_hash: string; purpose: TokenPurpose; user_id: number | null; created_at: string; expires_at: string }) =>
      db.insertInto('one_time_tokens').values({ ...row, used_at: null }).execute(),
    liveToken: (hash: string, purpose: TokenPurpose, nowIso: string) =>
      db.selectFrom('one_time_tokens').selectAll()
        .where('token_hash', '=', hash).where('purpose', '=', purpose).where('used_at', 'is', null).where('expires_at', '>', nowIso)
        .executeTakeFirst(),
    /** A conditional update: true for exactly one of several requests using the same token at once. */
    useToken: async (id: number, nowIso: string) => {
      const result = await db.updateTable('one_time_tokens').set({ used_at: nowIso })
        .where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Uses up every outstanding token of one purpose for a person (or, with null, the setup tokens). */
    useAllTokens: async (purpose: TokenPurpose, userId: number | null, nowIso: string, exceptHash?: string) => {
      let q = db.updateTable('one_time_tokens').set({ used_at: nowIso }).where('purpose', '=', purpose).where('used_at', 'is', null);
      if (exceptHash !== undefined) q = q.where('token_hash', '!=', exceptHash);
      q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
      await q.execute();
    },

    throttleRow: (key: string) => db.selectFrom('sign_in_throttle').selectAll().where('account_key', '=', key).executeTakeFirst(),
    saveThrottle: async (row: { account_key: string; failures: number; locked_until: string | null; last_failure_at: string }) => {
      await db.insertInto('sign_in_throttle').values(row)
        .onConflict((oc) => oc.column('account_key').doUpdateSet({ failures: row.failures, locked_until: row.locked_until, last_failure_at: row.last_failure_at }))
        .execute();
    },
    /** Forgets addresses nobody has failed on since `quietSinceIso` and that hold no running pause (the index keeps this cheap). */
    forgetQuietThrottles: async (quietSinceIso: string, nowIso: string) => {
      await db.deleteFrom('sign_in_throttle')
        .where('last_failure_at', '<', quietSinceIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]))
        .execute();
    },
    clearThrottle: async (key: string) => {
      await db.deleteFrom('sign_in_throttle').where('account_key', '=', key).execute();
    },

    device: (hash: string, userId: number) =>
      db.selectFrom('sign_in_devices').selectAll().where('token_hash', '=', hash).where('user_id', '=', userId).executeTakeFirst(),
    saveDevice: async (hash: string, userId: number, nowIso: string) => {
      await db.insertInto('sign_in_devices').values({ token_hash: hash, user_id: userId, failures: 0, created_at: nowIso, last_used_at: nowIso })
        .onConflict((oc) => oc.columns(['token_hash', 'user_id']).doUpdateSet({ failures: 0, last_used_at: nowIso }))
        .execute();
    },
    setDeviceFailures: async (hash: string, userId: number, failures: number) => {
      await db.updateTable('sign_in_devices').set({ failures }).where('token_hash', '=', hash).where('user_id', '=', userId).execute();
    },
    forgetDevice: async (hash: string, userId: number) => {
      await db.deleteFrom('sign_in_devices').where('token_hash', '=', hash).where('user_id', '=', userId).execute();
    },
    forgetDevicesUnusedSince: async (beforeIso: string) => {
      await db.deleteFrom('sign_in_devices').where('last_used_at', '<', beforeIso).execute();
    },
    deviceCount: async (userId: number) => Number((await db.selectFrom('sign_in_devices')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n),
  };
}

export type AuthStore = ReturnType<typeof authStore>;
