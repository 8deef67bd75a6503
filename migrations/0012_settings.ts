import type { Kysely } from 'kysely';

// Organisation settings kept in the app (issue 14), portable schema-builder only:
// - settings: one row per setting the admin changed (organisation name, contacts, base URL); a setting
//   without a row falls back to its environment default, so an install that never opens the page is
//   unchanged.
// - organisation_logo: at most one row (id 1), the image as base64 text so both engines store it the
//   same way, with its checked media type and hash (the hash names the cached URL).
// - policy_texts: every version of the policy text shown for attestation; never updated or deleted,
//   a change inserts the next version.
// - attestations.policy_text_version: which of those versions a person signed (null: the course
//   file's own policy text, as before this migration).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .execute();

  await db.schema.createTable('organisation_logo')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'integer', (c) => c.references('users.id'))
    .execute();

  await db.schema.createTable('policy_texts')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('text_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .execute();

  await db.schema.alterTable('attestations')
    .addColumn('policy_text_version', 'integer', (c) => c.references('policy_texts.version'))
    .execute();
}
