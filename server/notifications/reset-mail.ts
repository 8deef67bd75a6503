import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { RESET_LINK_LIFETIME_MS } from '../auth/password-links';
import { resetStore } from '../auth/password-reset';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { enqueue, LINK_TOKEN_PLACEHOLDER } from './outbox';
import type { OutboxSender, SendReport } from './sender';
import type { NotificationScheduler } from './scheduler';
import { render } from './templates';

const BATCH = 100;

/**
 * Turns "forgot password" requests (recorded by the request path, auth/password-reset.ts) into outbox
 * messages and sends them at once. This is where the person is looked up again and the message is
 * written, off the request path, so the page answers alike for every address. The message holds
 * LINK_TOKEN_PLACEHOLDER where the link's token goes: the sender makes a 1-hour link when it sends
 * (sender.ts linkFor), as for invitations, so no working link is ever stored.
 */
export class PasswordResetMail {
  private live = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<{ queued: number; sent?: SendReport }> | undefined;
  private again = false;

  constructor(
    private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock,
    private readonly notifications: Pick<NotificationScheduler, 'org' | 'configuration'>,
    private readonly sender: OutboxSender, private readonly log: Logger,
  ) {}

  /**
   * Queues the message of every pending request; returns how many were queued. A request older than a
   * link's life (the server was down) is dropped rather than answered hours later; one whose person was
   * deactivated meanwhile gets nothing. Each request is marked handled in the unit of work that queues
   * its message (key password-reset:<request>), so two instances never queue it twice.
   */
  async queuePending(): Promise<number> {
    const { templates } = await this.notifications.configuration();
    const org = await this.notifications.org();
    const link = `${org.baseUrl}/password/${LINK_TOKEN_PLACEHOLDER}`;
    const forgotLink = `${org.baseUrl}/password/forgot`;
    let queued = 0;
    for (;;) {
      const pending = await resetStore(this.db).pending(BATCH);
      if (pending.length === 0) return queued;
      for (const p of pending) {
        const now = this.clock.now();
        const at = now.toISOString();
        const outcome = now.getTime() - Date.parse(p.createdAt) > RESET_LINK_LIFETIME_MS ? 'expired' : p.user.active ? 'queued' : 'nobody';
        const r = render({ stage: 'password-reset', person: { name: p.user.name }, link, forgotLink }, org, templates['password-reset']);
        queued += await this.uow(async (trx) => {
          if (!await resetStore(trx).handle(p.id, outcome, at) || outcome !== 'queued') return 0;
          return enqueue(trx, [{ key: `password-reset:${p.id}`, userId: p.user.id, to: p.user.email, stage: 'password-reset', subject: r.subject, text: r.text, html: r.html }], now);
        });
      }
    }
  }

  /** Queues what is pending, then sends the outbox (when SMTP is configured). One run at a time; a call during a run runs once more after it. */
  runOnce(): Promise<{ queued: number; sent?: SendReport }> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let queued = 0;
      let sent: SendReport | undefined;
      do {
        this.again = false;
        queued += await this.queuePending();
        if (this.sender.configured) sent = await this.sender.runOnce();
      } while (this.again);
      return { queued, ...(sent ? { sent } : {}) };
    })();
    this.running = run.finally(() => { this.running = undefined; });
    return this.running;
  }

  /**
   * A request was recorded (or an account locked): once started, run soon, after the answer has gone.
   * Called alike for every address. Not started (tests, the CLI), nothing happens: they run it by hand.
   */
  notify(): void {
    if (!this.live) return;
    setImmediate(() => { this.runOnce().catch((e: unknown) => this.log.error({ err: e }, 'password reset e-mail failed')); });
  }

  /** main.ts: run on notify() and every `everyMs` too (a request recorded just before a restart). */
  start(everyMs: number): void {
    if (this.live) return;
    this.live = true;
    this.timer = setInterval(() => this.notify(), everyMs);
    this.timer.unref();
    this.notify();
  }

  async stop(): Promise<void> {
    this.live = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
