import { Kysely } from 'kysely';

// One row per person and course with the dates at which their status changes (see
// server/training/status.ts). Kept in step with every change, so reports filter, count and page in
// SQL instead of recomputing 100,000 people per request.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('training_status')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('opens_on', 'text', (c) => c.notNull())
    .addColumn('grace_until', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('started', 'integer', (c) => c.notNull())
    .addColumn('last_completion_id', 'integer', (c) => c.references('completions.id'))
    .addColumn('last_completed_on', 'text')
    .addColumn('last_valid_until', 'text')
    .addColumn('score', 'integer')
    .addColumn('content_hash', 'text')
    .addColumn('certificate_id', 'integer', (c) => c.references('certificates.id'))
    .addColumn('certificate_code', 'text')
    .addColumn('source', 'text')
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('policy_key', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('training_status_pk', ['user_id', 'course_id'])
    .execute();
  await db.schema.createIndex('training_status_policy_idx').on('training_status').columns(['course_id', 'policy_key']).execute();
}
