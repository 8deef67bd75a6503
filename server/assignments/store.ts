import { byteOrder } from '../db/text-order';
import type { Kysely } from 'kysely';
import { inChunks } from '../db/chunks';
import type { AssignmentRow, DB, Exemption, PersonHistoryRow, UserUpdate } from '../db/schema';
import { parseAudience, type AssignmentRule, type Audience, type TargetRef } from './rules';

export function ruleOf(row: AssignmentRow): AssignmentRule {
  const target: TargetRef = row.target_type === 'policy' ? { type: 'policy', id: row.target_id } : { type: 'course', id: row.target_id };
  return { id: row.id, name: row.name, target, audience: parseAudience(row.audience), startsOn: row.starts_on, rolloutDays: row.rollout_days, endsOn: row.ends_on, createdAt: row.created_at };
}

export interface RuleValues {
  name: string;
  target: TargetRef;
  audience: Audience;
  startsOn: string;
  rolloutDays: number;
  endsOn: string | null;
}

/** Assignment rules, person history and exemptions: the records obligations are computed from. */
export function assignmentStore(db: Kysely<DB>) {
  return {
    rules: async (): Promise<AssignmentRule[]> => (await db.selectFrom('assignments').selectAll().orderBy('id').execute()).map(ruleOf),
    rule: async (id: number): Promise<AssignmentRule | undefined> => {
      const row = await db.selectFrom('assignments').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? ruleOf(row) : undefined;
    },
    insertRule: async (v: RuleValues, by: number | null, now: string): Promise<number> => {
      const row = await db.insertInto('assignments').values({
        name: v.name, target_type: v.target.type, target_id: v.target.id, audience: JSON.stringify(v.audience), starts_on: v.startsOn,
        rollout_days: v.rolloutDays, ends_on: v.endsOn, created_at: now, created_by: by, updated_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      return row.id;
    },
    updateRule: (id: number, v: RuleValues, now: string) => db.updateTable('assignments').set({
      name: v.name, target_type: v.target.type, target_id: v.target.id, audience: JSON.stringify(v.audience), starts_on: v.startsOn,
      rollout_days: v.rolloutDays, ends_on: v.endsOn, updated_at: now,
    }).where('id', '=', id).execute(),
    /** Policies with at least one published version (the default targets when there are no rules). */
    publishedPolicySlugs: async (): Promise<string[]> => (await db.selectFrom('policies').select('slug')
      .where((eb) => eb.exists(eb.selectFrom('policy_versions').select('policy_versions.id').whereRef('policy_versions.policy_id', '=', 'policies.id')))
      .orderBy(byteOrder(db, 'slug')).execute()).map((r) => r.slug),
    departments: () => db.selectFrom('departments').select(['id', 'name', 'parent_id', 'path_key']).execute(),
    historyOf: (userIds: readonly number[]): Promise<PersonHistoryRow[]> =>
      inChunks(userIds, (chunk) => db.selectFrom('person_history').selectAll().where('user_id', 'in', chunk).orderBy('effective_on').orderBy('id').execute()),
    exemptionsOf: (userIds: readonly number[]): Promise<Exemption[]> =>
      inChunks(userIds, (chunk) => db.selectFrom('exemptions').selectAll().where('user_id', 'in', chunk).orderBy('id').execute()),
    insertHistory: (row: Omit<PersonHistoryRow, 'id'>) => db.insertInto('person_history').values(row).execute(),
    /** Rows from a day on are replaced by a change effective that day (a correction of the same day's move). */
    deleteHistoryFrom: (userId: number, day: string) => db.deleteFrom('person_history').where('user_id', '=', userId).where('effective_on', '>=', day).execute(),
    exemption: (id: number) => db.selectFrom('exemptions').selectAll().where('id', '=', id).executeTakeFirst(),
    insertExemption: async (row: Omit<Exemption, 'id'>): Promise<number> =>
      (await db.insertInto('exemptions').values(row).returning('id').executeTakeFirstOrThrow()).id,
    endExemption: (id: number, until: string, by: number | null, now: string) =>
      db.updateTable('exemptions').set({ until, ended_at: now, ended_by: by }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst(),
    person: (id: number) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    activeAdmins: async () => Number((await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirstOrThrow()).n),
    setPersonFacts: (id: number, v: Pick<UserUpdate, 'department_id' | 'role' | 'job_code' | 'job_title' | 'updated_at'>) => db.updateTable('users').set(v).where('id', '=', id).execute(),
  };
}
