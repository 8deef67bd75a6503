import type { Kysely } from 'kysely';

// Assignments (issue 16), portable schema-builder only:
// - assignments: a target (a course, or a policy by its slug) for an audience from a start date, with the
//   roll-out window existing staff get. The audience is JSON text ({everyone, departmentIds, roles,
//   jobCodes}): rules are few and matched in application code against each person's history, so no
//   query needs its parts as columns.
// - person_history: a person's department, role and job code from a day on. A person without rows has
//   their current fields since the beginning; a change writes the row before it (from the beginning)
//   and the new one, so moving adds and removes obligations from the day of the change.
// - exemptions: per person and assignment, with a reason, an approver, an optional end and evidence file.
// - users.job_code / job_title: a new optional import column and its title.
// - status_index becomes one row per obligation: the key gains the target type (a policy's slug may
//   equal a course id), plus why the due date is what it is and the exemption. The rows are copied
//   into a new table (as 0010 did) because a primary key cannot be changed portably; the start-up
//   refresh then recomputes them under the new rules (their policy_key no longer matches).
// - status_recheck: the next day a person's obligations change without any write (a rule starting or
//   ending); the reports bring those people's rows up to date before reading.

type AnyDB = Kysely<unknown>;

const COPIED = [
  'user_id', 'course_id', 'cycle', 'kind', 'due_on', 'opens_on', 'grace_until', 'valid_until', 'started', 'last_completion_id',
  'last_completed_on', 'last_valid_until', 'score', 'content_hash', 'certificate_id', 'certificate_code', 'source', 'recorded_by',
  'pace', 'policy_key', 'updated_at',
] as const;
type Row = Record<(typeof COPIED)[number], unknown>;
type Tables = { status_index_0015: Row; status_index: Row };

export async function up(anyDb: AnyDB): Promise<void> {
  await anyDb.schema.createTable('assignments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('rollout_days', 'integer', (c) => c.notNull())
    .addColumn('ends_on', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await anyDb.schema.createTable('person_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('effective_on', 'text', (c) => c.notNull())
    .addColumn('department_id', 'integer', (c) => c.references('departments.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('job_code', 'text')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await anyDb.schema.createIndex('person_history_user_idx').on('person_history').columns(['user_id', 'effective_on']).execute();

  await anyDb.schema.createTable('exemptions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('assignment_id', 'integer', (c) => c.notNull().references('assignments.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('until', 'text')
    .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('approver_name', 'text', (c) => c.notNull())
    .addColumn('evidence_name', 'text')
    .addColumn('evidence_type', 'text')
    .addColumn('evidence_sha256', 'text')
    .addColumn('evidence_data', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('ended_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await anyDb.schema.createIndex('exemptions_user_idx').on('exemptions').columns(['user_id', 'assignment_id']).execute();

  await anyDb.schema.alterTable('users').addColumn('job_code', 'text').execute();
  await anyDb.schema.alterTable('users').addColumn('job_title', 'text').execute();

  await anyDb.schema.createTable('status_recheck')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id'))
    .addColumn('on_day', 'text', (c) => c.notNull())
    .execute();
  await anyDb.schema.createIndex('status_recheck_day_idx').on('status_recheck').column('on_day').execute();

  await anyDb.schema.alterTable('status_index').renameTo('status_index_0015').execute();
  await anyDb.schema.createTable('status_index')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('target_type', 'text', (c) => c.notNull().defaultTo('course'))
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
    .addColumn('pace', 'text')
    .addColumn('policy_key', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reason_kind', 'text', (c) => c.notNull().defaultTo('hire'))
    .addColumn('reason_on', 'text')
    .addColumn('reason_group', 'text')
    .addColumn('reason_days', 'integer')
    .addColumn('assignment_ids', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('assignment_names', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('exemption_id', 'integer', (c) => c.references('exemptions.id'))
    .addColumn('exempt_from', 'text')
    .addColumn('exempt_until', 'text')
    .addColumn('exempt_reason', 'text')
    .addPrimaryKeyConstraint('status_index_obligation_pk', ['user_id', 'target_type', 'course_id'])
    .execute();
  const db = anyDb as unknown as Kysely<Tables>;
  await db.insertInto('status_index').columns([...COPIED]).expression(db.selectFrom('status_index_0015').select([...COPIED])).execute();
  await anyDb.schema.dropTable('status_index_0015').execute();
  await anyDb.schema.createIndex('status_index_policy_idx').on('status_index').columns(['course_id', 'policy_key']).execute();
  await anyDb.schema.createIndex('status_index_due_idx').on('status_index').columns(['course_id', 'due_on']).execute();
}
