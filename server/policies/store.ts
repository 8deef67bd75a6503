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
      .selectAll('policy_versions').select('policies.slug').orderBy('policies.slug').orderBy('policy_versions.seq').execute(),
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

    /** Active people, for the obligation adapter (obligations.ts) and the who-has-signed page. */
    activePeople: () => db.selectFrom('users').select(['id', 'name', 'email', 'employee_id', 'hire_date', 'created_at', 'status'])
      .where('status', '=', 'active').orderBy('name').orderBy('id').execute(),
  };
}

export type PolicyStore = ReturnType<typeof policyStore>;
