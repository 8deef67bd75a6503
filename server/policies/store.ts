import { byteOrder } from '../db/text-order';
import type { Insertable, Kysely } from 'kysely';
import type { DB, PolicyVersionsTable } from '../db/schema';

/** The policy tables' queries; every write goes through policies/service.ts in a unit of work. */
export function policyStore(db: Kysely<DB>) {
  return {
    bySlug: (slug: string) => db.selectFrom('policies').selectAll().where('slug', '=', slug).executeTakeFirst(),
    insertPolicy: (slug: string, at: string, by: number | null) =>
      db.insertInto('policies').values({ slug, created_at: at, created_by: by }).returning('id').executeTakeFirstOrThrow(),
    /** Every version of every policy (a handful per policy), oldest first within each. */
    allVersions: () => db.selectFrom('policy_versions').innerJoin('policies', 'policies.id', 'policy_versions.policy_id')
      .selectAll('policy_versions').select('policies.slug').orderBy(byteOrder(db, 'policies.slug')).orderBy('policy_versions.seq').execute(),
    versionsOf: (policyId: number) => db.selectFrom('policy_versions').selectAll().where('policy_id', '=', policyId).orderBy('seq').execute(),
    /** The unique (policy_id, seq) refuses a second publisher that read the same latest version. */
    insertVersion: (row: Insertable<PolicyVersionsTable>) => db.insertInto('policy_versions').values(row).returning('id').executeTakeFirstOrThrow(),
    /** The versions before `seq` stop being in effect now (only the one that was current has no date yet). */
    supersede: (policyId: number, seq: number, at: string) => db.updateTable('policy_versions').set({ superseded_at: at })
      .where('policy_id', '=', policyId).where('seq', '<', seq).where('superseded_at', 'is', null).execute(),
    /** A material change: acknowledgements of every earlier version stop counting now. */
    lapseAcknowledgements: (policyId: number, seq: number, at: string) => db.updateTable('policy_versions').set({ acks_lapse_at: at })
      .where('policy_id', '=', policyId).where('seq', '<', seq).where('acks_lapse_at', 'is', null).execute(),

    readOf: (userId: number, versionId: number) => db.selectFrom('policy_reads').selectAll()
      .where('user_id', '=', userId).where('policy_version_id', '=', versionId).executeTakeFirst(),
    /** The first opening counts: opening again never restarts (or shortens) the reading time. */
    recordRead: (userId: number, versionId: number, at: string) => db.insertInto('policy_reads')
      .values({ user_id: userId, policy_version_id: versionId, opened_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'policy_version_id']).doNothing()).execute(),

    /** Which versions these people have opened (the status index's "in progress"). */
    readsOfUsers: (userIds: readonly number[]) => db.selectFrom('policy_reads').select(['user_id', 'policy_version_id'])
      .where('user_id', 'in', userIds.length ? [...userIds] : [-1]).execute(),
    /** Acknowledgements of these people (no join: the status index refresh reads only these columns). */
    acksOfPeople: (userIds: readonly number[]) => db.selectFrom('policy_acknowledgements').select(['user_id', 'policy_version_id', 'acknowledged_at'])
      .where('user_id', 'in', userIds.length ? [...userIds] : [-1]).execute(),
    /** Everyone, for a material change (every row of the policy's obligations is recomputed). */
    allUserIds: async () => (await db.selectFrom('users').select('id').orderBy('id').execute()).map((u) => u.id),
    acksOfUser: (userId: number) => db.selectFrom('policy_acknowledgements').selectAll().where('user_id', '=', userId).execute(),
    insertAck: (row: { user_id: number; policy_version_id: number; typed_name: string; opened_at: string; acknowledged_at: string; ack_hash: string }) =>
      db.insertInto('policy_acknowledgements').values(row)
        .onConflict((oc) => oc.columns(['user_id', 'policy_version_id']).doNothing()).returning('id').executeTakeFirst(),
    /** Acknowledgements of these versions with who signed, oldest first. */
    acksOfVersions: (versionIds: number[]) => versionIds.length === 0 ? Promise.resolve([]) : db.selectFrom('policy_acknowledgements')
      .innerJoin('users', 'users.id', 'policy_acknowledgements.user_id')
      .selectAll('policy_acknowledgements').select(['users.name', 'users.email', 'users.employee_id'])
      .where('policy_version_id', 'in', versionIds).orderBy('policy_acknowledgements.id').execute(),
    acksOfUsers: (userIds: number[]) => db.selectFrom('policy_acknowledgements')
      .innerJoin('users', 'users.id', 'policy_acknowledgements.user_id')
      .selectAll('policy_acknowledgements').select(['users.name', 'users.email', 'users.employee_id'])
      .where('user_id', 'in', userIds).orderBy('policy_acknowledgements.id').execute(),

    /** Unsigned policy obligations of these people (status-index rows), for evidence packs. */
    unsignedRows: (userIds: readonly number[]) => db.selectFrom('status_index').innerJoin('users', 'users.id', 'status_index.user_id')
      .selectAll('status_index').select(['users.name', 'users.email', 'users.employee_id', 'users.hire_date'])
      .where('status_index.target_type', '=', 'policy').where('status_index.last_completed_on', 'is', null)
      .where('status_index.user_id', 'in', userIds.length ? [...userIds] : [-1]).execute(),
    /** The status rows of one policy's obligations, for active people, by name. */
    obligationRows: (slug: string) => db.selectFrom('status_index').innerJoin('users', 'users.id', 'status_index.user_id')
      .selectAll('status_index').select(['users.name', 'users.email', 'users.employee_id', 'users.hire_date'])
      .where('status_index.target_type', '=', 'policy').where('status_index.course_id', '=', slug).where('users.status', '=', 'active')
      .orderBy(byteOrder(db, 'users.name')).orderBy('users.id').execute(),
  };
}

export type PolicyStore = ReturnType<typeof policyStore>;
