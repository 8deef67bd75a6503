import type { Kysely } from 'kysely';

// The answers of an open quiz attempt, kept as the learner chooses them, so a reload, a lost
// connection or an idle sign-out loses nothing. One row per question; grading still reads the
// submitted set and stores it on the attempt, and the rows of a graded attempt are removed.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('quiz_saved_answers')
    .addColumn('attempt_id', 'integer', (c) => c.notNull().references('quiz_attempts.id'))
    .addColumn('question_id', 'text', (c) => c.notNull())
    // JSON: the chosen choice ids, e.g. ["b"] or ["a","c"].
    .addColumn('choices', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('quiz_saved_answers_pk', ['attempt_id', 'question_id'])
    .execute();
}
