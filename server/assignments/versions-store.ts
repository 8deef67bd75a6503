import type { Kysely } from 'kysely';
import type { AssignmentChange, AssignmentVersionRow, DB } from '../db/schema';
import type { RuleValues } from './store';

/** Rule versions (migration 0019): appended on every create, edit and end; never updated or deleted. */
export function versionStore(db: Kysely<DB>) {
  return {
    insert: (assignmentId: number, v: RuleValues, effectiveOn: string, change: AssignmentChange, by: number | null, now: string) =>
      db.insertInto('assignment_versions').values({
        assignment_id: assignmentId, effective_on: effectiveOn, change, name: v.name, target_type: v.target.type, target_id: v.target.id,
        audience: JSON.stringify(v.audience), starts_on: v.startsOn, rollout_days: v.rolloutDays, ends_on: v.endsOn, recorded_at: now, recorded_by: by,
      }).execute(),
    count: async (assignmentId: number): Promise<number> => Number((await db.selectFrom('assignment_versions').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('assignment_id', '=', assignmentId).executeTakeFirstOrThrow()).n),
    /** Every version of every rule (a few per rule, a handful of rules). */
    all: (): Promise<AssignmentVersionRow[]> => db.selectFrom('assignment_versions').selectAll().orderBy('id').execute(),
    of: (assignmentId: number): Promise<AssignmentVersionRow[]> => db.selectFrom('assignment_versions').selectAll().where('assignment_id', '=', assignmentId).orderBy('id').execute(),
  };
}
