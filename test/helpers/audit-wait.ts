import type { Kysely } from 'kysely';
import type { DB } from '../../server/db/schema';

/** The newest audit event's id (0 before any), to wait for what comes after it. */
export async function lastEventId(db: Kysely<DB>): Promise<number> {
  return Number((await db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
}

/**
 * Waits until `count` events of `action` follow event `sinceId`. An export is audited once its download
 * has ended, so the client can have the whole file a moment before that event commits: on SQLite the
 * test's next query queues behind it on the one connection, on PostgreSQL it runs on another.
 */
export async function untilAudited(db: Kysely<DB>, action: string, sinceId: number, count = 1, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = Number((await db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n'))
      .where('action', '=', action).where('id', '>', sinceId).executeTakeFirstOrThrow()).n);
    if (n >= count) return;
    if (Date.now() > deadline) throw new Error(`${n} of ${count} ${action} events after event ${sinceId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
