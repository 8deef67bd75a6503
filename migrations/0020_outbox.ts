import type { Kysely } from 'kysely';

// Issue 17: e-mail goes out through an outbox. Portable schema-builder only (SQLite now, PostgreSQL later):
// - outbox: one row per message. `key` is deterministic (who, obligation, cycle, stage) and unique, so a
//   scheduler that runs twice, restarts or runs on two instances creates each message once. `message_id`
//   is fixed at insert (from the key), so a message sent again after a crash carries the same Message-ID.
//   A sender claims a row by moving it to 'sending' with a lease (`claimed_until`) and a `claim_token`;
//   only the holder of the token may finish the row, and an expired lease lets another sender take it.
//   `delivered_to` lists the recipients that already accepted it, so a retry after a temporary failure
//   of one recipient goes only to the others.
// - mail_addresses: addresses known to be undeliverable (a 5xx answer or a delivery status notification).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('outbox')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('cc_addresses', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('delivered_to', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  // The sender's claim looks for due rows by state and time; the admin page filters by state, stage, person.
  await db.schema.createIndex('outbox_due').on('outbox').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_user').on('outbox').column('user_id').execute();
  await db.schema.createIndex('outbox_stage').on('outbox').columns(['stage', 'created_at']).execute();

  await db.schema.createTable('mail_addresses')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('undeliverable_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
}
