import type { Kysely } from 'kysely';

// A spot-the-PHI answer is a set of marked phrases, not one choice: the phrases the learner ticked
// are kept with the answer (JSON list of phrase ids, e.g. ["name","ward"]; [] when none was ticked),
// so the feedback page can say per phrase whether the mark was right. NULL for a choice answer.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('scene_answers').addColumn('marks', 'text').execute();
}
