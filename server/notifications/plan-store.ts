import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** What the scheduler reads to plan: active people a slice at a time, their status-index rows, managers, settings rows. */
export function planStore(db: Kysely<DB>) {
  return {
    /** Active people after an id, with their manager (when active) and their summary preference. */
    peopleAfter: (afterId: number, limit: number) => db.selectFrom('users as u')
      .leftJoin('users as m', (j) => j.onRef('m.id', '=', 'u.manager_id').on('m.status', '=', 'active'))
      .leftJoin('notification_preferences as np', 'np.user_id', 'u.id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.department_id', 'u.hire_date', 'm.id as manager_id', 'm.name as manager_name', 'm.email as manager_email', 'np.weekly_summary'])
      .where('u.status', '=', 'active').where('u.id', '>', afterId).orderBy('u.id').limit(limit).execute(),

    /** Active people by id (a manager's scope), with the same columns. */
    peopleByIds: (ids: readonly number[]) => db.selectFrom('users as u')
      .leftJoin('users as m', (j) => j.onRef('m.id', '=', 'u.manager_id').on('m.status', '=', 'active'))
      .leftJoin('notification_preferences as np', 'np.user_id', 'u.id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.department_id', 'u.hire_date', 'm.id as manager_id', 'm.name as manager_name', 'm.email as manager_email', 'np.weekly_summary'])
      .where('u.status', '=', 'active').where('u.id', 'in', ids).orderBy('u.id').execute(),

    statusRows: (userIds: readonly number[]) => db.selectFrom('status_index').selectAll().where('user_id', 'in', userIds).execute(),

    /** Active people in these departments or reporting to this person: a manager's digest scope. */
    scopeIds: async (managerId: number, departmentIds: readonly number[]) => (await db.selectFrom('users').select('id')
      .where('status', '=', 'active').where('id', '!=', managerId)
      .where((eb) => departmentIds.length ? eb.or([eb('manager_id', '=', managerId), eb('department_id', 'in', departmentIds)]) : eb('manager_id', '=', managerId))
      .execute()).map((r) => r.id),

    /** Everyone an active person reports to: they get a digest, as do people with the manager role. */
    managerIds: async () => new Set((await db.selectFrom('users').select('manager_id').distinct()
      .where('status', '=', 'active').where('manager_id', 'is not', null).execute()).map((r) => r.manager_id!)),

    preference: (userId: number) => db.selectFrom('notification_preferences').select('weekly_summary').where('user_id', '=', userId).executeTakeFirst(),
    putPreference: (userId: number, weeklySummary: boolean, at: string) => db.insertInto('notification_preferences')
      .values({ user_id: userId, weekly_summary: weeklySummary ? 1 : 0, updated_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ weekly_summary: weeklySummary ? 1 : 0, updated_at: at })).execute(),

    /** Every settings row (a few dozen): the caller picks the notification ones. */
    settingRows: () => db.selectFrom('settings').select(['key', 'value']).execute(),
  };
}

export type PlanPersonRow = Awaited<ReturnType<ReturnType<typeof planStore>['peopleAfter']>>[number];
