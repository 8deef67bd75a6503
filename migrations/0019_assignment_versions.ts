import type { Kysely } from 'kysely';

// Issue 16: rule versions, so a report "as of" a past day answers with the rules in force that day.
// Portable schema-builder only (SQLite now, PostgreSQL later).
// - assignment_versions: every value an assignment rule has had, from the day it took effect. Each
//   create, edit and end appends one row; rows are never updated or deleted. The version in force on a
//   day is the one with the latest effective_on on or before it (the latest id among those of one day).
// Rules made before this migration have no rows: until their first change the as-of report reads their
// current values from the day they were made (as before), and their first change stores those values as
// the first version before the new one (server/assignments/versions.ts), so no version is lost and no
// time zone guess is written here (a migration does not know the organisation's zone).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('assignment_versions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('assignment_id', 'integer', (c) => c.notNull().references('assignments.id'))
    .addColumn('effective_on', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('rollout_days', 'integer', (c) => c.notNull())
    .addColumn('ends_on', 'text')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    .execute();
  await db.schema.createIndex('assignment_versions_rule_idx').on('assignment_versions').columns(['assignment_id', 'effective_on']).execute();
}
