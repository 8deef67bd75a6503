import { Kysely } from 'kysely';

// Evidence that means something: a per-person accommodation that turns the minimum lesson time off,
// and on each quiz completion how long the learner took against the summed minimum, with the verdict
// ("ok" or "fast") kept where reports read it, so a 100,000-row report recomputes nothing.
// In-person and imported completions keep nulls: there was no lesson to time.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable('users').addColumn('untimed_lessons', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('completions').addColumn('study_seconds', 'integer').execute();
  await db.schema.alterTable('completions').addColumn('min_study_seconds', 'integer').execute();
  await db.schema.alterTable('completions').addColumn('pace', 'text').execute();
  await db.schema.alterTable('training_status').addColumn('pace', 'text').execute();
}
