import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Catalogue, Course } from '../content/catalogue';
import type { DB, User } from '../db/schema';
import { createUnitOfWork, type UnitOfWork } from '../db/unit-of-work';
import { progressStore } from '../learning/store';
import { dayInZone } from '../dates';
import { assignmentFor, type Assignment, type CyclePolicy } from './status';
import { StatusIndex } from './status-index';
import { certificatesOf } from '../certificates/service';
import { completionStore } from './store';
import { personTraining, type PersonTraining } from './summary';
import { sourceInWords, type SourceFacts, type SourceStyle } from './present';

/** Everything needed to decide assignments: the database, the clock and the organisation's rules. */
export class Training {
  /** Kept in step with every change that can move a status; reports read it. */
  readonly statusIndex: StatusIndex;
  /** Every write goes through it: at commit it refreshes the status rows of the people it touched. */
  readonly uow: UnitOfWork;

  constructor(readonly db: Kysely<DB>, readonly clock: Clock, readonly config: Config, courses: readonly Course[]) {
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

  /** The person's current assignment for a course, computed from the records: cycle, due date, status and why. */
  async assignment(user: Pick<User, 'id' | 'hire_date' | 'created_at'>, course: Course, db: Kysely<DB> = this.db): Promise<Assignment> {
    const [completions, started] = await Promise.all([
      completionStore(db).counted(user.id, course.id),
      progressStore(db).startedCycles(user.id, course.id),
    ]);
    return assignmentFor(
      this.policy(course), this.today(), user.hire_date ?? this.dayOf(user.created_at), user.hire_date !== null,
      completions.map((c) => ({ completedOn: this.dayOf(c.completed_at) })), (cycle) => started.has(cycle),
    );
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
