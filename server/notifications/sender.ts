import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { MailConfig } from '../config';
import type { DB, OutboxTable } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { confirmEmailedLink, mintEmailedLink, mintResetLink, withdrawEmailedLink } from '../auth/password-links';
import { needsLinkToken, withLinkToken } from './outbox';
import { asSmtpFailure, describeFailure, isPermanent, type SmtpFailure } from './smtp-errors';
import { outboxStore } from './store';

type OutboxRow = Selectable<OutboxTable>;

export interface SenderOptions {
  /**
   * Rows claimed at once. Their outcomes are committed together when the batch is done, so this is also
   * the most messages a crash can send twice (those the SMTP server accepted before the commit).
   */
  batchSize?: number;
  /** SMTP connections used at once (nodemailer's pool); a batch's messages are sent over them in parallel. */
  connections?: number;
  /** How long a claim holds; a sender that dies mid-batch lets its rows go after this. */
  leaseMs?: number;
  /** Each wait on the SMTP server (connect, greeting, each reply). */
  timeoutMs?: number;
  /** Attempts before a temporarily failing message is given up as 'failed' (an admin may retry it). */
  maxAttempts?: number;
  /** Days a sent message's text is kept (a bounce may still come back and an admin retry it); then it is blanked. */
  keepSentDays?: number;
  /** The same for invitations, sooner: their text says who was given an account, and nothing needs it once sent. */
  keepSentInvitationDays?: number;
}

const DAY_MS = 86_400_000;
/** Blanking looks at the outbox at most this often (each send run would be needlessly often). */
const BLANK_EVERY_MS = 3_600_000;

/** Waits after the 1st, 2nd, … failed attempt; the last repeats. About a day in all before 'failed'. */
const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 360, 720];

export interface SendReport {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  undeliverable: number;
  /** Not sent because nobody needs them any more (see OutboxState 'cancelled'). */
  cancelled: number;
}

const lower = (a: string) => a.toLowerCase();

/** An invitation's set-password token made for this attempt, or why it is not sent at all. */
interface Link {
  token?: string;
  notSent?: string;
}

/** What one attempt at a message found, before it is written down with the rest of its batch. */
interface Outcome {
  row: OutboxRow;
  delivered: string[];
  refused: string[];
  temporary: string[];
  failures: SmtpFailure[];
  messageFailed: boolean;
  /** Why the message was not sent at all (an invitation nobody needs any more), in words. */
  notSent?: string;
  /** Not sent because it is no longer needed (state 'cancelled', not 'failed'). */
  cancelled?: boolean;
  /** The set-password token this attempt put in the message, and whether the person's server accepted it. */
  linkToken?: string;
  linkDelivered?: boolean;
}

/** The VERP return address of one message: a bounce names the message it belongs to. */
export function bounceAddress(mail: MailConfig, messageId: string): string {
  const at = mail.from.lastIndexOf('@');
  return `${mail.from.slice(0, at)}+b-${messageId}@${mail.domain}`;
}

/** The message's key back from a VERP return address, or undefined when it is not one of ours. */
export function messageIdOfBounceAddress(mail: MailConfig, address: string): string | undefined {
  const m = /\+b-([0-9a-f]{32})@([^@]+)$/i.exec(address.trim());
  return m && m[2]!.toLowerCase() === mail.domain ? m[1]!.toLowerCase() : undefined;
}

/**
 * Sends what the outbox holds, at least once per message. A crash between the SMTP server's "250 OK"
 * and the row's update sends the message again when the lease runs out; the opposite choice (mark it
 * sent first) would lose it instead, and a missed training reminder costs more than a duplicate, which
 * carries the same Message-ID so mail clients can fold it away. The outcomes of a claimed batch are
 * committed together (one fsync per batch, not per message), so a crash re-sends at most `batchSize`
 * messages: those of the batch the server had accepted before the commit.
 */
export class OutboxSender {
  private transport: ReturnType<typeof nodemailer.createTransport> | undefined;
  private readonly batchSize: number;
  private readonly connections: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly keepSentMs: number;
  private readonly keepInvitationMs: number;
  private lastBlankAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SendReport> | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly mail: MailConfig,
    private readonly orgName: string,
    private readonly log: Logger,
    options: SenderOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 20;
    this.connections = Math.max(1, options.connections ?? 4);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // A send may wait on three replies (connect, greeting, data) before it gives up; the lease outlasts that.
    this.leaseMs = Math.max(options.leaseMs ?? 10 * 60_000, this.timeoutMs * 4);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.keepSentMs = (options.keepSentDays ?? 30) * DAY_MS;
    this.keepInvitationMs = (options.keepSentInvitationDays ?? 2) * DAY_MS;
  }

  /** False without SMTP_URL: messages stay queued (admins see them) until it is set. */
  get configured(): boolean {
    return this.mail.smtpUrl !== undefined;
  }

  private transporter() {
    if (!this.mail.smtpUrl) throw new Error('SMTP_URL is not set.');
    // TLS certificates are verified (Node's default); smtps:// is TLS from the start, smtp:// upgrades with STARTTLS when offered.
    this.transport ??= nodemailer.createTransport({
      url: this.mail.smtpUrl, pool: true, maxConnections: this.connections,
      connectionTimeout: this.timeoutMs, greetingTimeout: this.timeoutMs, socketTimeout: this.timeoutMs,
    });
    return this.transport;
  }

  /** Sends every due message, batch by batch, until none is due. One run at a time per sender. */
  runOnce(): Promise<SendReport> {
    this.running ??= this.drain().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async drain(): Promise<SendReport> {
    const report: SendReport = { claimed: 0, sent: 0, retrying: 0, failed: 0, undeliverable: 0, cancelled: 0 };
    if (!this.configured) return report;
    for (;;) {
      const token = randomBytes(16).toString('hex');
      const now = this.clock.now();
      const rows = await this.uow((trx) => outboxStore(trx).claim(now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), token, this.batchSize));
      if (rows.length === 0) {
        if (now.getTime() - this.lastBlankAt >= BLANK_EVERY_MS) await this.blankOldBodies();
        return report;
      }
      report.claimed += rows.length;
      // The batch goes out over `connections` SMTP connections at once; its outcomes are committed
      // together afterwards (one fsync per batch instead of one per message).
      const links = await this.linksFor(rows);
      const outcomes: Outcome[] = [];
      const unsentLinks: string[] = [];
      let next = 0;
      const worker = async () => {
        for (let row = rows[next++]; row; row = rows[next++]) {
          const link = links.get(row.id) ?? {};
          // Start a send only while the lease outlasts it; a row left here is claimed again when the lease
          // ends, and the link made for it ends unsent.
          if (this.clock.now().getTime() + this.timeoutMs * 3 > Date.parse(row.claimed_until!)) {
            if (link.token) unsentLinks.push(link.token);
            continue;
          }
          outcomes.push(await this.attempt(row, link));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.connections, rows.length) }, worker));
      for (const state of await this.record(outcomes, token, unsentLinks)) {
        if (state === 'queued') report.retrying += 1;
        else if (state !== 'sending') report[state] += 1;
      }
    }
  }

  /**
   * The set-password tokens of a batch's invitations, made now (see LINK_TOKEN_PLACEHOLDER): every attempt,
   * a resend after a crash included, makes its own, and the last one accepted is the one that works.
   */
  private async linksFor(rows: readonly OutboxRow[]): Promise<Map<number, Link>> {
    const links = new Map<number, Link>();
    const wanting = rows.filter((row) => [row.subject, row.text_body, row.html_body].some(needsLinkToken));
    if (wanting.length === 0) return links;
    // One unit of work for the batch's links (one commit, not one per invitation).
    await this.uow(async (trx) => {
      for (const row of wanting) {
        const userId = row.user_id;
        if (userId === null) { links.set(row.id, { notSent: 'Not sent: the message names nobody to make a set-password link for.' }); continue; }
        // A password-reset e-mail carries a 1-hour link, whether or not the person has a password.
        const mint = row.stage === 'password-reset' ? mintResetLink : mintEmailedLink;
        const minted = await mint(trx, this.clock, userId);
        links.set(row.id, 'token' in minted ? { token: minted.token } : { notSent: `Not sent: ${minted.notNeeded}.` });
      }
    });
    return links;
  }

  /** Sends one claimed message (with its link, when it is an invitation) and says what happened; writes nothing. */
  private async attempt(row: OutboxRow, link: Link): Promise<Outcome> {
    if (link.notSent) {
      // A person who no longer needs the link: 'cancelled' with the reason. A row naming nobody is a fault: 'failed'.
      return { row, delivered: JSON.parse(row.delivered_to) as string[], refused: [], temporary: [], failures: [], messageFailed: true, notSent: link.notSent, cancelled: row.user_id !== null };
    }
    const cc = JSON.parse(row.cc_addresses) as string[];
    const delivered = JSON.parse(row.delivered_to) as string[];
    const done = new Set(delivered.map(lower));
    const all = [row.to_address, ...cc].filter((a) => !done.has(lower(a)));
    const known = await outboxStore(this.db).undeliverable(all);
    const pending = all.filter((a) => !known.has(lower(a)));
    const failures: SmtpFailure[] = all.filter((a) => known.has(lower(a))).map((a) => ({ recipient: a, code: 'KNOWN', message: 'marked undeliverable earlier' }));
    const refused: string[] = [];
    let temporary: string[] = [];
    let messageFailed = false;
    let linkDelivered = false;
    if (pending.length > 0) {
      try {
        const info = await this.transporter().sendMail({
          from: { name: this.orgName, address: this.mail.from },
          to: row.to_address,
          ...(cc.length ? { cc } : {}),
          subject: link.token ? withLinkToken(row.subject, link.token) : row.subject,
          // The link's token goes into the message here, in memory only; the row keeps the placeholder.
          text: link.token ? withLinkToken(row.text_body, link.token) : row.text_body,
          html: link.token ? withLinkToken(row.html_body, link.token) : row.html_body,
          messageId: `<${row.message_id}@${this.mail.domain}>`,
          envelope: { from: bounceAddress(this.mail, row.message_id), to: pending },
          headers: {
            'Auto-Submitted': 'auto-generated',
            'List-Id': `${this.orgName.replace(/[<>"]/g, '')} training <training.${this.mail.domain}>`,
            // Out-of-office replies to a reminder help nobody.
            'X-Auto-Response-Suppress': 'OOF, AutoReply',
          },
        });
        const accepted = new Set((info.accepted as unknown[]).map((a) => lower(String(a))));
        linkDelivered = pending.some((a) => lower(a) === lower(row.to_address)) && accepted.has(lower(row.to_address));
        for (const a of pending) if (accepted.has(lower(a))) delivered.push(a);
        for (const f of (info as { rejectedErrors?: SmtpFailure[] }).rejectedErrors ?? []) failures.push(f);
      } catch (e) {
        const f = asSmtpFailure(e);
        if (f.rejectedErrors?.length) failures.push(...f.rejectedErrors);
        else {
          failures.push(f);
          if (isPermanent(f)) messageFailed = true;
          else temporary = pending;
        }
      }
      for (const f of failures) {
        if (f.code === 'KNOWN' || !f.recipient) continue;
        if (isPermanent(f)) refused.push(f.recipient);
        else temporary.push(f.recipient);
      }
    }
    return { row, delivered, refused, temporary, failures, messageFailed, ...(link.token ? { linkToken: link.token, linkDelivered } : {}) };
  }

  /**
   * Writes a batch's outcomes in one unit of work, after every message of it was handed to the SMTP
   * server: the states, the undeliverable addresses, the invitations' links. Returns each row's state
   * ('sending' when another sender holds the row now).
   */
  private async record(outcomes: readonly Outcome[], token: string, unsentLinks: readonly string[] = []): Promise<OutboxRow['state'][]> {
    if (outcomes.length === 0 && unsentLinks.length === 0) return [];
    const now = this.clock.now();
    const at = now.toISOString();
    const decided = outcomes.map((r) => ({ r, ...this.decide(r, now) }));
    const finished = await this.uow(async (trx) => {
      const store = outboxStore(trx);
      for (const link of unsentLinks) await withdrawEmailedLink(trx, this.clock, link);
      const done: boolean[] = [];
      for (const { r, state, next, lastError } of decided) {
        const row = r.row;
        for (const address of r.refused) {
          const f = r.failures.find((x) => x.recipient === address);
          await store.markUndeliverable(address, at, f ? describeFailure(f) : 'refused', 'smtp-5xx');
        }
        const ok = await store.finish(row.id, token, {
          state, next_attempt_at: next, last_error: lastError, delivered_to: JSON.stringify(r.delivered),
          ...(state === 'sent' ? { sent_at: at } : {}),
        });
        // The link now in the person's mailbox becomes their one working link; a link that reached nobody
        // ends. With the claim lost (another sender took the row over) a delivered link is left as it is:
        // whichever copy is confirmed last wins, and using any link ends the others.
        if (r.linkToken && row.user_id !== null) {
          if (r.linkDelivered && ok) await confirmEmailedLink(trx, this.clock, row.user_id, r.linkToken, { message: row.id, message_id: row.message_id, attempt: row.attempts, stage: row.stage });
          else if (!r.linkDelivered) await withdrawEmailedLink(trx, this.clock, r.linkToken);
        }
        done.push(ok);
      }
      return done;
    });
    return decided.map(({ r, state, lastError }, i) => {
      // Someone else holds the row now (our lease ran out mid-send): their outcome stands.
      if (!finished[i]) {
        this.log.warn({ outboxId: r.row.id }, 'outbox: lease ran out during a send; the row was claimed again');
        return 'sending';
      }
      if (lastError) this.log.info({ outboxId: r.row.id, state }, 'outbox: delivery problem');
      return state;
    });
  }

  /** A message's next state from what its attempt found: sent, retried later (with back-off), or ended. */
  private decide(r: Outcome, now: Date): { state: OutboxRow['state']; next: string; lastError: string | null } {
    const row = r.row;
    const lastError = r.notSent ?? (r.failures.length ? r.failures.map(describeFailure).join(' ') : null);
    let state: OutboxRow['state'];
    let next = row.next_attempt_at;
    // Not a failure: the person chose a password or was deactivated before the invitation went out.
    if (r.cancelled) state = 'cancelled';
    else if (r.messageFailed) state = 'failed';
    else if (r.temporary.length === 0) state = r.delivered.length > 0 ? 'sent' : 'undeliverable';
    else if (row.attempts >= this.maxAttempts) state = 'failed';
    else {
      state = 'queued';
      const wait = BACKOFF_MINUTES[Math.min(row.attempts, BACKOFF_MINUTES.length) - 1]!;
      next = new Date(now.getTime() + wait * 60_000).toISOString();
    }
    return { state, next, lastError };
  }

  /**
   * Blanks the text and HTML of messages sent long enough ago; the row, its key and
   * Message-ID stay, so the scheduler never queues the message again and the outbox page still lists it.
   * Returns how many rows were blanked.
   */
  async blankOldBodies(): Promise<number> {
    const now = this.clock.now();
    this.lastBlankAt = now.getTime();
    return this.uow((trx) => outboxStore(trx).blankSentBodies(
      new Date(now.getTime() - this.keepSentMs).toISOString(), new Date(now.getTime() - this.keepInvitationMs).toISOString(),
    ));
  }

  /** Runs every `intervalMs` (and once now) in the app process; a run never overlaps the previous one. */
  start(intervalMs: number): void {
    if (!this.configured || this.timer) return;
    const tick = () => { this.runOnce().catch((e: unknown) => this.log.error({ err: e }, 'outbox: send run failed')); };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    this.transport?.close();
    this.transport = undefined;
  }
}
