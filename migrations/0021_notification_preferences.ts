import type { Kysely } from 'kysely';

// Issue 17: a person may choose one weekly summary instead of individual reminders. One row per person
// who chose something; no row means the default (individual reminders). Portable schema-builder only.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('notification_preferences')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id'))
    .addColumn('weekly_summary', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
