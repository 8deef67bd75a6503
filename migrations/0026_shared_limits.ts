import type { Kysely } from 'kysely';

// Issue 19, several instances on one database: what each process used to keep in memory is kept here.
//
// rate_limit_hits: the counters of every express-rate-limit limiter (sign-in per client and per account,
// certificate verify, SCIM, SAML ACS), so a limit holds whichever instance a request reaches. `key` is
// `<limiter>:<keyed SHA-256 of the limiter's key>` (auth/rate-limit-store.ts): never a raw IP or address.
// reset_at is an ISO time; a counter whose reset_at has passed is dead and is started again by the next
// hit or deleted by the sweep, which reads it by reset_at (hence the index).
//
// scheduler_ticks: one row per timer tick that ran, (name, slot) unique, so of several instances ticking
// the same interval only the one whose insert succeeded runs it (notifications/scheduler.ts). slot is
// floor(now_ms / interval_ms): bigint, since at a one-second interval it passes 2^31 in 2038 (both engines
// read it as a number, see db/postgres.ts). instance is `<hostname>:<pid>` of the process that ran it.
// Portable schema-builder only.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('rate_limit_hits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limit_hits_reset_at').on('rate_limit_hits').column('reset_at').execute();

  await db.schema.createTable('scheduler_ticks')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slot', 'bigint', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scheduler_ticks_pk', ['name', 'slot'])
    .execute();
  // The pruning reads old rows by claimed_at.
  await db.schema.createIndex('scheduler_ticks_claimed_at').on('scheduler_ticks').column('claimed_at').execute();
}
