import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Catalogue, Course } from '../content/catalogue';
import type { DB, User } from '../db/schema';
import { createUnitOfWork, type UnitOfWork } from '../db/unit-of-work';
import { progressStore } from '../learning/store';
import { dayInZone } from '../dates';
import { assignmentReason, hireStart, obligationAssignment, startReason, type Assignment, type CyclePolicy } from './status';
import type { Obligation, RuleStart, TargetRef } from '../assignments/rules';
import { obligationsOn, type PersonObligation, type RuleBook } from '../assignments/obligations';
import { chunksOf } from '../db/chunks';
import { personFacts } from '../assignments/rule-book';
import { addDays } from '../dates';
import { StatusIndex } from './status-index';
import { certificatesOf } from '../certificates/service';
import { completionStore } from './store';
import { personTraining, type PersonTraining } from './summary';
import { reasonFor, sourceInWords, type SourceFacts, type SourceStyle } from './present';

/** Everything needed to decide assignments: the database, the clock and the organisation's rules. */
export class Training {
  /** Kept in step with every change that can move a status; reports read it. */
  readonly statusIndex: StatusIndex;
  /** Every write goes through it: at commit it refreshes the status rows of the people it touched. */
  readonly uow: UnitOfWork;

  constructor(readonly db: Kysely<DB>, readonly clock: Clock, readonly config: Config, private readonly courses: readonly Course[]) {
    this.statusIndex = new StatusIndex(this, courses);
    this.uow = createUnitOfWork(db, (trx, userIds) => this.statusIndex.refresh(trx, userIds));
  }

  policy(course: Course): CyclePolicy {
    return { ...this.config.cycles, validityDays: course.certificateValidityDays };
  }

  today(): string {
    return dayInZone(this.clock.now(), this.config.timeZone);
  }

  dayOf(iso: string): string {
    return dayInZone(new Date(iso), this.config.timeZone);
  }

  /** present.ts sourceInWords, for folders that may not import training at run time (certificates). */
  sourceInWords(c: SourceFacts, style: SourceStyle): string {
    return sourceInWords(c, style);
  }

  /**
   * The assignment as pages show it: read from the status index (one row) when it is current, else
   * computed from the records. Writes that depend on the assignment use assignment() in their transaction.
   */
  async currentAssignment(user: Pick<User, 'id' | 'hire_date' | 'created_at'>, course: Course): Promise<Assignment> {
    return (await this.statusIndex.read(this.db, user, course)) ?? this.assignment(user, course);
  }

  /** A person's completions and certificates, for their transcript. */
  async recordOf(userId: number) {
    const [completions, certificates] = await Promise.all([completionStore(this.db).forUser(userId), certificatesOf(this.db, userId)]);
    return { completions, certificates };
  }

  /** What a person is obligated to on a day under the rules (none before their start; none if deactivated is not judged here). */
  async personObligations(userId: number, onDay: string = this.today(), db: Kysely<DB> = this.db): Promise<PersonObligation[]> {
    const user = await db.selectFrom('users').select(['id', 'hire_date', 'created_at', 'department_id', 'role', 'job_code']).where('id', '=', userId).executeTakeFirst();
    if (!user) return [];
    const [book, facts] = await Promise.all([this.statusIndex.ruleBook(db), personFacts(db, [user], (iso) => this.dayOf(iso))]);
    return obligationsOn(book, facts.get(user.id)!, onDay);
  }

  /**
   * personObligations for many people: the rules are read once (on first use), each call's people in a
   * few queries, so a pack over a department does not read the rule book and history person by person.
   */
  obligationsReader(onDay: string = this.today(), db: Kysely<DB> = this.db): (userIds: readonly number[]) => Promise<Map<number, PersonObligation[]>> {
    let book: Promise<RuleBook> | undefined;
    return async (userIds) => {
      const out = new Map<number, PersonObligation[]>();
      for (const ids of chunksOf(userIds)) {
        const users = await db.selectFrom('users').select(['id', 'hire_date', 'created_at', 'department_id', 'role', 'job_code']).where('id', 'in', ids).execute();
        book ??= this.statusIndex.ruleBook(db);
        const [rules, facts] = await Promise.all([book, personFacts(db, users, (iso) => this.dayOf(iso))]);
        for (const u of users) out.set(u.id, obligationsOn(rules, facts.get(u.id)!, onDay));
      }
      return out;
    };
  }

  /**
   * The seam other features read: each thing the person must do on a day, with its due date and the
   * sentence why (courses through the one status function; a policy is due its roll-out days after the
   * obligation began, acknowledgement itself being the policies feature's record).
   */
  async obligationsOf(userId: number, onDay: string = this.today(), audience: 'your' | 'their' = 'your'): Promise<Obligation[]> {
    const list = await this.personObligations(userId, onDay);
    const out: Obligation[] = [];
    for (const o of list) {
      const exemption = o.exemption ? { exemption: { reason: o.exemption.reason, until: o.exemption.until, approvedBy: o.exemption.approverName } } : {};
      const common = { assignmentIds: o.assignmentIds, target: o.target, since: o.start.since, ...exemption };
      const course = o.target.type === 'course' ? this.courses.find((c) => c.id === o.target.id) : undefined;
      if (course) {
        const a = await this.computed(userId, course, o, onDay, this.db);
        out.push({ ...common, dueOn: a.dueOn, reason: audience === 'your' ? a.reason : reasonFor(this.policy(course), a, o.start.hasHireDate, audience) });
      } else if (o.target.type === 'policy') {
        const hire = o.start.kind === 'hire';
        const dueOn = addDays(o.start.since, hire ? this.config.cycles.onboardingDays : o.start.rolloutDays);
        const policy = { ...this.config.cycles, validityDays: 365 };
        out.push({ ...common, dueOn, reason: assignmentReason(policy, hire ? { kind: 'onboarding', dueOn, hasHireDate: o.start.hasHireDate } : startReason(o.start, dueOn), audience) });
      }
    }
    return out;
  }

  /** The due date a rule would give, for its preview: from its start, or the annual cycle of the latest completion. */
  previewDue(target: TargetRef, rs: RuleStart, lastCompletedOn: string | undefined, onDay: string): string {
    const start = { kind: rs.kind, since: rs.since, rolloutDays: rs.rolloutDays, group: null, hasHireDate: true };
    const course = target.type === 'course' ? this.courses.find((c) => c.id === target.id) : undefined;
    if (!course) return addDays(rs.since, rs.kind === 'hire' ? this.config.cycles.onboardingDays : rs.rolloutDays);
    return obligationAssignment(this.policy(course), onDay, start, lastCompletedOn ? [{ completedOn: lastCompletedOn }] : [], () => false).dueOn;
  }

  private async computed(userId: number, course: Course, o: PersonObligation | undefined, onDay: string, db: Kysely<DB>): Promise<Assignment> {
    const [completions, started, user] = await Promise.all([
      completionStore(db).counted(userId, course.id),
      progressStore(db).startedCycles(userId, course.id),
      db.selectFrom('users').select(['hire_date', 'created_at']).where('id', '=', userId).executeTakeFirstOrThrow(),
    ]);
    const start = o?.start ?? hireStart(user.hire_date ?? this.dayOf(user.created_at), user.hire_date !== null);
    return obligationAssignment(this.policy(course), onDay, start, completions.map((c) => ({ completedOn: this.dayOf(c.completed_at) })), (cycle) => started.has(cycle), o?.exemption);
  }

  /**
   * The person's current assignment for a course, computed from the records: cycle, due date, status and
   * why. A course no rule gives them (taken of their own accord) counts from their start, as before rules.
   */
  async assignment(user: Pick<User, 'id' | 'hire_date' | 'created_at'>, course: Course, db: Kysely<DB> = this.db): Promise<Assignment> {
    const o = (await this.personObligations(user.id, this.today(), db)).find((x) => x.target.type === 'course' && x.target.id === course.id);
    return this.computed(user.id, course, o, this.today(), db);
  }

  /** The completion of one cycle, if the person finished it (the quiz result page links its certificate). */
  async completionOf(userId: number, courseId: string, cycle: string) {
    return completionStore(this.db).byCycle(userId, courseId, cycle);
  }

  /** A person's training as the admin and manager person pages show it. */
  async personTraining(catalogue: Catalogue, user: User): Promise<PersonTraining> {
    return personTraining(this, catalogue, user);
  }
}
