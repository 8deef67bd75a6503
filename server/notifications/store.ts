import type { ExpressionBuilder, Kysely, Updateable } from 'kysely';
import { likeText } from '../db/like';
import type { DB, MailAddressSource, OutboxState, OutboxTable } from '../db/schema';

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
    byMessageId: (messageId: string) => db.selectFrom('outbox').selectAll().where('message_id', '=', messageId).executeTakeFirst(),
    /** A bounce of a message's main recipient after it was sent: the message did not arrive after all. */
    bounced: (id: number, lastError: string, toBounced: boolean) => db.updateTable('outbox')
      .set(toBounced ? { state: 'undeliverable', last_error: lastError } : { last_error: lastError }).where('id', '=', id).execute(),
    /**
     * Empties the text and HTML of messages sent before `before` (invitations and password resets: before `invitationsBefore`).
     * secure_delete (db/database.ts) zeroes the old text in the file's pages.
     */
    blankSentBodies: async (before: string, invitationsBefore: string) => Number((await db.updateTable('outbox')
      .set({ text_body: '', html_body: '' })
      .where('state', '=', 'sent')
      .where((eb) => eb.or([eb('text_body', '!=', ''), eb('html_body', '!=', '')]))
      .where((eb) => eb.or([eb('sent_at', '<', before), eb.and([eb('stage', 'in', ['invitation', 'password-reset']), eb('sent_at', '<', invitationsBefore)])]))
      .executeTakeFirst()).numUpdatedRows),
    byId: (id: number) => db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst(),
    /**
     * The admin's retry: a message that failed, was undeliverable or waits for its back-off goes again now,
     * with a fresh count of attempts. Conditional, so a row being sent or already sent is left alone.
     */
    requeue: async (id: number, at: string) => Number((await db.updateTable('outbox')
      .set({ state: 'queued', next_attempt_at: at, attempts: 0, claimed_until: null, claim_token: null })
      .where('id', '=', id).where('state', 'in', ['failed', 'undeliverable', 'queued']).executeTakeFirst()).numUpdatedRows) === 1,
    /** The outbox page: newest first, filtered by state, stage and a person's name or address. */
    page: (f: OutboxFilter, limit: number, offset: number) => filtered(db, f)
      .select(['outbox.id', 'outbox.key', 'outbox.user_id', 'outbox.to_address', 'outbox.cc_addresses', 'outbox.stage', 'outbox.subject',
        'outbox.state', 'outbox.attempts', 'outbox.next_attempt_at', 'outbox.last_error', 'outbox.created_at', 'outbox.sent_at', 'users.name as user_name'])
      .orderBy('outbox.id', 'desc').limit(limit).offset(offset).execute(),
    count: async (f: OutboxFilter) => Number((await filtered(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    /** The stages that have messages, for the filter's choices. */
    stages: async () => (await db.selectFrom('outbox').select('stage').distinct().orderBy('stage').execute()).map((r) => r.stage),
    addressMark: (address: string) => db.selectFrom('mail_addresses').selectAll().where('address', '=', address.toLowerCase()).executeTakeFirst(),
    /** An admin says these addresses may be tried again (the mailbox was fixed). */
    clearMarks: (addresses: readonly string[]) => addresses.length === 0 ? Promise.resolve([])
      : db.deleteFrom('mail_addresses').where('address', 'in', addresses.map((a) => a.toLowerCase())).returning('address').execute(),
    /** The first permanent failure of an address is kept (its date and reason say when it started failing). */
    markUndeliverable: (address: string, at: string, reason: string, source: MailAddressSource) => db.insertInto('mail_addresses')
      .values({ address: address.toLowerCase(), undeliverable_at: at, reason, source })
      .onConflict((oc) => oc.column('address').doNothing()).execute(),
  };
}

export interface OutboxFilter {
  state?: OutboxState | undefined;
  stage?: string | undefined;
  /** Part of a person's name, or of the address a message went to. */
  person?: string | undefined;
}

function filtered(db: Kysely<DB>, f: OutboxFilter) {
  let q = db.selectFrom('outbox').leftJoin('users', 'users.id', 'outbox.user_id');
  if (f.state) q = q.where('outbox.state', '=', f.state);
  if (f.stage) q = q.where('outbox.stage', '=', f.stage);
  if (f.person) {
    const text = f.person.toLowerCase();
    q = q.where((eb) => eb.or([
      likeText(eb.fn('lower', ['users.name']), text, 'contains'),
      likeText(eb.fn('lower', ['outbox.to_address']), text, 'contains'),
    ]));
  }
  return q;
}

/** Queued and due, or claimed by a sender whose lease has run out. */
function dueFilter(now: string) {
  return (eb: ExpressionBuilder<DB, 'outbox'>) => eb.or([
    eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
    eb.and([eb('state', '=', 'sending'), eb('claimed_until', '<=', now)]),
  ]);
}

export type OutboxStore = ReturnType<typeof outboxStore>;
