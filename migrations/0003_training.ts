import { Kysely, sql } from 'kysely';

// Attestations, completions (one per person, course and cycle) and certificates (one current per
// completion; reissues and revocations keep the old rows for the record).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('attestations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('attempt_id', 'integer', (c) => c.notNull().unique().references('quiz_attempts.id'))
    .addColumn('policy_title', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    // SHA-256 of the policy exactly as it was shown.
    .addColumn('policy_hash', 'text', (c) => c.notNull())
    .addColumn('typed_name', 'text', (c) => c.notNull())
    .addColumn('attested_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('completions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    // "onboarding" or "annual-YYYY" (the year of the cycle's due date).
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('due_on', 'text')
    .addColumn('content_hash', 'text')
    .addColumn('attempt_id', 'integer', (c) => c.unique().references('quiz_attempts.id'))
    .addColumn('attestation_id', 'integer', (c) => c.references('attestations.id'))
    .addColumn('score', 'integer')
    .addColumn('completed_at', 'text', (c) => c.notNull())
    // Last day (YYYY-MM-DD, inclusive) the completion counts.
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('quiz', 'in-person', 'import')`))
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    // JSON: trainer, reason, original source for admin-recorded and imported completions.
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('completions_cycle_unique', ['user_id', 'course_id', 'cycle'])
    .execute();
  await db.schema.createIndex('completions_user_idx').on('completions').columns(['user_id', 'course_id', 'completed_at']).execute();
  await db.schema.createIndex('completions_course_idx').on('completions').columns(['course_id', 'completed_at']).execute();

  await db.schema.createTable('certificates')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('completion_id', 'integer', (c) => c.notNull().references('completions.id'))
    // The code itself ("PR-XXXX-…") and its SHA-256, looked up by hash and compared in constant time.
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('learner_name', 'text', (c) => c.notNull())
    .addColumn('course_title', 'text', (c) => c.notNull())
    .addColumn('course_version', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('valid').check(sql`status in ('valid', 'revoked', 'replaced')`))
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .addColumn('replaced_by', 'integer', (c) => c.references('certificates.id'))
    .execute();
  await db.schema.createIndex('certificates_completion_idx').on('certificates').column('completion_id').execute();
}
