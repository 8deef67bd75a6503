import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import { OUTBOX_STATES, type DB, type OutboxState } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { outboxStore, type OutboxFilter } from './store';

export const OUTBOX_PAGE_SIZE = 50;
export { OUTBOX_STATES, type OutboxState };

/** The states in words, for the admin page. */
export const STATE_WORDS: Readonly<Record<OutboxState, string>> = {
  queued: 'Waiting to be sent',
  sending: 'Being sent',
  sent: 'Sent',
  failed: 'Failed (retries used up)',
  undeliverable: 'Undeliverable',
  cancelled: 'Not sent: no longer needed',
};

/** What the person page says about a person's address when it is known not to take mail. */
export interface AddressProblem {
  since: string;
  reason: string;
  source: 'a refusal by the mail server' | 'a bounce message';
}

/** The outbox as admins see and steer it (issue 17); sending itself is sender.ts. */
export class Outbox {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  async page(filter: OutboxFilter, page: number) {
    const store = outboxStore(this.db);
    const [rows, total, stages] = await Promise.all([
      store.page(filter, OUTBOX_PAGE_SIZE, (page - 1) * OUTBOX_PAGE_SIZE), store.count(filter), store.stages(),
    ]);
    return {
      total, stages, pages: Math.max(1, Math.ceil(total / OUTBOX_PAGE_SIZE)),
      rows: rows.map((r) => ({
        ...r, cc: JSON.parse(r.cc_addresses) as string[], stateWords: STATE_WORDS[r.state],
        retryable: r.state === 'failed' || r.state === 'undeliverable' || r.state === 'queued',
      })),
    };
  }

  /**
   * Sends a message again now. Its addresses' undeliverable marks are cleared too: an admin retrying
   * says the mailbox has been fixed, and the sender would otherwise skip it at once.
   */
  async retry(actor: Actor, id: number): Promise<void> {
    await this.uow(async (trx) => {
      const store = outboxStore(trx);
      const row = await store.byId(id) ?? fail('not-found', 'No message with that number is in the outbox.');
      // Sent long ago and bounced since: its text is no longer kept (see OutboxSender.blankOldBodies).
      if (row.text_body === '') fail('conflict', 'The text of that message is no longer kept, so it cannot be sent again.');
      if (!await store.requeue(id, this.clock.now().toISOString())) {
        fail('conflict', row.state === 'sent' ? 'That message has been sent already.' : 'That message is being sent right now; look again in a minute.');
      }
      const cleared = (await store.clearMarks([row.to_address, ...JSON.parse(row.cc_addresses) as string[]])).map((r) => r.address);
      await appendAudit(trx, this.clock, actor, {
        action: 'outbox.retried', subjectType: row.user_id === null ? 'outbox' : 'user', subjectId: row.user_id ?? row.id,
        details: { message: row.id, stage: row.stage, to: row.to_address, was: row.state, cleared },
      });
    });
  }

  /** Whether this address is marked undeliverable, in words; undefined when it is not. */
  async addressProblem(address: string): Promise<AddressProblem | undefined> {
    const mark = await outboxStore(this.db).addressMark(address);
    if (!mark) return undefined;
    return { since: mark.undeliverable_at, reason: mark.reason, source: mark.source === 'dsn' ? 'a bounce message' : 'a refusal by the mail server' };
  }
}
