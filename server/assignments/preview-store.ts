import type { Kysely } from 'kysely';
import { inChunks } from '../db/chunks';
import type { DB } from '../db/schema';
import type { PersonObligationFacts } from './obligations';
import type { PersonPeriod } from './rules';
import { personFacts } from './rule-book';

export interface PreviewPerson {
  id: number;
  startOn: string;
  periods: readonly PersonPeriod[];
  facts: PersonObligationFacts;
}

/** The reads behind a rule's preview: active people with their history, a slice at a time, and their latest completions. */
export function previewStore(db: Kysely<DB>) {
  return {
    async *activePeople(dayOf: (iso: string) => string): AsyncGenerator<PreviewPerson[]> {
      let after = 0;
      for (;;) {
        const people = await db.selectFrom('users').select(['id', 'hire_date', 'created_at', 'department_id', 'role', 'job_code'])
          .where('status', '=', 'active').where('id', '>', after).orderBy('id').limit(2000).execute();
        if (people.length === 0) return;
        after = people[people.length - 1]!.id;
        const facts = await personFacts(db, people, dayOf);
        yield people.map((p) => ({ id: p.id, startOn: facts.get(p.id)!.startOn, periods: facts.get(p.id)!.periods, facts: facts.get(p.id)! }));
      }
    },
    /** Each person's latest completion time of a course (ISO), by person. */
    latestCompletions: async (courseId: string, userIds: readonly number[]): Promise<Map<number, string>> => {
      const rows = await inChunks(userIds, (chunk) => db.selectFrom('completions').select(['user_id', (eb) => eb.fn.max('completed_at').as('at')])
        .where('course_id', '=', courseId).where('user_id', 'in', chunk).groupBy('user_id').execute());
      return new Map(rows.map((r) => [r.user_id, String(r.at)]));
    },
  };
}
