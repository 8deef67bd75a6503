import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** The SCIM bearer tokens (hashes only). */
export function scimTokensStore(db: Kysely<DB>) {
  return {
    insert: (row: { name: string; token_hash: string; created_at: string; created_by: string }) =>
      db.insertInto('scim_tokens').values({ ...row, revoked_at: null, last_used_at: null }).returningAll().executeTakeFirstOrThrow(),
    all: () => db.selectFrom('scim_tokens').selectAll().orderBy('id').execute(),
    byId: (id: number) => db.selectFrom('scim_tokens').selectAll().where('id', '=', id).executeTakeFirst(),
    liveByHash: (hash: string) => db.selectFrom('scim_tokens').selectAll().where('token_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst(),
    /** Conditional: false when it was already revoked. */
    revoke: async (id: number, now: string) =>
      Number((await db.updateTable('scim_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()).numUpdatedRows) === 1,
    /** Records a use, at most once a minute per token: a provisioning cycle must not write on every read. */
    markUsed: (id: number, now: string, notSince: string) => db.updateTable('scim_tokens').set({ last_used_at: now }).where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notSince)])).execute(),
  };
}
