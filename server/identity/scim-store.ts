import type { Kysely } from 'kysely';
import type { DB, UserUpdate } from '../db/schema';
import type { UserFilter } from './scim-filter';

/** The people queries SCIM needs beyond the users store: lookups by the provider's identifiers, and its list. */
export function scimStore(db: Kysely<DB>) {
  const filtered = (f: UserFilter) => {
    const q = db.selectFrom('users');
    if (!f) return q;
    if (f.by === 'id') return q.where('id', '=', /^[1-9]\d{0,14}$/.test(f.value) ? Number(f.value) : -1);
    if (f.by === 'externalId') return q.where('external_id', '=', f.value);
    if (f.by === 'email') return q.where('email_normalized', '=', f.value.trim().toLowerCase());
    // A person the provider has not named yet answers to their e-mail: the usual set-up imports people
    // from HR first, and Entra or Okta then finds each one by userName before creating anyone.
    const key = f.value.trim().toLowerCase();
    return q.where((eb) => eb.or([
      eb('scim_user_name_key', '=', key),
      eb.and([eb('scim_user_name_key', 'is', null), eb('email_normalized', '=', key)]),
    ]));
  };
  return {
    page: (f: UserFilter, limit: number, offset: number) => filtered(f).selectAll().orderBy('id').limit(limit).offset(offset).execute(),
    count: async (f: UserFilter) => Number((await filtered(f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    byUserNameKey: (key: string) => db.selectFrom('users').select(['id']).where('scim_user_name_key', '=', key).executeTakeFirst(),
    setIdentity: (id: number, patch: Pick<UserUpdate, 'external_id' | 'scim_user_name' | 'scim_user_name_key' | 'given_name' | 'family_name' | 'updated_at'>) =>
      db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    /** Names by id, for the managers named on one page of resources (a page holds at most 200 people). */
    namesOf: async (ids: number[]) => new Map((ids.length ? await db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute() : []).map((r) => [r.id, r.name])),
  };
}
