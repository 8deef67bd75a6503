import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { Catalogue } from '../content/catalogue';
import { dayInZone, formatDay } from '../dates';
import type { DB, StatusIndexRow } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { groupBy } from '../training/group-by';
import { factsFromRow, sentenceFor, statusOn, type Thresholds } from '../training/status';
import type { Training } from '../training/service';
import { subtreeIds } from '../users/departments';
import { departmentStore } from '../users/store';
import type { Settings } from '../settings/service';
import type { Policies } from '../policies/service';
import { enqueue, LINK_TOKEN_PLACEHOLDER, type NewMessage } from './outbox';
import { planStore, type PlanPersonRow } from './plan-store';
import { planDigest, planInvitation, planPerson, type PlanMoment, type PlannedMessage, type PlanObligation, type PlanPerson } from './planner';
import type { Stage } from './stages';
import { render, sampleFacts, type OrgContext } from './templates';
import type { NotificationConfiguration, NotificationSettings } from './settings';
import { tickStore } from './tick-store';

/** Queues invitations inside the caller's transaction; returns how many were new. */
export type InvitationQueuer = (trx: Kysely<DB>, people: readonly { id: number; name: string; email: string }[]) => Promise<number>;

/** People planned per unit of work: one transaction per slice, so the app keeps answering between them. */
const SLICE = 500;

/** The scheduler_ticks name of the planning timer. */
export const NOTIFICATIONS_TICK = 'notifications';
/** Claimed ticks are kept this long (which instance ran when, for an operator), then pruned. */
export const TICKS_KEPT_MS = 7 * 24 * 3_600_000;

/** The process, as scheduler_ticks.instance names it: `<hostname>:<pid>`. */
export function thisInstance(): string {
  return `${os.hostname()}:${process.pid}`;
}

export interface RunOptions {
  /** Plan this calendar day (the CLI's --as-of) at the first send hour, instead of now. */
  asOf?: string;
  /** Plan and render, write nothing. */
  dryRun?: boolean;
}

export interface RunReport {
  moment: PlanMoment;
  /** False when the hour is outside the send hours: nothing was planned. */
  inSendHours: boolean;
  people: number;
  planned: number;
  /** Rows the outbox did not have yet (0 on a dry run). */
  created: number;
  /** Every planned message (the CLI prints them). */
  messages: { key: string; stage: Stage; to: string; cc: string[]; subject: string }[];
}

/** The hour of an instant in a time zone (0–23). */
export function hourInZone(instant: Date, timeZone: string): number {
  const h = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(instant);
  return Number(h);
}

/**
 * Walks active people in slices of the status index, plans what each is due now, and queues it in the
 * outbox in one unit of work per slice; then the managers' weekly digests. Running it again, or in two
 * processes at once, creates nothing twice: the outbox key is unique and enqueue does nothing on a
 * key it has. Sending is the outbox sender's job.
 */
export class NotificationScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RunReport> | undefined;
  /** The timer's latest tick (claim, then run), which stop() waits for. */
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock,
    private readonly training: Training, private readonly catalogue: Catalogue, private readonly settings: Settings,
    private readonly timeZone: string, private readonly notificationSettings: NotificationSettings,
    /** Titles and sentences for policy obligations (the policies feature says them as its pages do). */
    private readonly policies?: Pick<Policies, 'rowDescriber'>,
  ) {}

  /** The stage settings and template overrides as saved (defaults where nothing is). */
  configuration(): Promise<NotificationConfiguration> {
    return this.notificationSettings.current();
  }

  async org(): Promise<OrgContext> {
    const current = await this.settings.current();
    return { orgName: current.orgName, baseUrl: current.baseUrl, logoVersion: current.logo ? current.logo.sha256.slice(0, 16) : null };
  }

  /** One run; a run asked for while one is under way waits for it instead of starting a second. */
  run(o: RunOptions = {}): Promise<RunReport> {
    if (this.running && !o.asOf && !o.dryRun) return this.running;
    const run = this.runOnce(o);
    if (!o.asOf && !o.dryRun) {
      this.running = run;
      void run.finally(() => { if (this.running === run) this.running = undefined; }).catch(() => undefined);
    }
    return run;
  }

  private async runOnce(o: RunOptions): Promise<RunReport> {
    const { stages, templates } = await this.configuration();
    const now = this.clock.now();
    const moment: PlanMoment = o.asOf ? { day: o.asOf, hour: stages.sendFrom } : { day: dayInZone(now, this.timeZone), hour: hourInZone(now, this.timeZone) };
    const report: RunReport = { moment, inSendHours: moment.hour >= stages.sendFrom && moment.hour < stages.sendUntil, people: 0, planned: 0, created: 0, messages: [] };
    if (!report.inSendHours) return report;
    // Rules that started or ended since the rows were computed move obligations without a write (as before a report).
    if (!o.dryRun) await this.training.statusIndex.refreshDue(this.db);
    const org = await this.org();
    const store = planStore(this.db);
    const toMessage = (m: PlannedMessage): NewMessage => {
      const r = render(m.facts, org, templates[m.stage]);
      report.messages.push({ key: m.key, stage: m.stage, to: m.to, cc: m.cc, subject: r.subject });
      return { key: m.key, userId: m.userId, to: m.to, cc: m.cc, stage: m.stage, subject: r.subject, text: r.text, html: r.html };
    };
    const queue = async (planned: PlannedMessage[]) => {
      report.planned += planned.length;
      const msgs = planned.map(toMessage);
      if (!o.dryRun && msgs.length) report.created += await this.uow((trx) => enqueue(trx, msgs, now));
    };
    const managers: PlanPersonRow[] = [];
    const withReports = await store.managerIds();
    for (let after = 0; ;) {
      const rows = await store.peopleAfter(after, SLICE);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      report.people += rows.length;
      const people = await this.planPeople(rows, moment.day);
      await queue(people.flatMap((p) => planPerson(stages, p, moment)));
      for (const r of rows) if (r.role === 'manager' || withReports.has(r.id)) managers.push(r);
    }
    if (stages.digest) {
      const departments = await departmentStore(this.db).all();
      for (const m of managers) {
        const deptIds = m.role === 'manager' && m.department_id !== null ? subtreeIds(departments, m.department_id) : [];
        const ids = await store.scopeIds(m.id, deptIds);
        if (ids.length === 0) continue;
        const scope = await this.planPeople(await store.peopleByIds(ids), moment.day);
        const digest = planDigest(stages, { id: m.id, name: m.name, email: m.email }, scope, moment);
        if (digest) await queue([digest]);
      }
    }
    return report;
  }

  /** People as the planner takes them, from their rows and their status-index rows. */
  private async planPeople(rows: readonly PlanPersonRow[], day: string): Promise<PlanPerson[]> {
    if (rows.length === 0) return [];
    const byUser = groupBy(await planStore(this.db).statusRows(rows.map((r) => r.id)), (s) => s.user_id);
    const describe = this.policies ? await this.policies.rowDescriber() : undefined;
    return rows.map((r) => ({
      id: r.id, name: r.name, email: r.email, weeklySummary: r.weekly_summary === 1,
      manager: r.manager_id !== null && r.manager_email !== null ? { id: r.manager_id, name: r.manager_name ?? '', email: r.manager_email } : null,
      obligations: (byUser.get(r.id) ?? []).map((s) => this.obligation(s, r.hire_date !== null, day, describe)),
    }));
  }

  private obligation(row: StatusIndexRow, hasHireDate: boolean, day: string, describe?: (row: StatusIndexRow, hasHireDate: boolean) => { title: string; reason: string } | undefined): PlanObligation {
    const thresholds: Thresholds = {
      kind: row.kind, opensOn: row.opens_on, graceUntil: row.grace_until, validUntil: row.valid_until, started: row.started === 1,
      ...(row.exempt_from !== null ? { exempt: { from: row.exempt_from, until: row.exempt_until } } : {}),
    };
    const course = row.target_type === 'course' ? this.catalogue.get(row.course_id) : undefined;
    let reason = `Due ${formatDay(row.due_on)}.`;
    const policy = row.target_type === 'policy' ? describe?.(row, hasHireDate) : undefined;
    if (policy) reason = policy.reason;
    if (course) {
      const status = statusOn(thresholds, day);
      const facts = factsFromRow(row, hasHireDate, status);
      reason = sentenceFor(this.training.policy(course), { status, facts }, facts, 'your');
    }
    return {
      targetType: row.target_type, targetId: row.course_id, title: course?.title ?? policy?.title ?? row.course_id, cycle: row.cycle, kind: row.kind, dueOn: row.due_on,
      thresholds, reason, lastCompletedOn: row.last_completed_on, certificateCode: row.certificate_code,
    };
  }

  /**
   * What queues the invitations of people being created or imported, inside the caller's unit of work
   * (so a person and their invitation are saved together, and an import's checkpoint covers both);
   * undefined when invitations are off. Settings are read here, before that unit of work opens: a read
   * on the main connection inside it would wait for the transaction forever. The stored message holds
   * LINK_TOKEN_PLACEHOLDER where the link's token goes, never a token: the sender makes the link when it
   * sends (key invitation:<id>: a person is invited once).
   */
  async inviter(): Promise<InvitationQueuer | undefined> {
    const { stages, templates } = await this.configuration();
    if (!stages.invitation) return undefined;
    const org = await this.org();
    const link = `${org.baseUrl}/password/${LINK_TOKEN_PLACEHOLDER}`;
    return async (trx, people) => {
      const msgs: NewMessage[] = [];
      for (const p of people) {
        const m = planInvitation(stages, p, link);
        if (!m) continue;
        const r = render(m.facts, org, templates.invitation);
        msgs.push({ key: m.key, userId: m.userId, to: m.to, cc: [], stage: m.stage, subject: r.subject, text: r.text, html: r.html });
      }
      return enqueue(trx, msgs, this.clock.now());
    };
  }

  /**
   * A test of a stage's message, with sample data and the saved template, to the admin's own address
   * (a random key each time: every test is a message of its own, even two in the same millisecond). Audited.
   */
  async queueTest(actor: Actor & { email: string }, stage: Stage): Promise<void> {
    const { templates } = await this.configuration();
    const r = render(sampleFacts(stage), await this.org(), templates[stage]);
    const now = this.clock.now();
    await this.uow(async (trx) => {
      await enqueue(trx, [{ key: `test:${stage}:${actor.id ?? 0}:${randomUUID()}`, userId: actor.id, to: actor.email, stage, subject: `[Test] ${r.subject}`, text: r.text, html: r.html }], now);
      await appendAudit(trx, this.clock, actor, { action: 'notifications.test_queued', subjectType: 'settings', details: { stage, to: actor.email } });
    });
  }

  /**
   * One timer tick of an instance (issue 19): the interval's slot, floor(now / everyMs) on the app's
   * clock, is claimed in scheduler_ticks first, and the run happens only when this claim made the row.
   * Of several instances ticking in the same slot exactly one runs (the primary key decides); an
   * instance that is down leaves its slots to the others. Undefined when the slot was taken. Ticks older
   * than TICKS_KEPT_MS are pruned by the instance that claims. `run()` itself (the CLI's
   * notifications:run, tests) claims nothing and always runs.
   */
  async tick(everyMs: number, instance = thisInstance()): Promise<{ slot: number; report: RunReport } | undefined> {
    const now = this.clock.now();
    const ticks = tickStore(this.db);
    const slot = Math.floor(now.getTime() / everyMs);
    if (!(await ticks.claim(NOTIFICATIONS_TICK, slot, instance, now.toISOString()))) return undefined;
    try {
      return { slot, report: await this.run() };
    } finally {
      // After the run, and never in its way: a failed prune leaves old ticks for the next claim.
      await ticks.prune(NOTIFICATIONS_TICK, new Date(now.getTime() - TICKS_KEPT_MS).toISOString()).catch(() => undefined);
    }
  }

  /**
   * Ticks at start-up and then every `everyMs` (NOTIFICATIONS_EVERY_MS), each tick claiming its slot
   * first (see tick); a failed tick is logged and the next one tries again.
   */
  start(everyMs: number, log: Logger): void {
    if (this.timer) return;
    const instance = thisInstance();
    const tick = () => {
      this.ticking = this.tick(everyMs, instance).then((ran) => {
        if (!ran) log.debug({ instance }, 'notification tick already run by another instance');
        // One line per run that happened (the multi-instance test counts them: one per claimed slot).
        else log.info({ instance, slot: ran.slot, created: ran.report.created, planned: ran.report.planned, day: ran.report.moment.day }, 'notification tick ran');
      }, (e: unknown) => log.error({ err: e }, 'notification planning failed'));
    };
    tick();
    this.timer = setInterval(tick, everyMs);
    // The timer alone does not keep the process alive (the server does).
    this.timer.unref();
  }

  /** Stops the timer and waits for a run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.running?.catch(() => undefined);
  }
}
