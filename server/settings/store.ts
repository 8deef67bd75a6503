import type { Kysely } from 'kysely';
import type { DB, OrganisationLogoTable } from '../db/schema';

/** The settings rows, the logo row and the policy text versions; every write goes through settings/service.ts. */
export function settingsStore(db: Kysely<DB>) {
  return {
    all: () => db.selectFrom('settings').select(['key', 'value']).execute(),
    put: (key: string, value: string, at: string, by: number | null) =>
      db.insertInto('settings').values({ key, value, updated_at: at, updated_by: by })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: by })).execute(),
    remove: (key: string) => db.deleteFrom('settings').where('key', '=', key).execute(),

    logoInfo: () => db.selectFrom('organisation_logo').select(['media_type', 'sha256']).where('id', '=', 1).executeTakeFirst(),
    logo: () => db.selectFrom('organisation_logo').selectAll().where('id', '=', 1).executeTakeFirst(),
    putLogo: (row: Omit<OrganisationLogoTable, 'id'>) =>
      db.insertInto('organisation_logo').values({ id: 1, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...row })).execute(),
    removeLogo: () => db.deleteFrom('organisation_logo').where('id', '=', 1).executeTakeFirst(),

    /** The latest version of each course's policy text (one row per course that has one). */
    latestPolicies: () => db.selectFrom('policy_texts').selectAll()
      .where('version', 'in', db.selectFrom('policy_texts').select((eb) => eb.fn.max('version').as('latest')).groupBy('course_id'))
      .execute(),
    latestPolicy: (courseId: string) => db.selectFrom('policy_texts').selectAll().where('course_id', '=', courseId).orderBy('version', 'desc').limit(1).executeTakeFirst(),
    /** The highest version of any course: versions are numbered in one sequence. */
    lastVersion: async () => (await db.selectFrom('policy_texts').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst())?.v ?? 0,
    policyVersions: (courseId: string) => db.selectFrom('policy_texts').select(['version', 'title', 'created_at', 'created_by'])
      .where('course_id', '=', courseId).orderBy('version', 'desc').execute(),
    /** The next version; the primary key refuses a second writer that read the same latest version. */
    insertPolicy: (row: { version: number; course_id: string; title: string; text: string; text_hash: string; created_at: string; created_by: number | null }) =>
      db.insertInto('policy_texts').values(row).execute(),
  };
}
