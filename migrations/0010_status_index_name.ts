import { Kysely } from 'kysely';

// The status index gets one name across table, type, file and property: `status_index`. A new table is
// made under that name with the keys and indexes named after it, the rows are copied and the old table
// dropped (with its indexes), all in Kysely's portable schema builder: renaming indexes and primary-key
// constraints is written differently in SQLite and PostgreSQL, creating them is not.

type AnyDB = Kysely<unknown>;

const COLUMNS = [
  'user_id', 'course_id', 'cycle', 'kind', 'due_on', 'opens_on', 'grace_until', 'valid_until', 'started', 'last_completion_id',
  'last_completed_on', 'last_valid_until', 'score', 'content_hash', 'certificate_id', 'certificate_code', 'source', 'recorded_by',
  'pace', 'policy_key', 'updated_at',
] as const;

type Row = Record<(typeof COLUMNS)[number], unknown>;
type Tables = { training_status: Row; status_index: Row };

export async function up(anyDb: AnyDB): Promise<void> {
  await anyDb.schema.createTable('status_index')
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
    .addColumn('pace', 'text')
    .addColumn('policy_key', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_index_pk', ['user_id', 'course_id'])
    .execute();
  const db = anyDb as unknown as Kysely<Tables>;
  await db.insertInto('status_index').columns([...COLUMNS])
    .expression(db.selectFrom('training_status').select([...COLUMNS]))
    .execute();
  await anyDb.schema.dropTable('training_status').execute();
  await anyDb.schema.createIndex('status_index_policy_idx').on('status_index').columns(['course_id', 'policy_key']).execute();
  await anyDb.schema.createIndex('status_index_due_idx').on('status_index').columns(['course_id', 'due_on']).execute();
}
