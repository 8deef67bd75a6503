import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/service';
import type { AccountLocked } from '../auth/login';
import type { Clock } from '../clock';
import { formatDateTime } from '../dates';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { enqueue } from './outbox';
import type { NotificationScheduler } from './scheduler';
import { render } from './templates';

/**
 * The e-mail to a person whose account failed sign-ins have just locked: how many failures, until when
 * (in the organisation's time zone), and that "forgot password" gets them a new password. One per lock:
 * the key lockout:<person>:<end of the pause> is queued once however often it is asked for. Runs after
 * the sign-in's transaction has committed and its answer has gone (Auth's onLocked hook): a read on the
 * main connection inside that transaction would wait for it forever. Never throws: a failure here must not fail the sign-in
 * answer, and is logged.
 */
export function lockoutMailer(
  db: Kysely<DB>, uow: UnitOfWork, clock: Clock, notifications: Pick<NotificationScheduler, 'org' | 'configuration'>,
  timeZone: string, log: Logger, queued: () => void,
): (lock: AccountLocked) => Promise<void> {
  return async (lock) => {
    try {
      const { stages, templates } = await notifications.configuration();
      if (!stages.lockout) return;
      const user = await db.selectFrom('users').select(['id', 'name', 'email', 'status']).where('id', '=', lock.userId).executeTakeFirst();
      if (user?.status !== 'active') return;
      const org = await notifications.org();
      const r = render({
        stage: 'lockout', person: { name: user.name }, failures: lock.failures, until: formatDateTime(lock.until, timeZone), forgotLink: `${org.baseUrl}/password/forgot`,
      }, org, templates.lockout);
      const created = await uow(async (trx) => {
        const n = await enqueue(trx, [{ key: `lockout:${user.id}:${lock.until}`, userId: user.id, to: user.email, stage: 'lockout', subject: r.subject, text: r.text, html: r.html }], clock.now());
        if (n) {
          await appendAudit(trx, clock, { id: null, label: 'outbox' }, {
            action: 'notifications.lockout_queued', subjectType: 'user', subjectId: user.id, details: { failures: lock.failures, until: lock.until },
          });
        }
        return n;
      });
      if (created) queued();
    } catch (e) {
      log.error({ err: e, userId: lock.userId }, 'the lockout e-mail could not be queued');
    }
  };
}
