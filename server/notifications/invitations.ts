import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { userStore } from '../users/store';
import { enqueue, LINK_TOKEN_PLACEHOLDER } from './outbox';
import { planInvitation } from './planner';
import type { NotificationScheduler } from './scheduler';
import type { OutboxSender } from './sender';
import { render } from './templates';

/** What a resend did: queued a new invitation, or found this one queued already (a second click). */
export interface ResendOutcome {
  queued: boolean;
  /** Its number: the person's first invitation is 1 (key `invitation:<id>`), a resend n is `invitation:<id>:<n>`. */
  number: number;
  /** Whether it is being sent now (SMTP is configured) or waits in the outbox until it is. */
  sendingNow: boolean;
}

/** The outbox key of a person's nth invitation; the first keeps the key the planner gives it. */
export const invitationKey = (userId: number, n: number) => (n === 1 ? `invitation:${userId}` : `invitation:${userId}:${n}`);

/**
 * "Resend invitation" on the admin person page (issue 17). The page carries the number of the next
 * invitation, and that number is the outbox key's: a double-click, or two admins at once, post the
 * same number, and the unique key queues it once. The message holds the link placeholder like every
 * invitation; the sender makes the link when it sends, and that link ends the person's earlier ones.
 */
export class Invitations {
  constructor(
    private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock,
    private readonly scheduler: NotificationScheduler, private readonly sender: OutboxSender, private readonly log: Logger,
  ) {}

  /** How many invitations the person has in the outbox (sent or not): the page offers number count + 1. */
  async count(userId: number): Promise<number> {
    return countInvitations(this.db, userId);
  }

  /**
   * Queues invitation number `n` for a person who has not chosen a password yet, and starts a send run
   * when SMTP is configured. Refused, with nothing changed, for someone deactivated or with a password.
   */
  async resend(actor: Actor, userId: number, n: number): Promise<ResendOutcome> {
    // Read before the unit of work opens (see NotificationScheduler.inviter).
    const { stages, templates } = await this.scheduler.configuration();
    const org = await this.scheduler.org();
    const queued = await this.uow(async (trx) => {
      const user = await userStore(trx).byId(userId) ?? fail('not-found', 'No person with that id exists.');
      if (user.status !== 'active') fail('conflict', `${user.name} is deactivated: reactivate them before sending an invitation. Nothing was sent.`);
      if (user.password_hash !== null) {
        fail('conflict', `${user.name} has already chosen a password, so no invitation was sent. If they have forgotten it, issue a set-password link.`);
      }
      const sofar = await countInvitations(trx, userId);
      if (n > sofar + 1) fail('conflict', 'This page was out of date; look at the invitations again and press the button once more. Nothing was sent.');
      // An admin asked for this one: it goes even when automatic invitations are switched off.
      const planned = planInvitation({ ...stages, invitation: true }, user, `${org.baseUrl}/password/${LINK_TOKEN_PLACEHOLDER}`)!;
      const r = render(planned.facts, org, templates.invitation);
      const created = await enqueue(trx, [{ key: invitationKey(userId, n), userId, to: user.email, stage: 'invitation', subject: r.subject, text: r.text, html: r.html }], this.clock.now());
      if (created === 0) return false;
      await appendAudit(trx, this.clock, actor, {
        action: 'user.invitation_resent', subjectType: 'user', subjectId: userId, details: { number: n, to: user.email },
      });
      return true;
    });
    const sendingNow = this.sender.configured;
    // The request does not wait for the send: a run drains whatever else is due too.
    if (queued && sendingNow) this.sender.runOnce().catch((e: unknown) => this.log.error({ err: e }, 'outbox: send run after a resent invitation failed'));
    return { queued, number: n, sendingNow };
  }
}

async function countInvitations(db: Kysely<DB>, userId: number): Promise<number> {
  const r = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('key', '=', invitationKey(userId, 1)), eb('key', 'like', `invitation:${userId}:%`)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
