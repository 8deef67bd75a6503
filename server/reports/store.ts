import { byteOrder } from '../db/text-order';
import { sql, type Kysely, type OrderByItemBuilder } from 'kysely';
import type { DB } from '../db/schema';
import { personMatches } from '../db/like';
import type { TrainingStatus } from '../training/status';
import { statusSql } from './status-sql';

export interface ReportFilter {
  /** The course's id, or the policy's slug when targetType is 'policy'. */
  courseId: string;
  /** Courses unless said otherwise: a policy's report reads its acknowledgement rows. */
  targetType?: 'course' | 'policy';
  today: string;
  /** Departments the viewer may see (undefined: all). */
  scopeDepartmentIds?: number[];
  /** People outside those departments the viewer may still see (a manager's direct reports). */
  scopeUserIds?: number[];
  departmentIds?: number[];
  statuses?: TrainingStatus[];
  role?: string;
  cycle?: string;
  dueFrom?: string;
  dueTo?: string;
  search?: string;
  userId?: number;
  /** Only obligations this assignment rule gives. */
  assignmentId?: number;
}

export const SORTS = {
  name: 'users.name',
  employee_id: 'users.employee_id',
  department: 'departments.path_key',
  status: 'status',
  due_on: 'status_index.due_on',
  completed_on: 'status_index.last_completed_on',
} as const;
export type SortKey = keyof typeof SORTS;
/** The sorts by a text column (the others are dates and the status word, which sort alike on both engines). */
const TEXT_SORTS: ReadonlySet<SortKey> = new Set(['name', 'employee_id', 'department']);

/**
 * Empty values (no department, never completed) first when ascending and last when descending, said
 * outright: that is SQLite's default, and PostgreSQL's default is the opposite, so without it the same
 * organisation sorted differently on the two engines (found by db:copy's app-against-app test).
 */
const emptyFirst = (dir: 'asc' | 'desc') => (ob: OrderByItemBuilder) => (dir === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast());

export function reportStore(db: Kysely<DB>) {
  const sortBy = (sort: SortKey) => (TEXT_SORTS.has(sort) ? byteOrder(db, SORTS[sort]) : sql.ref(SORTS[sort]));
  /**
   * CROSS JOIN is SQLite's way to fix the join order. Normally people are the outer loop (walked by id,
   * name or department index) and their status row is a primary-key lookup: left to itself, without
   * fresh ANALYZE statistics, the planner walked the status index first and sorted the whole result for
   * every page and every export batch. A page in due-date order walks the status rows by their due-date
   * index instead and stops after one page (the overdue list's timing, before and after, is in BENCHMARKS.md).
   */
  const base = (filter: ReportFilter, outer: 'people' | 'due-dates' = 'people') => {
    const status = statusSql(filter.today);
    let q = (outer === 'people' ? db.selectFrom('users').crossJoin('status_index') : db.selectFrom('status_index').crossJoin('users'))
      .whereRef('status_index.user_id', '=', 'users.id').where('status_index.target_type', '=', filter.targetType ?? 'course').where('status_index.course_id', '=', filter.courseId)
      .where('users.status', '=', 'active');
    if (filter.scopeDepartmentIds) {
      const depts = filter.scopeDepartmentIds.length ? filter.scopeDepartmentIds : [-1];
      const extra = filter.scopeUserIds?.length ? filter.scopeUserIds : [-1];
      q = q.where((eb) => eb.or([eb('users.department_id', 'in', depts), eb('users.id', 'in', extra)]));
    }
    if (filter.departmentIds) q = q.where('users.department_id', 'in', filter.departmentIds.length ? filter.departmentIds : [-1]);
    if (filter.statuses?.length) q = q.where(status, 'in', filter.statuses);
    if (filter.role) q = q.where('users.role', '=', filter.role as 'learner');
    if (filter.cycle) q = q.where('status_index.cycle', '=', filter.cycle);
    if (filter.dueFrom) q = q.where('status_index.due_on', '>=', filter.dueFrom);
    if (filter.dueTo) q = q.where('status_index.due_on', '<=', filter.dueTo);
    if (filter.userId !== undefined) q = q.where('users.id', '=', filter.userId);
    // assignment_ids is ",3,7,": a rule's id between commas matches whole ids only.
    if (filter.assignmentId !== undefined) q = q.where('status_index.assignment_ids', 'like', `%,${filter.assignmentId},%`);
    if (filter.search) q = q.where((eb) => personMatches(eb, filter.search!));
    return { q, status };
  };

  const rowSelect = (filter: ReportFilter, outer: 'people' | 'due-dates' = 'people') => {
    const { q, status } = base(filter, outer);
    return q.leftJoin('users as managers', 'managers.id', 'users.manager_id').leftJoin('departments', 'departments.id', 'users.department_id').select([
      'users.id as userId', 'users.employee_id as employeeId', 'users.name', 'users.email', 'users.role', 'users.department_id as departmentId',
      'managers.email as managerEmail', 'status_index.cycle', 'status_index.due_on as dueOn', 'status_index.last_completed_on as completedOn',
      'status_index.last_valid_until as validUntil', 'status_index.score', 'status_index.certificate_id as certificateId',
      'status_index.certificate_code as certificateCode', 'status_index.content_hash as contentHash', 'status_index.source',
      'status_index.recorded_by as recordedBy', 'status_index.grace_until as graceUntil', 'status_index.pace',
      'status_index.course_id as courseId', 'status_index.target_type as targetType', 'status_index.assignment_names as assignmentNames', 'status_index.exempt_reason as exemptReason',
      'status_index.exempt_until as exemptUntil',
    ]).select(status.as('status'));
  };

  return {
    page: (filter: ReportFilter, sort: SortKey, dir: 'asc' | 'desc', limit: number, offset: number) =>
      rowSelect(filter, sort === 'due_on' ? 'due-dates' : 'people').orderBy(sortBy(sort), emptyFirst(dir)).orderBy('users.id', 'asc').limit(limit).offset(offset).execute(),
    /**
     * Everyone the filter matches, as ids in the page's order (the same ORDER BY): the CSV export lists
     * people in the order the screen shows them.
     */
    sortedIds: async (filter: ReportFilter, sort: SortKey, dir: 'asc' | 'desc') => {
      const { q, status } = base(filter, sort === 'due_on' ? 'due-dates' : 'people');
      const rows = await q.leftJoin('departments', 'departments.id', 'users.department_id').select(['users.id as userId', status.as('status')])
        .orderBy(sortBy(sort), emptyFirst(dir)).orderBy('users.id', 'asc').execute();
      return rows.map((r) => r.userId);
    },
    /** The rows of these people, in no particular order. */
    rowsOf: (filter: ReportFilter, userIds: readonly number[]) =>
      rowSelect(filter).where('users.id', 'in', userIds.length ? [...userIds] : [-1]).execute(),
    count: async (filter: ReportFilter) => {
      const { q } = base(filter);
      return Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    },
    byStatus: async (filter: ReportFilter) => {
      const { q, status } = base(filter);
      const rows = await q.select([status.as('status'), (eb) => eb.fn.countAll<number>().as('n')]).groupBy(status).execute();
      return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
    },
    /**
     * Per department and status: people, and how many hold a completion still valid today (compliant).
     * One pass gives both the organisation's status counts and each department's bar.
     */
    byDepartmentAndStatus: async (filter: ReportFilter) => {
      const { q, status } = base(filter);
      // The selected department is the grouped expression itself ("+" and all): PostgreSQL accepts a
      // selected column only when it matches a GROUP BY expression.
      const rows = await q.select([
        sql<number | null>`+users.department_id`.as('departmentId'), status.as('status'), (eb) => eb.fn.countAll<number>().as('n'),
        // Exempt people count neither as compliant nor as overdue.
        sql<number>`sum(case when status_index.last_valid_until >= ${filter.today} and ${status} <> 'exempt' then 1 else 0 end)`.as('compliant'),
      // "+" keeps SQLite from walking people through the department index to save a sort of a few
      // hundred groups: that index order jumps around the table and is slower (BENCHMARKS.md).
      ]).groupBy([sql`+users.department_id`, status]).execute();
      return rows.map((r) => ({ departmentId: r.departmentId, status: r.status, n: Number(r.n), compliant: Number(r.compliant) }));
    },
  };
}

export type ReportRow = Awaited<ReturnType<ReturnType<typeof reportStore>['page']>>[number];

/** Small look-ups the export routes need, kept here so routes never query the database. */
export function exportStore(db: Kysely<DB>) {
  return {
    adminEmails: async () => new Map((await db.selectFrom('users').select(['id', 'email']).where('role', '=', 'admin').execute()).map((u) => [u.id, u.email])),
    userIdsInDepartments: async (departmentIds: number[]) =>
      (await db.selectFrom('users').select('id').where('department_id', 'in', departmentIds.length ? departmentIds : [-1]).execute()).map((u) => u.id),
  };
}

/** Raw history for the "compliant as of" report: everything up to a moment, for a batch of people. */
export function historyStore(db: Kysely<DB>) {
  return {
    people: (f: Omit<ReportFilter, 'statuses' | 'cycle' | 'dueFrom' | 'dueTo' | 'today'>, afterId: number, limit: number) => {
      let q = db.selectFrom('users').leftJoin('users as managers', 'managers.id', 'users.manager_id')
        .leftJoin('departments', 'departments.id', 'users.department_id')
        .select(['users.id', 'users.employee_id', 'users.name', 'users.email', 'users.role', 'users.department_id', 'users.hire_date', 'users.job_code',
          'users.created_at', 'users.status', 'users.deactivated_at', 'managers.email as manager_email', 'departments.path_key'])
        .where('users.id', '>', afterId);
      if (f.scopeDepartmentIds) {
        const extra = f.scopeUserIds?.length ? f.scopeUserIds : [-1];
        q = q.where((eb) => eb.or([eb('users.department_id', 'in', f.scopeDepartmentIds!.length ? f.scopeDepartmentIds! : [-1]), eb('users.id', 'in', extra)]));
      }
      if (f.departmentIds) q = q.where('users.department_id', 'in', f.departmentIds.length ? f.departmentIds : [-1]);
      if (f.role) q = q.where('users.role', '=', f.role as 'learner');
      if (f.userId !== undefined) q = q.where('users.id', '=', f.userId);
      if (f.search) q = q.where((eb) => personMatches(eb, f.search!));
      return q.orderBy('users.id').limit(limit).execute();
    },
    completions: (courseId: string, userIds: number[], before: string) =>
      db.selectFrom('completions')
        .select(['id', 'user_id', 'cycle', 'completed_at', 'valid_until', 'score', 'content_hash', 'source', 'recorded_by', 'pace'])
        .where('course_id', '=', courseId).where('user_id', 'in', userIds.length ? userIds : [-1]).where('completed_at', '<', before).execute(),
    certificates: (completionIds: number[]) =>
      db.selectFrom('certificates').select(['id', 'completion_id', 'code', 'status', 'revoked_at', 'issued_at'])
        .where('completion_id', 'in', completionIds.length ? completionIds : [-1]).orderBy('id').execute(),
    started: (courseId: string, userIds: number[], before: string) =>
      db.selectFrom('lesson_progress').select(['user_id', 'cycle', 'started_at']).where('course_id', '=', courseId)
        .where('user_id', 'in', userIds.length ? userIds : [-1]).where('started_at', '<', before)
        .union(db.selectFrom('quiz_attempts').select(['user_id', 'cycle', 'started_at']).where('course_id', '=', courseId)
          .where('user_id', 'in', userIds.length ? userIds : [-1]).where('started_at', '<', before))
        .execute(),
  };
}
