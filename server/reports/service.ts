import type { Course } from '../content/catalogue';
import type { User } from '../db/schema';
import { fail } from '../errors';
import { addDays } from '../dates';
import type { Training } from '../training/service';
import { obligationAssignment, type TrainingStatus } from '../training/status';
import { obligationsOn } from '../assignments/obligations';
import { personFacts } from '../assignments/rule-book';
import { rulesOn } from '../assignments/versions';
import { groupBy } from '../training/status-index';
import { lessonProgressOf, type LessonProgress } from '../training/lesson-progress';
import { subtreeIds } from '../users/departments';
import type { People } from '../users/people';
import type { ParsedReportQuery } from './filters';
import { exportStore, historyStore, reportStore, type ReportFilter, type ReportRow } from './store';

export type { ReportRow };

export const PAGE_SIZE = 50;

/** What the viewer may see, narrowed by the department filter; a manager asking for another department gets 403. */
export async function scopedFilter(people: People, viewer: User, query: ParsedReportQuery, today: string): Promise<ReportFilter> {
  const scope = await people.scopeOf(viewer);
  if (scope.kind === 'self') fail('forbidden', 'Reports are for managers, administrators and auditors.');
  const f: ReportFilter = {
    courseId: query.courseId, assignmentId: query.assignmentId, today, statuses: query.statuses, role: query.role, cycle: query.cycle, dueFrom: query.dueFrom, dueTo: query.dueTo, search: query.search,
  };
  if (scope.kind === 'departments') {
    f.scopeDepartmentIds = scope.departmentIds;
    f.scopeUserIds = scope.directReportIds;
  }
  if (query.departmentId !== undefined) {
    const all = await people.departments();
    if (!all.some((d) => d.id === query.departmentId)) fail('not-found', 'There is no such department.');
    if (scope.kind === 'departments' && !scope.departmentIds.includes(query.departmentId)) {
      fail('forbidden', 'That department is not in your team. Managers see their own department and its sub-departments.');
    }
    f.departmentIds = subtreeIds(all, query.departmentId);
  }
  return f;
}

/**
 * The report as it stood at the end of a past day, recomputed from the completion history with the
 * same status function and the assignment rules in force that day: who was employed and obligated
 * then (their department, role and job code on that day), which completions existed and were not yet
 * revoked, which exemptions had begun.
 */
export async function* rowsAsOf(training: Training, course: Course, f: ReportFilter, asOf: string): AsyncGenerator<ReportRow> {
  const store = historyStore(training.db);
  // A generous cut-off in UTC; each timestamp is then judged by its day in the organisation's zone.
  const before = `${addDays(asOf, 2)}T00:00:00.000Z`;
  const by = (iso: string | null) => iso !== null && training.dayOf(iso) <= asOf;
  // The rules in force that day, each with the values of its version then (with none, the default of every course to everyone).
  const current = await training.statusIndex.ruleBook(training.db);
  const book = { ...current, rules: await rulesOn(training.db, current.rules, asOf, (iso) => training.dayOf(iso)) };
  let after = 0;
  for (;;) {
    const people = await store.people(f, after, 2000);
    if (people.length === 0) return;
    after = people[people.length - 1]!.id;
    const ids = people.map((p) => p.id);
    const [completions, started] = await Promise.all([store.completions(course.id, ids, before), store.started(course.id, ids, before)]);
    const certs = groupBy(await store.certificates(completions.map((c) => c.id)), (x) => x.completion_id);
    const completionsBy = groupBy(completions, (c) => c.user_id);
    const startedBy = groupBy(started, (s) => s.user_id);
    const facts = await personFacts(training.db, people, (iso) => training.dayOf(iso));
    for (const p of people) {
      // The workforce on that day: started by then (hire date, else account creation), not yet deactivated.
      if ((p.hire_date ?? training.dayOf(p.created_at)) > asOf || (p.status === 'deactivated' && by(p.deactivated_at))) continue;
      const o = obligationsOn(book, facts.get(p.id)!, asOf).find((x) => x.target.type === 'course' && x.target.id === course.id);
      if (!o || (f.assignmentId !== undefined && !o.assignmentIds.includes(f.assignmentId))) continue;
      const counted = (completionsBy.get(p.id) ?? []).filter((c) => by(c.completed_at)
        && !(certs.get(c.id) ?? []).some((x) => x.status === 'revoked' && by(x.revoked_at)));
      const startedCycles = new Set((startedBy.get(p.id) ?? []).filter((s) => by(s.started_at)).map((s) => s.cycle));
      const a = obligationAssignment(training.policy(course), asOf, o.start, counted.map((c) => ({ completedOn: training.dayOf(c.completed_at) })),
        (cycle) => startedCycles.has(cycle), o.exemption);
      const last = counted.reduce<(typeof counted)[number] | undefined>((x, c) => (!x || c.completed_at > x.completed_at ? c : x), undefined);
      const cert = last ? (certs.get(last.id) ?? []).filter((x) => by(x.issued_at)).at(-1) : undefined;
      const row: ReportRow = {
        userId: p.id, employeeId: p.employee_id, name: p.name, email: p.email, role: p.role, departmentId: p.department_id, managerEmail: p.manager_email,
        cycle: a.cycle, dueOn: a.dueOn, completedOn: last ? training.dayOf(last.completed_at) : null, validUntil: last?.valid_until ?? null,
        score: last?.score ?? null, certificateId: cert?.id ?? null, certificateCode: cert?.code ?? null, contentHash: last?.content_hash ?? null,
        source: last?.source ?? null, recordedBy: last?.recorded_by ?? null, graceUntil: a.thresholds.graceUntil, status: a.status, pace: last?.pace ?? null,
        courseId: course.id, targetType: 'course', assignmentNames: o.assignmentNames.join('; '), exemptReason: o.exemption?.reason ?? null, exemptUntil: o.exemption?.until ?? null,
      };
      if (f.statuses?.length && !f.statuses.includes(a.status)) continue;
      if (f.cycle && a.cycle !== f.cycle) continue;
      if (f.dueFrom && a.dueOn < f.dueFrom) continue;
      if (f.dueTo && a.dueOn > f.dueTo) continue;
      yield row;
    }
  }
}

export interface ReportPage {
  rows: (ReportRow & { progress: LessonProgress })[];
  total: number;
  counts: Record<TrainingStatus, number>;
  /** People whose rows are still being recomputed after a rule change (0: the figures are current). */
  updating: number;
}

const emptyCounts = (): Record<TrainingStatus, number> => ({ 'not-started': 0, 'in-progress': 0, completed: 0, 'due-soon': 0, overdue: 0, expired: 0, exempt: 0 });

const SORT_VALUE: Record<ParsedReportQuery['sort'], (r: ReportRow) => string> = {
  name: (r) => r.name.toLowerCase(), employee_id: (r) => r.employeeId ?? '', department: (r) => String(r.departmentId ?? ''),
  status: (r) => r.status, due_on: (r) => r.dueOn, completed_on: (r) => r.completedOn ?? '',
};

/** One page of the report, its total and the count per status, now or as of a past day. */
export async function reportPage(training: Training, course: Course, f: ReportFilter, query: ParsedReportQuery): Promise<ReportPage> {
  const offset = (query.page - 1) * PAGE_SIZE;
  if (!query.asOf) {
    // A few stale people are recomputed first; after a rule change over many, the page says so instead of waiting.
    const updating = await training.statusIndex.freshen(training.db);
    const store = reportStore(training.db);
    // One grouped count gives both the per-status figures and the total for the chosen statuses.
    const [rows, byStatus] = await Promise.all([store.page(f, query.sort, query.dir, PAGE_SIZE, offset), store.byStatus({ ...f, statuses: undefined })]);
    const counts = emptyCounts();
    for (const s of byStatus) counts[s.status] = s.n;
    const total = byStatus.filter((s) => !f.statuses?.length || f.statuses.includes(s.status)).reduce((n, s) => n + s.n, 0);
    return { rows: await lessonProgressOf(training.db, course, rows), total, counts, updating };
  }
  const all: ReportRow[] = [];
  const counts = emptyCounts();
  for await (const r of rowsAsOf(training, course, { ...f, statuses: undefined }, query.asOf)) {
    counts[r.status] += 1;
    if (!f.statuses?.length || f.statuses.includes(r.status)) all.push(r);
  }
  all.sort(asOfOrder(query));
  // The past is recomputed from the records and the rules in force then: never stale.
  return { rows: await lessonProgressOf(training.db, course, all.slice(offset, offset + PAGE_SIZE)), total: all.length, counts, updating: 0 };
}

/** One page of a policy's report (today's, from the status index), its total and the count per status. */
export async function policyReportPage(training: Training, f: ReportFilter, query: ParsedReportQuery): Promise<Omit<ReportPage, 'rows'> & { rows: ReportRow[] }> {
  const updating = await training.statusIndex.freshen(training.db);
  const store = reportStore(training.db);
  const [rows, byStatus] = await Promise.all([store.page(f, query.sort, query.dir, PAGE_SIZE, (query.page - 1) * PAGE_SIZE), store.byStatus({ ...f, statuses: undefined })]);
  const counts = emptyCounts();
  for (const s of byStatus) counts[s.status] = s.n;
  return { rows, total: byStatus.filter((s) => !f.statuses?.length || f.statuses.includes(s.status)).reduce((n, s) => n + s.n, 0), counts, updating };
}

const BATCH = 2000;

/** The comparator of the "as of" report's pages, which are sorted in memory. */
function asOfOrder(query: Pick<ParsedReportQuery, 'sort' | 'dir'>) {
  const key = SORT_VALUE[query.sort];
  return (a: ReportRow, b: ReportRow) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.userId - b.userId) * (query.dir === 'desc' ? -1 : 1);
}

/** Which report, in which order: the filters' "as of" day and the page's sort. */
export type ReportOrder = Pick<ParsedReportQuery, 'asOf' | 'sort' | 'dir'>;

/**
 * Every row of the report in batches, in the order the report page shows them. The "now" report holds
 * only the sorted ids in memory (a number per person) and reads the rows a batch at a time; the "as of"
 * report is recomputed and sorted in memory, as its pages are.
 */
export async function* allRowBatches(training: Training, course: Course, filter: ReportFilter, order: ReportOrder): AsyncGenerator<ReportRow[]> {
  // Rules that started, ended or changed since the rows were computed (and people who started work) are
  // caught up first: an export waits for the whole catch-up, so it is never part old, part new.
  await training.statusIndex.refreshDue(training.db);
  if (order.asOf) {
    const all: ReportRow[] = [];
    for await (const r of rowsAsOf(training, course, filter, order.asOf)) all.push(r);
    all.sort(asOfOrder(order));
    for (let i = 0; i < all.length; i += BATCH) yield all.slice(i, i + BATCH);
    return;
  }
  yield* currentRowBatches(training, filter, order);
}

/** The report as the status index has it now, in batches, in the page's order (courses and policies alike). */
export async function* currentRowBatches(training: Training, filter: ReportFilter, order: Pick<ReportOrder, 'sort' | 'dir'>): AsyncGenerator<ReportRow[]> {
  const store = reportStore(training.db);
  const ids = await store.sortedIds(filter, order.sort, order.dir);
  for (let i = 0; i < ids.length; i += BATCH) {
    const wanted = ids.slice(i, i + BATCH);
    const byId = new Map((await store.rowsOf(filter, wanted)).map((r) => [r.userId, r]));
    // Someone whose row no longer matches (changed since the ids were read) is left out, not shown stale.
    const rows = wanted.map((id) => byId.get(id)).filter((r): r is ReportRow => r !== undefined);
    if (rows.length) yield rows;
  }
}

/** Every row of the report, one at a time, in the page's order. */
export async function* allRows(training: Training, course: Course, filter: ReportFilter, order: ReportOrder): AsyncGenerator<ReportRow> {
  for await (const batch of allRowBatches(training, course, filter, order)) yield* batch;
}

/** The team page: counts by department and status, and the 25 most overdue people. */
export async function teamOverview(training: Training, course: Course, filter: ReportFilter) {
  const updating = await training.statusIndex.freshen(training.db);
  const store = reportStore(training.db);
  const [groups, overdue] = await Promise.all([
    store.byDepartmentAndStatus(filter),
    store.page({ ...filter, statuses: ['overdue', 'expired'] }, 'due_on', 'asc', 25, 0),
  ]);
  return { groups, overdue: await lessonProgressOf(training.db, course, overdue), updating };
}

/**
 * The team page's "by course" table when there are several courses: per course, the people in scope,
 * how many hold a completion still valid today, and how many are overdue or expired.
 */
export async function courseSummaries(training: Training, courses: readonly Course[], filter: ReportFilter) {
  const store = reportStore(training.db);
  return Promise.all(courses.map(async (course) => {
    const groups = await store.byDepartmentAndStatus({ ...filter, courseId: course.id });
    const total = groups.reduce((n, g) => n + g.n, 0);
    const compliant = groups.reduce((n, g) => n + g.compliant, 0);
    const late = groups.filter((g) => g.status === 'overdue' || g.status === 'expired').reduce((n, g) => n + g.n, 0);
    return { course, total, compliant, late, percent: total ? Math.round((100 * compliant) / total) : 0 };
  }));
}

/**
 * The team page's "policies" table: per published policy, the people in scope the rules oblige to sign
 * it, how many have signed the version that counts, and how many are overdue.
 */
export async function policySummaries(training: Training, policies: readonly { slug: string; title: string }[], filter: ReportFilter) {
  const store = reportStore(training.db);
  return Promise.all(policies.map(async (p) => {
    const groups = await store.byStatus({ ...filter, statuses: undefined, courseId: p.slug, targetType: 'policy' });
    const n = (s: TrainingStatus) => groups.find((g) => g.status === s)?.n ?? 0;
    const total = groups.reduce((sum, g) => sum + g.n, 0);
    return { ...p, total, signed: n('completed'), overdue: n('overdue'), percent: total ? Math.round((100 * n('completed')) / total) : 0 };
  }));
}

/** How many people a filter matches today. */
export function reportCount(training: Training, filter: ReportFilter): Promise<number> {
  return reportStore(training.db).count(filter);
}

/** Who recorded what, by id: the admins' e-mail addresses for the export's "recorded by" column. */
export function adminEmails(training: Training) {
  return exportStore(training.db).adminEmails();
}

/** Everyone in these departments, for a department's evidence pack. */
export function peopleInDepartments(training: Training, departmentIds: number[]): Promise<number[]> {
  return exportStore(training.db).userIdsInDepartments(departmentIds);
}
