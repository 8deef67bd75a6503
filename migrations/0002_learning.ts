import { Kysely } from 'kysely';

// Lesson progress, every scene answer, and quiz attempts with exactly what was served. Each belongs to a
// training cycle ("onboarding", "annual-2027"), so a new cycle starts afresh and old cycles keep their history.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('lesson_progress')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('lesson_id', 'text', (c) => c.notNull())
    // The scene the learner is on; null once the lesson is completed.
    .addColumn('current_scene_id', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addPrimaryKeyConstraint('lesson_progress_pk', ['user_id', 'course_id', 'cycle', 'lesson_id'])
    .execute();

  await db.schema.createTable('scene_answers')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('lesson_id', 'text', (c) => c.notNull())
    .addColumn('scene_id', 'text', (c) => c.notNull())
    .addColumn('choice_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('next_scene_id', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scene_answers_user_idx').on('scene_answers').columns(['user_id', 'course_id', 'lesson_id']).execute();

  await db.schema.createTable('quiz_attempts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    // JSON: [{ "question": id, "choices": [ids in the order shown] }, …] — exactly what was served.
    .addColumn('served', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    // JSON: { questionId: [chosen ids] }
    .addColumn('answers', 'text')
    .addColumn('correct_count', 'integer')
    .addColumn('question_count', 'integer', (c) => c.notNull())
    .addColumn('score', 'integer')
    .addColumn('passed', 'integer')
    .execute();
  await db.schema.createIndex('quiz_attempts_user_idx').on('quiz_attempts').columns(['user_id', 'course_id', 'cycle']).execute();
}
