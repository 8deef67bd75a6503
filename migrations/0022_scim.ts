import type { Kysely } from 'kysely';

// Issue 18, SCIM 2.0 provisioning. Portable schema-builder only (SQLite now, PostgreSQL later).
// - scim_tokens: the bearer tokens an identity provider presents; only a SHA-256 of each is kept (a
//   token is 256 random bits, so a slow hash adds nothing), with who made it and when it was last used.
//   Revoking sets revoked_at; rows are never deleted, so the audit log's token names stay explained.
// - users.external_id: the provider's own id for the person (Entra's objectId, Okta's id).
// - users.scim_user_name: the provider's userName as it sent it (Entra's userPrincipalName need not be
//   the e-mail); scim_user_name_key is the same in lower case, unique, because SCIM compares userName
//   case-insensitively and two people must not share one.
// - users.given_name / family_name: the name parts the provider sent, so a PATCH of one part can make
//   the full name again; the full name stays in users.name for everything else.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('scim_tokens')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.alterTable('users').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('users').addColumn('scim_user_name', 'text').execute();
  await db.schema.alterTable('users').addColumn('scim_user_name_key', 'text').execute();
  await db.schema.alterTable('users').addColumn('given_name', 'text').execute();
  await db.schema.alterTable('users').addColumn('family_name', 'text').execute();
  await db.schema.createIndex('users_external_id_idx').on('users').column('external_id').execute();
  await db.schema.createIndex('users_scim_user_name_key_idx').on('users').column('scim_user_name_key').unique().execute();
}
