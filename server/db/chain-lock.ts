import { PostgresAdapter, SqliteAdapter, sql, type DialectAdapter, type Kysely } from 'kysely';
import type { DB } from './schema';

/**
 * Serialises appends to a hash chain (the audit log): whoever holds it may read the chain's head and
 * insert after it without another writer doing the same in between, which would fork the chain. Taken
 * inside the appending transaction and held until it ends.
 */
export type ChainLock = (trx: Kysely<DB>) => Promise<void>;

type AdapterClass = abstract new (...args: never[]) => DialectAdapter;

/** An arbitrary 64-bit constant naming "the audit chain" among PostgreSQL's advisory locks. */
const AUDIT_CHAIN = 7_214_050_119_001;

/**
 * One entry per engine. SQLite has a single writer at a time and openDatabase begins every write
 * transaction IMMEDIATE, so by the time anything in the transaction runs it already holds the only
 * write lock: nothing more to take. PostgreSQL lets transactions write side by side (from this
 * process's pool or another instance), so appenders queue on a transaction-scoped advisory lock,
 * released by the commit or rollback; a later appender then reads the head the earlier one wrote
 * (READ COMMITTED takes a fresh snapshot for each statement after the lock is granted).
 */
const LOCKS: ReadonlyArray<readonly [AdapterClass, ChainLock]> = [
  [SqliteAdapter, async () => undefined],
  [PostgresAdapter, async (trx) => { await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN})`.execute(trx); }],
];

export async function chainLock(trx: Kysely<DB>): Promise<void> {
  // Outside a transaction the lock would be released before the insert it is meant to protect.
  if (!trx.isTransaction) throw new Error('The chain lock is taken inside the transaction that appends.');
  const adapter = trx.getExecutor().adapter;
  const lock = LOCKS.find(([engine]) => adapter instanceof engine)?.[1];
  if (!lock) throw new Error(`No chain lock for this database engine (${adapter.constructor.name}).`);
  await lock(trx);
}
