import type { Kysely } from 'kysely';

// Issue 18, single sign-on (OIDC and SAML). Portable schema-builder only (SQLite now, PostgreSQL later).
// - sso_identities: which identity-provider account a person is. Once linked, a person is found by
//   (issuer, subject) only (OIDC issuer + sub, or SAML IdP entity ID + NameID), never by e-mail again.
//   UNIQUE(issuer, subject): one provider account is one person. UNIQUE(user_id, issuer): a person has at
//   most one account at each provider, so a second subject can never take over someone already linked.
// - sso_requests: the login requests this server started: the sha256 of the OIDC state (or of the SAML
//   AuthnRequest ID), the nonce and PKCE verifier, where to go afterwards. Kept in the database rather than
//   the session so any instance can finish a sign-in another began (issue 19); single use by a conditional
//   UPDATE ... WHERE used_at IS NULL AND expires_at > now.
// - sso_seen_assertions: SAML assertion IDs already accepted, until they expire, so a replayed response is
//   refused; the unique key makes the check-and-record one atomic insert.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('sso_identities')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'text')
    .addUniqueConstraint('sso_identities_issuer_subject_uq', ['issuer', 'subject'])
    .addUniqueConstraint('sso_identities_user_issuer_uq', ['user_id', 'issuer'])
    .execute();
  await db.schema.createTable('sso_requests')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('nonce', 'text')
    .addColumn('code_verifier', 'text')
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('sso_requests_expires_idx').on('sso_requests').column('expires_at').execute();
  await db.schema.createTable('sso_seen_assertions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('sso_seen_assertions_uq', ['issuer', 'assertion_id'])
    .execute();
  await db.schema.createIndex('sso_seen_assertions_expires_idx').on('sso_seen_assertions').column('expires_at').execute();
}
