import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Course } from '../content/catalogue';
import type { DB, StatusIndexRow, User } from '../db/schema';
import { Pacer } from '../pacer';
import type { Training } from './service';
import { assignmentFor, assignmentReason, statusOn, type Assignment, type Thresholds } from './status';

const BATCH = 500;

export function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it); else m.set(k, [it]);
  }
  return m;
}

/**
 * Keeps the status index (table status_index) in step: for each person and course, the thresholds from the one status
 * function plus the facts reports show. The unit of work (Training.uow) calls refresh() at commit for
 * every person its writes touched (completion, revocation, reissue, a first lesson or quiz start, a new
 * or edited person, a purge); nothing else needs to.
 */
export class StatusIndex {
  private readonly keys = new Map<string, string>();

  constructor(private readonly training: Training, private readonly courses: readonly Course[]) {}

  /** A fingerprint of the rules: when it changes (config or course validity), every row is recomputed. */
  policyKey(course: Course): string {
    let key = this.keys.get(course.id);
    if (key === undefined) {
      key = crypto.createHash('sha256').update(JSON.stringify([this.training.policy(course), this.training.config.timeZone])).digest('hex').slice(0, 16);
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
    const row = await db.selectFrom('status_index')
      .select(['cycle', 'kind', 'due_on', 'opens_on', 'grace_until', 'valid_until', 'started', 'last_completed_on', 'policy_key'])
      .where('user_id', '=', user.id).where('course_id', '=', course.id).executeTakeFirst();
    if (!row || row.policy_key !== this.policyKey(course)) return undefined;
    const thresholds: Thresholds = { kind: row.kind, opensOn: row.opens_on, graceUntil: row.grace_until, validUntil: row.valid_until, started: row.started === 1 };
    const common = { cycle: row.cycle, dueOn: row.due_on, opensOn: row.opens_on, status: statusOn(thresholds, this.training.today()), thresholds };
    const policy = this.training.policy(course);
    if (row.kind === 'onboarding') {
      return { ...common, kind: 'onboarding', reason: assignmentReason(policy, { kind: 'onboarding', dueOn: row.due_on, hasHireDate: user.hire_date !== null }, 'your') };
    }
    if (row.last_completed_on === null) return undefined;
    return {
      ...common, kind: 'annual', last: { completedOn: row.last_completed_on, validUntil: row.valid_until },
      reason: assignmentReason(policy, { kind: 'annual', dueOn: row.due_on, lastCompletedOn: row.last_completed_on, completed: common.status === 'completed' }, 'your'),
    };
  }

  async refresh(db: Kysely<DB>, userIds: readonly number[]): Promise<void> {
    // Batches of a large refresh (an import) are slices: the event loop runs between them.
    const pacer = new Pacer();
    for (let i = 0; i < userIds.length; i += BATCH) {
      await pacer.pace();
      await this.refreshBatch(db, userIds.slice(i, i + BATCH), pacer);
    }
  }

  private async refreshBatch(db: Kysely<DB>, ids: readonly number[], pacer: Pacer): Promise<void> {
    if (ids.length === 0) return;
    const users = await db.selectFrom('users').select(['id', 'hire_date', 'created_at']).where('id', 'in', ids).execute();
    const now = this.training.clock.now().toISOString();
    const today = this.training.today();
    for (const course of this.courses) {
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
      const byUser = groupBy(completions, (c) => c.user_id);
      const startedBy = groupBy(started, (s) => s.user_id);
      const certBy = new Map(certs.map((c) => [c.completion_id, c]));
      const rows: StatusIndexRow[] = users.map((u) => {
        const mine = byUser.get(u.id) ?? [];
        const startedCycles = new Set((startedBy.get(u.id) ?? []).map((s) => s.cycle));
        const a = assignmentFor(this.training.policy(course), today, u.hire_date ?? this.training.dayOf(u.created_at), u.hire_date !== null,
          mine.map((c) => ({ completedOn: this.training.dayOf(c.completed_at) })), (cycle) => startedCycles.has(cycle));
        const last = mine.reduce<(typeof mine)[number] | undefined>((x, c) => (!x || c.completed_at > x.completed_at ? c : x), undefined);
        const cert = last ? certBy.get(last.id) : undefined;
        return {
          user_id: u.id, course_id: course.id, cycle: a.cycle, kind: a.kind, due_on: a.dueOn, opens_on: a.thresholds.opensOn,
          grace_until: a.thresholds.graceUntil, valid_until: a.thresholds.validUntil, started: a.thresholds.started ? 1 : 0,
          last_completion_id: last?.id ?? null, last_completed_on: last ? this.training.dayOf(last.completed_at) : null, last_valid_until: last?.valid_until ?? null,
          score: last?.score ?? null, content_hash: last?.content_hash ?? null, certificate_id: cert?.id ?? null, certificate_code: cert?.code ?? null,
          source: last?.source ?? null, recorded_by: last?.recorded_by ?? null, pace: last?.pace ?? null, policy_key: key, updated_at: now,
        };
      });
      // Multi-row upsert: every column but the key takes the new row's value ("excluded" in both SQLite and PostgreSQL).
      const columns = Object.keys(rows[0] ?? {}).filter((c) => c !== 'user_id' && c !== 'course_id') as (keyof StatusIndexRow)[];
      for (let i = 0; i < rows.length; i += 100) {
        await pacer.pace();
        await db.insertInto('status_index').values(rows.slice(i, i + 100))
          .onConflict((oc) => oc.columns(['user_id', 'course_id']).doUpdateSet((eb) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]))))
          .execute();
      }
    }
  }

  /**
   * Rows for people who have none yet (a database written before the unit of work existed, or restored
   * from a backup), or were computed under other rules (the due-date settings or a course's validity
   * changed). Run at start-up, when the rules are read; two counts decide whether anything is needed.
   */
  async refreshStale(db: Kysely<DB>): Promise<number> {
    let total = 0;
    const people = Number((await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    for (const course of this.courses) {
      const key = this.policyKey(course);
      const current = Number((await db.selectFrom('status_index').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('course_id', '=', course.id).where('policy_key', '=', key).executeTakeFirstOrThrow()).n);
      if (current === people) continue;
      for (;;) {
        const ids = (await db.selectFrom('users').select('users.id')
          .leftJoin('status_index', (j) => j.onRef('status_index.user_id', '=', 'users.id').on('status_index.course_id', '=', course.id))
          .where((eb) => eb.or([eb('status_index.user_id', 'is', null), eb('status_index.policy_key', '!=', key)]))
          .limit(5000).execute()).map((r) => r.id);
        if (ids.length === 0) break;
        await db.transaction().execute((trx) => this.refresh(trx, ids));
        total += ids.length;
      }
    }
    return total;
  }
}
