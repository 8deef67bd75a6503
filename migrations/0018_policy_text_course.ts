import type { Kysely } from 'kysely';

// Issue 16: the policy text saved in settings belongs to one course. Until now there was one course and
// one policy text, and the text saved in settings was shown at every course's attestation; with a second
// course (its own policy) that would make people sign the wrong policy.
// - policy_texts.course_id: the course whose attestation shows this version. Versions stay numbered in
//   one sequence (attestations.policy_text_version points at them), so a course's versions may skip
//   numbers; each number still names one exact text.
// - Versions saved before this migration were written for the only course the app shipped then,
//   hipaa-social-media (the settings page edited its policy): they are marked as that course's. This
//   is the one place a course id is written into a migration; migrations never read content.

type AnyDB = Kysely<unknown>;
/** The table as this migration sees it (never the application's types, which move on). */
interface Tables { policy_texts: { version: number; course_id: string | null } }

export async function up(anyDb: AnyDB): Promise<void> {
  const db = anyDb as unknown as Kysely<Tables>;
  await db.schema.alterTable('policy_texts').addColumn('course_id', 'text').execute();
  await db.updateTable('policy_texts').set({ course_id: 'hipaa-social-media' }).where('course_id', 'is', null).execute();
  await db.schema.createIndex('policy_texts_course').on('policy_texts').columns(['course_id', 'version']).execute();
}
