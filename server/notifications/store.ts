import type { ExpressionBuilder, Kysely, Updateable } from 'kysely';
import type { DB, MailAddressSource, OutboxTable } from '../db/schema';

/**
 * The outbox's queries. Claiming and finishing are conditional updates, never read-then-write, so two
 * senders (two processes on one SQLite file, or instances on PostgreSQL) cannot both take a row.
 */
export function outboxStore(db: Kysely<DB>) {
  return {
    /**
     * Takes up to `limit` due rows: queued ones whose time has come, and 'sending' ones whose lease ran
     * out (their sender died mid-send). The due condition is repeated on the UPDATE itself so that on
     * PostgreSQL a row another sender claimed meanwhile fails the re-check instead of being taken twice.
     */
    claim: (now: string, leaseUntil: string, token: string, limit: number) => db.updateTable('outbox')
        .set((eb) => ({ state: 'sending' as const, claimed_until: leaseUntil, claim_token: token, attempts: eb('attempts', '+', 1) }))
        .where((eb) => eb('id', 'in', db.selectFrom('outbox').select('id').where(dueFilter(now)).orderBy('next_attempt_at').orderBy('id').limit(limit)))
        .where(dueFilter(now))
        .returningAll()
        .execute(),
    /** Ends or re-queues a claimed row; only the sender still holding the claim may. Returns whether it did. */
    finish: async (id: number, token: string, change: Updateable<OutboxTable>) => {
      const r = await db.updateTable('outbox').set({ ...change, claim_token: null, claimed_until: null })
        .where('id', '=', id).where('claim_token', '=', token).where('state', '=', 'sending').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Which of these addresses (lower-cased) are known to be undeliverable. */
    undeliverable: async (addresses: readonly string[]) => addresses.length === 0 ? new Set<string>() : new Set(
      (await db.selectFrom('mail_addresses').select('address').where('address', 'in', addresses.map((a) => a.toLowerCase())).execute()).map((r) => r.address),
    ),
    /** The first permanent failure of an address is kept (its date and reason say when it started failing). */
    markUndeliverable: (address: string, at: string, reason: string, source: MailAddressSource) => db.insertInto('mail_addresses')
      .values({ address: address.toLowerCase(), undeliverable_at: at, reason, source })
      .onConflict((oc) => oc.column('address').doNothing()).execute(),
  };
}

/** Queued and due, or claimed by a sender whose lease has run out. */
function dueFilter(now: string) {
  return (eb: ExpressionBuilder<DB, 'outbox'>) => eb.or([
    eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
    eb.and([eb('state', '=', 'sending'), eb('claimed_until', '<=', now)]),
  ]);
}

export type OutboxStore = ReturnType<typeof outboxStore>;
