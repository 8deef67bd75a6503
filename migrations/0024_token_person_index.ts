import type { Kysely } from 'kysely';

// Issue 17 (s19): every set-password link made for a person ends that person's other links
// (auth/tokens.ts revokeTokens: UPDATE … WHERE user_id = ? AND purpose = ? AND used_at IS NULL). With no
// index by person that update read the whole table, once per invitation sent and per link issued, so an
// invitation cost grew with every link ever made. Portable schema-builder only (SQLite now, PostgreSQL later).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createIndex('one_time_tokens_user_purpose').on('one_time_tokens').columns(['user_id', 'purpose']).execute();
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.dropIndex('one_time_tokens_user_purpose').execute();
}
