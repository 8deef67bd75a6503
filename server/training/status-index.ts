import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Course } from '../content/catalogue';
import type { DB, StatusIndexRow, User } from '../db/schema';
import { inChunks } from '../db/chunks';
import { writeTransaction } from '../db/transaction';
import { addDays } from '../dates';
import { nextSlice, Pacer } from '../pacer';
import { nextRuleChange } from '../assignments/rules';
import type { Training } from './service';
import { groupBy } from './group-by';
import { obligationsOn, type PersonObligation, type RuleBook } from '../assignments/obligations';
import { loadRuleBook, personFacts } from '../assignments/rule-book';
import { factsFromRow, obligationAssignment, sentenceFor, statusOn, type Assignment, type Thresholds } from './status';

export { groupBy };

const BATCH = 500;
/**
 * People recomputed per transaction when catching up (after a rule change, every person): each slice
 * commits on its own, so other requests' queries take the connection in between instead of waiting
 * for the whole organisation.
 */
const CATCH_UP_SLICE = 500;
/** Ids per statement when marking everyone stale. */
const MARK_RANGE = 2000;
/** A page waits for a catch-up this small; a larger one runs on while the page says it is under way. */
const WAIT_FOR_AT_MOST = 2000;
/** Bumped when what a row means changes, so the start-up refresh recomputes rows written before (0016: one row per obligation). */
const ROW_FORMAT = 'obligations-1';
const NEVER = '9999-12-31';

type RowKey = Pick<StatusIndexRow, 'user_id' | 'course_id'>;

/** Builds the rows of another kind of obligation (policies) for people whose obligations are known. */
export type TargetRowBuilder = (
  db: Kysely<DB>, users: readonly { id: number }[], obligations: ReadonlyMap<number, readonly PersonObligation[]>, now: string,
) => Promise<StatusIndexRow[]>;

/**
 * Keeps the status index (table status_index) in step: one row per person and obligation (a course
 * an assignment rule gives them, or every course when there are no rules), with the thresholds from the
 * one status function, why the due date is what it is, any exemption, and the facts reports show. The
 * unit of work (Training.uow) calls refresh() at commit for every person its writes touched. A rule
 * change marks everyone stale instead (markEveryoneStale) and refreshDue() recomputes them after the
 * commit, a slice per transaction, as it does for rules that start or end on a later day.
 */
export class StatusIndex {
  private readonly keys = new Map<string, string>();
  /** Row builders for obligations other than courses, registered by their feature (policies: compose). */
  private readonly others = new Map<'policy', TargetRowBuilder>();
  /** The catch-up running now, if any: every caller joins it rather than starting another. */
  private catching: Promise<number> | undefined;
  private stopping = false;
  /**
   * Counts markEveryoneStale calls: a catch-up that finds nobody stale ends only if no marking began
   * meanwhile (a rule saved just as it was finishing would otherwise join a run about to stop).
   */
  private marks = 0;

  constructor(private readonly training: Training, private readonly courses: readonly Course[]) {}

  /** A fingerprint of the rules: when it changes (config or course validity), every row is recomputed. */
  policyKey(course: Course): string {
    let key = this.keys.get(course.id);
    if (key === undefined) {
      key = crypto.createHash('sha256').update(JSON.stringify([this.training.policy(course), this.training.config.timeZone, ROW_FORMAT])).digest('hex').slice(0, 16);
      this.keys.set(course.id, key);
    }
    return key;
  }

  /**
   * The assignment as the row holds it: the row keeps the status function's thresholds, so the status
   * on any day follows from it (statusOn) without re-reading completions and progress. Undefined when
   * the row is missing or was computed under other rules; the caller then computes it from the records.
   */
  async read(db: Kysely<DB>, user: Pick<User, 'id' | 'hire_date'>, course: Course): Promise<Assignment | undefined> {
    const today = this.training.today();
    // A person marked stale (a rule changed and the catch-up has not reached them) is computed afresh.
    const row = await db.selectFrom('status_index').selectAll()
      .where('user_id', '=', user.id).where('target_type', '=', 'course').where('course_id', '=', course.id)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('status_recheck').select('status_recheck.user_id')
        .where('status_recheck.user_id', '=', user.id).where('status_recheck.on_day', '<=', today))))
      .executeTakeFirst();
    if (!row || row.policy_key !== this.policyKey(course)) return undefined;
    if (row.kind === 'annual' && row.last_completed_on === null) return undefined;
    const exempt = row.exempt_from !== null ? { exempt: { from: row.exempt_from, until: row.exempt_until } } : {};
    const thresholds: Thresholds = { kind: row.kind, opensOn: row.opens_on, graceUntil: row.grace_until, validUntil: row.valid_until, started: row.started === 1, ...exempt };
    const status = statusOn(thresholds, today);
    const facts = factsFromRow(row, user.hire_date !== null, status);
    const exemption = row.exempt_from !== null ? { exemption: { from: row.exempt_from, until: row.exempt_until, reason: row.exempt_reason ?? '' } } : {};
    return {
      cycle: row.cycle, kind: row.kind, dueOn: row.due_on, opensOn: row.opens_on, status, thresholds, facts, ...exemption,
      reason: sentenceFor(this.training.policy(course), { status, facts, ...exemption }, facts, 'your'),
      ...(row.last_completed_on !== null ? { last: { completedOn: row.last_completed_on, validUntil: row.valid_until } } : {}),
    };
  }

  /**
   * Lets a feature keep its obligations' rows in the index (policies do), without training depending on
   * it: the refresh computes everyone's obligations once and hands the feature its targets.
   */
  addTargetRows(type: 'policy', build: TargetRowBuilder): void {
    this.others.set(type, build);
  }

  /** The rules as they stand, for one refresh. */
  ruleBook(db: Kysely<DB>): Promise<RuleBook> {
    return loadRuleBook(db, this.courses.map((c) => c.id), this.training.config.cycles.onboardingDays);
  }

  async refresh(db: Kysely<DB>, userIds: readonly number[]): Promise<void> {
    // Batches of a large refresh (an import) are slices: the event loop runs between them.
    const pacer = new Pacer();
    const book = await this.ruleBook(db);
    for (let i = 0; i < userIds.length; i += BATCH) {
      await pacer.pace();
      await this.refreshBatch(db, book, userIds.slice(i, i + BATCH), pacer);
    }
  }

  private async refreshBatch(db: Kysely<DB>, book: RuleBook, ids: readonly number[], pacer: Pacer): Promise<void> {
    if (ids.length === 0) return;
    const users = await db.selectFrom('users').select(['id', 'hire_date', 'created_at', 'department_id', 'role', 'job_code']).where('id', 'in', ids).execute();
    const now = this.training.clock.now().toISOString();
    const today = this.training.today();
    const facts = await personFacts(db, users, (iso) => this.training.dayOf(iso));
    const obligations = new Map<number, PersonObligation[]>(users.map((u) => [u.id, obligationsOn(book, facts.get(u.id)!, today)]));
    // The rows are rebuilt whole for these people: an obligation they no longer have leaves the index
    // (their completions stay in the records; the as-of report still finds them on earlier days).
    await inChunks(ids, async (chunk) => {
      await db.deleteFrom('status_index').where('user_id', 'in', chunk).where('target_type', 'in', ['course', ...this.others.keys()]).execute();
      await db.deleteFrom('status_recheck').where('user_id', 'in', chunk).execute();
      return [];
    });
    // The next day each person's obligations change by the calendar alone: a rule starts or ends, or they start work.
    const ruleChange = nextRuleChange(book.rules, today);
    // Someone with no obligation and no change coming gets a far-off day: the row says they were looked
    // at, so start-up does not take them for a person never computed (refreshStale).
    const rechecks = users.map((u) => {
      const start = facts.get(u.id)!.startOn;
      const on = start > today && (ruleChange === undefined || start < ruleChange) ? start : ruleChange;
      return on !== undefined ? { user_id: u.id, on_day: on } : obligations.get(u.id)!.length === 0 ? { user_id: u.id, on_day: NEVER } : undefined;
    }).filter((r): r is { user_id: number; on_day: string } => r !== undefined);
    for (let i = 0; i < rechecks.length; i += 200) await db.insertInto('status_recheck').values(rechecks.slice(i, i + 200)).execute();
    for (const course of this.courses) {
      const mine = users.filter((u) => obligations.get(u.id)!.some((o) => o.target.type === 'course' && o.target.id === course.id));
      if (mine.length === 0) continue;
      await this.insertRows(db, await this.courseRows(db, course, mine, obligations, now, today), pacer);
    }
    for (const [type, build] of this.others) {
      const mine = users.filter((u) => obligations.get(u.id)!.some((o) => o.target.type === type));
      if (mine.length) await this.insertRows(db, await build(db, mine, obligations, now), pacer);
    }
  }

  private async insertRows(db: Kysely<DB>, rows: readonly StatusIndexRow[], pacer: Pacer): Promise<void> {
    for (let i = 0; i < rows.length; i += 50) {
      await pacer.pace();
      await db.insertInto('status_index').values(rows.slice(i, i + 50)).execute();
    }
  }

  private async courseRows(
    db: Kysely<DB>, course: Course, users: readonly { id: number }[], obligations: Map<number, PersonObligation[]>, now: string, today: string,
  ): Promise<StatusIndexRow[]> {
    const ids = users.map((u) => u.id);
    const [completions, started, certs] = await Promise.all([
      db.selectFrom('completions').selectAll().where('course_id', '=', course.id).where('user_id', 'in', ids)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('certificates').select('certificates.id')
          .whereRef('certificates.completion_id', '=', 'completions.id').where('certificates.status', '=', 'revoked'))))
        .execute(),
      db.selectFrom('lesson_progress').select(['user_id', 'cycle']).distinct().where('course_id', '=', course.id).where('user_id', 'in', ids)
        .union(db.selectFrom('quiz_attempts').select(['user_id', 'cycle']).where('course_id', '=', course.id).where('user_id', 'in', ids))
        .execute(),
      db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
        .select(['certificates.id', 'certificates.code', 'certificates.completion_id'])
        .where('completions.course_id', '=', course.id).where('completions.user_id', 'in', ids).where('certificates.status', '=', 'valid').execute(),
    ]);
    const key = this.policyKey(course);
    const policy = this.training.policy(course);
    const byUser = groupBy(completions, (c) => c.user_id);
    const startedBy = groupBy(started, (s) => s.user_id);
    const certBy = new Map(certs.map((c) => [c.completion_id, c]));
    return users.map((u) => {
      const o = obligations.get(u.id)!.find((x) => x.target.type === 'course' && x.target.id === course.id)!;
      const mine = byUser.get(u.id) ?? [];
      const startedCycles = new Set((startedBy.get(u.id) ?? []).map((s) => s.cycle));
      const a = obligationAssignment(policy, today, o.start, mine.map((c) => ({ completedOn: this.training.dayOf(c.completed_at) })), (cycle) => startedCycles.has(cycle), o.exemption);
      const last = mine.reduce<(typeof mine)[number] | undefined>((x, c) => (!x || c.completed_at > x.completed_at ? c : x), undefined);
      const cert = last ? certBy.get(last.id) : undefined;
      // Whether the due date is the roll-out window from the obligation's start (rather than onboarding or the annual cycle).
      const fromStart = o.start.kind !== 'hire' && a.dueOn === addDays(o.start.since, o.start.rolloutDays);
      return {
        user_id: u.id, target_type: 'course', course_id: course.id, cycle: a.cycle, kind: a.kind, due_on: a.dueOn, opens_on: a.thresholds.opensOn,
        grace_until: a.thresholds.graceUntil, valid_until: a.thresholds.validUntil, started: a.thresholds.started ? 1 : 0,
        last_completion_id: last?.id ?? null, last_completed_on: last ? this.training.dayOf(last.completed_at) : null, last_valid_until: last?.valid_until ?? null,
        score: last?.score ?? null, content_hash: last?.content_hash ?? null, certificate_id: cert?.id ?? null, certificate_code: cert?.code ?? null,
        source: last?.source ?? null, recorded_by: last?.recorded_by ?? null, pace: last?.pace ?? null, policy_key: key, updated_at: now,
        since: o.start.since, reason_kind: o.start.kind, reason_on: o.start.since, reason_group: o.start.group, reason_days: fromStart ? o.start.rolloutDays : null,
        assignment_ids: o.assignmentIds.length ? `,${o.assignmentIds.join(',')},` : '', assignment_names: o.assignmentNames.join('; '),
        exemption_id: o.exemption?.id ?? null, exempt_from: o.exemption?.from ?? null, exempt_until: o.exemption?.until ?? null, exempt_reason: o.exemption?.reason ?? null,
      };
    });
  }

  /**
   * Marks every person's rows stale from today, inside the caller's transaction (a rule change, which
   * can give or take an obligation from anyone). Cheap beside recomputing them: the rule commits at
   * once and the catch-up (refreshDue) recomputes the rows a slice per transaction. A crash before it
   * is done leaves the marks, and the next start-up (refreshStale) finishes.
   */
  async markEveryoneStale(db: Kysely<DB>): Promise<void> {
    this.marks += 1;
    const today = this.training.today();
    const pacer = new Pacer();
    const top = (await db.selectFrom('users').select((eb) => eb.fn.max('id').as('top')).executeTakeFirst())?.top ?? 0;
    for (let after = 0; after < top; after += MARK_RANGE) {
      await db.insertInto('status_recheck').columns(['user_id', 'on_day'])
        .expression(db.selectFrom('users').select((eb) => ['id', eb.val(today).as('on_day')]).where('id', '>', after).where('id', '<=', after + MARK_RANGE))
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ on_day: today }))
        .execute();
      await pacer.pace();
    }
  }

  /** How many people's rows wait to be recomputed today. */
  async staleCount(db: Kysely<DB>): Promise<number> {
    const row = await db.selectFrom('status_recheck').select((eb) => eb.fn.countAll<number>().as('n')).where('on_day', '<=', this.training.today()).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Recomputes everyone marked stale up to today (a rule changed, started or ended since their rows
   * were computed), a slice per transaction with a turn of the event loop between: the CSV export and
   * start-up wait for it; callers at the same time share one run. Resolves with the people recomputed.
   */
  refreshDue(db: Kysely<DB>): Promise<number> {
    if (!this.catching) {
      const run = this.catchUp(db).finally(() => { this.catching = undefined; });
      // Nobody may be waiting (a rule saved over a large organisation): a failure leaves the marks for
      // the next reader or start-up to retry, and must not end the process as an unhandled rejection.
      run.catch(() => undefined);
      this.catching = run;
    }
    return this.catching;
  }

  /**
   * Before a page reads the index: a few stale people are recomputed now (the page waits); more (a
   * rule change over a large organisation) are left to the catch-up, started if need be, and the page
   * is told how many are still to do so it can say its figures are being updated.
   */
  /**
   * After a change that marked many people stale commits: recomputes them, waiting at most `waitMs`
   * (by default until done). Resolves with whether every row is up to date; if not, the catch-up goes
   * on and the report pages say their figures are being updated.
   */
  async settle(db: Kysely<DB>, waitMs = Infinity): Promise<boolean> {
    const run = this.refreshDue(db);
    if (waitMs === Infinity) {
      await run;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), waitMs); });
    try {
      return await Promise.race([run.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async freshen(db: Kysely<DB>): Promise<number> {
    const pending = await this.staleCount(db);
    if (pending === 0) return 0;
    const run = this.refreshDue(db);
    if (pending > WAIT_FOR_AT_MOST) return pending;
    await run;
    return 0;
  }

  /**
   * Stops the catch-up after the slice it is in (shutdown): that slice commits, the rest stays marked
   * for the next start-up. Nothing catches up on this index afterwards.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.catching?.catch(() => undefined);
  }

  private async catchUp(db: Kysely<DB>): Promise<number> {
    if (this.stopping) return 0;
    let total = 0;
    // At least one slice once started: a stop asked for meanwhile takes effect after it.
    do {
      // Read before the slice waits for the connection: marks made since are committed by the time it reads.
      const marks = this.marks;
      // writeTransaction: on PostgreSQL a slice that collides with a unit of work refreshing the same people runs again.
      const done = await writeTransaction(db, async (trx) => {
        // Read inside the slice's transaction: a write since (which refreshed someone itself) is seen.
        // No order: the day index yields the first slice at once, where sorting would read every stale row each time.
        const ids = (await trx.selectFrom('status_recheck').select('user_id').where('on_day', '<=', this.training.today())
          .limit(CATCH_UP_SLICE).execute()).map((r) => r.user_id);
        if (ids.length > 0) await this.refresh(trx, ids);
        return ids.length;
      });
      if (done === 0 && marks === this.marks) break;
      total += done;
      await nextSlice();
    } while (!this.stopping);
    return total;
  }

  /**
   * Rows for people who have none yet and were never looked at (a database written before the unit of
   * work existed, or restored from a backup), or rows computed
   * under other rules (the due-date settings, a course's validity or the row format changed). Run at start-up.
   */
  async refreshStale(db: Kysely<DB>): Promise<number> {
    let total = await this.refreshDue(db);
    for (const course of this.courses) {
      const key = this.policyKey(course);
      for (;;) {
        const rows: RowKey[] = await db.selectFrom('status_index').select(['user_id', 'course_id']).distinct()
          .where('target_type', '=', 'course').where('course_id', '=', course.id).where('policy_key', '!=', key).limit(5000).execute();
        if (rows.length === 0) break;
        await writeTransaction(db, (trx) => this.refresh(trx, rows.map((r) => r.user_id)));
        total += rows.length;
      }
    }
    let after = 0;
    for (;;) {
      const ids = (await db.selectFrom('users').select('users.id').where('users.id', '>', after)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('status_index').select('status_index.user_id').whereRef('status_index.user_id', '=', 'users.id'))))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('status_recheck').select('status_recheck.user_id').whereRef('status_recheck.user_id', '=', 'users.id'))))
        .orderBy('users.id').limit(5000).execute()).map((r) => r.id);
      if (ids.length === 0) return total;
      after = ids[ids.length - 1]!;
      await writeTransaction(db, (trx) => this.refresh(trx, ids));
      total += ids.length;
    }
  }
}
