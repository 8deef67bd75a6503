import { Kysely, sql } from 'kysely';

// Sign-in throttling that a stranger cannot use to lock a person out (issue 12):
// - sign_in_throttle: failures in a row per e-mail address typed, keyed by an HMAC of the normalised
//   address, so unknown addresses are throttled exactly like known ones and the typed text is not kept.
//   It replaces users.failed_logins / users.locked_until, which stay (unused by sign-in) so older code
//   that clears them keeps working.
// - sign_in_devices: browsers a person has signed in from (OWASP's device cookie), by the SHA-256 of the
//   cookie's random value; from those a person can sign in while the address is paused for others.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('sign_in_throttle')
    .addColumn('account_key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().check(sql`failures >= 0`))
    .addColumn('locked_until', 'text')
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_throttle_last_idx').on('sign_in_throttle').column('last_failure_at').execute();

  await db.schema.createTable('sign_in_devices')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_in_devices_pk', ['token_hash', 'user_id'])
    .execute();
  await db.schema.createIndex('sign_in_devices_user_idx').on('sign_in_devices').column('user_id').execute();
  await db.schema.createIndex('sign_in_devices_used_idx').on('sign_in_devices').column('last_used_at').execute();
}
