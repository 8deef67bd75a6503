import type { Kysely } from 'kysely';

// Issue 17, forgot password: one row per "forgot password" request. The request path only records the
// request (the same queries whatever the address); the reset mailer (server/notifications/reset-mail.ts)
// later turns a pending row into an outbox message. The rows are also the rate limits' counters, kept in
// the database so several app instances (issue 19) share them. Neither the typed address nor the client's
// IP is stored: both are keyed hashes (auth/throttle.ts accountKey). Portable schema-builder only.
//
// The links themselves are ordinary 'set-password' one-time tokens with a 1-hour expires_at: 0001's
// CHECK (purpose in ('setup', 'set-password')) stays as it is (a portable change to a CHECK means
// rebuilding one_time_tokens, which other branches also touch), and a reset link does exactly what a
// set-password link does.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('password_reset_requests')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('address_key', 'text', (c) => c.notNull())
    .addColumn('ip_key', 'text', (c) => c.notNull())
    // The active person the address belonged to when asked; null for an unknown or deactivated address.
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    // 'pending' (an e-mail to queue), 'queued', 'nobody' (no active account), 'limited' (the address's limit), 'expired'.
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('handled_at', 'text')
    .execute();
  await db.schema.createIndex('password_reset_requests_address').on('password_reset_requests').columns(['address_key', 'created_at']).execute();
  await db.schema.createIndex('password_reset_requests_ip').on('password_reset_requests').columns(['ip_key', 'created_at']).execute();
  await db.schema.createIndex('password_reset_requests_outcome').on('password_reset_requests').columns(['outcome', 'created_at']).execute();
}
