import { Kysely } from 'kysely';

// Report pages in due-date order (the overdue list on "My team", "sort by due date") walk the status
// rows by this index and stop after one page, instead of computing and sorting every person.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createIndex('training_status_due_idx').on('training_status').columns(['course_id', 'due_on']).execute();
}
