import type { Kysely } from 'kysely';
import type { DB, SsoIdentity, SsoRequest } from '../db/schema';

/** The single sign-on tables (migration 0025): provider accounts linked to people, login requests, seen SAML assertions. */
export function ssoStore(db: Kysely<DB>) {
  return {
    identity: (issuer: string, subject: string): Promise<SsoIdentity | undefined> =>
      db.selectFrom('sso_identities').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst(),
    identityOf: (userId: number, issuer: string): Promise<SsoIdentity | undefined> =>
      db.selectFrom('sso_identities').selectAll().where('user_id', '=', userId).where('issuer', '=', issuer).executeTakeFirst(),
    /** How many of these addresses are active admins with a password (the break-glass accounts that work). */
    workingBreakGlass: async (emails: readonly string[]): Promise<number> => emails.length === 0 ? 0 : Number((await db.selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('email_normalized', 'in', [...emails]).where('role', '=', 'admin')
      .where('status', '=', 'active').where('password_hash', 'is not', null).executeTakeFirstOrThrow()).n),
    identitiesOf: (userId: number): Promise<SsoIdentity[]> =>
      db.selectFrom('sso_identities').selectAll().where('user_id', '=', userId).orderBy('id').execute(),
    link: (row: { user_id: number; protocol: 'oidc' | 'saml'; issuer: string; subject: string; created_at: string }) =>
      db.insertInto('sso_identities').values({ ...row, last_sign_in_at: row.created_at }).returningAll().executeTakeFirstOrThrow(),
    /** Removes one link of this person's; the removed row, or undefined when there was none. */
    unlink: (userId: number, id: number): Promise<SsoIdentity | undefined> =>
      db.deleteFrom('sso_identities').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst(),
    signedIn: (id: number, at: string) => db.updateTable('sso_identities').set({ last_sign_in_at: at }).where('id', '=', id).execute(),

    insertRequest: (row: Omit<SsoRequest, 'id' | 'used_at'>) =>
      db.insertInto('sso_requests').values({ ...row, used_at: null }).execute(),
    /**
     * Uses up a live request: one conditional UPDATE, so of two callbacks carrying the same state (two
     * tabs, a replay, two instances) exactly one gets the row.
     */
    takeRequest: (protocol: 'oidc' | 'saml', stateHash: string, now: string): Promise<SsoRequest | undefined> =>
      db.updateTable('sso_requests').set({ used_at: now })
        .where('protocol', '=', protocol).where('state_hash', '=', stateHash)
        .where('used_at', 'is', null).where('expires_at', '>', now)
        .returningAll().executeTakeFirst(),
    /** Requests that ended before `before` (used or expired) are of no further use. */
    sweepRequests: (before: string) => db.deleteFrom('sso_requests').where('expires_at', '<', before).execute(),

    /** Records an assertion as seen; false when it was seen before (the unique key decides, atomically). */
    markSeen: async (issuer: string, assertionId: string, expiresAt: string): Promise<boolean> => {
      const r = await db.insertInto('sso_seen_assertions').values({ issuer, assertion_id: assertionId, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['issuer', 'assertion_id']).doNothing()).returning('id').executeTakeFirst();
      return r !== undefined;
    },
    sweepSeen: (before: string) => db.deleteFrom('sso_seen_assertions').where('expires_at', '<', before).execute(),
  };
}
