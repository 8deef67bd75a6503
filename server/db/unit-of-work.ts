import type { Kysely } from 'kysely';
import type { DB } from './schema';
import { writeTransaction } from './transaction';

/** What a unit of work does just before it commits, given the people its writes marked touched. */
export type AtCommit = (trx: Kysely<DB>, touched: readonly number[]) => Promise<void>;

/**
 * Runs `fn` in one transaction. Writes inside it mark the people they change with touch(); just before
 * the commit, `atCommit` brings whatever is derived from those people's records up to date (the
 * training-status index), in the same transaction, so no caller has to remember to.
 */
export type UnitOfWork = <T>(fn: (trx: Kysely<DB>) => Promise<T>) => Promise<T>;

const open = new WeakMap<Kysely<DB>, Set<number>>();

export function createUnitOfWork(db: Kysely<DB>, atCommit: AtCommit): UnitOfWork {
  // writeTransaction: on PostgreSQL a unit of work that collides with another is run again from the start.
  return (fn) => writeTransaction(db, async (trx) => {
    const touched = new Set<number>();
    open.set(trx, touched);
    try {
      const result = await fn(trx);
      if (touched.size > 0) await atCommit(trx, [...touched]);
      return result;
    } finally {
      open.delete(trx);
    }
  });
}

/**
 * Marks people whose records this transaction changed. Outside a unit of work it throws: a write that
 * can move a training status must not bypass the refresh at commit.
 */
export function touch(trx: Kysely<DB>, userIds: number | readonly number[]): void {
  const touched = open.get(trx);
  if (!touched) throw new Error('A write that can change a training status ran outside a unit of work (open it with uow).');
  if (typeof userIds === 'number') touched.add(userIds);
  else for (const id of userIds) touched.add(id);
}
