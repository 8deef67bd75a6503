import type { Kysely } from 'kysely';
import type { DB, Exemption, PersonHistoryRow, Role } from '../db/schema';
import type { PersonObligationFacts, RuleBook } from './obligations';
import { periodsOf } from './rules';
import { assignmentStore } from './store';

function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** The organisation's rules as the obligation function reads them, loaded once per refresh or page. */
export async function loadRuleBook(db: Kysely<DB>, courseIds: readonly string[], onboardingDays: number): Promise<RuleBook> {
  const store = assignmentStore(db);
  const [rules, departments, policyIds] = await Promise.all([store.rules(), store.departments(), store.publishedPolicySlugs()]);
  const names = new Map(departments.map((d) => [d.id, d.name]));
  return {
    rules, defaultCourseIds: courseIds, defaultPolicyIds: policyIds, onboardingDays,
    parents: new Map(departments.map((d) => [d.id, d.parent_id])),
    departmentName: (id) => names.get(id),
  };
}

export interface PersonRow {
  id: number;
  hire_date: string | null;
  created_at: string;
  department_id: number | null;
  role: Role;
  job_code: string | null;
}

/** The facts the obligation function reads for each of these people, from their history and exemptions. */
export async function personFacts(db: Kysely<DB>, people: readonly PersonRow[], dayOf: (iso: string) => string): Promise<Map<number, PersonObligationFacts>> {
  const ids = people.map((p) => p.id);
  const store = assignmentStore(db);
  const [history, exemptions] = await Promise.all([store.historyOf(ids), store.exemptionsOf(ids)]);
  const historyBy = groupBy<PersonHistoryRow>(history, (h) => h.user_id);
  const exemptionsBy = groupBy<Exemption>(exemptions, (e) => e.user_id);
  return new Map(people.map((p) => [p.id, {
    startOn: p.hire_date ?? dayOf(p.created_at), addedOn: dayOf(p.created_at), hasHireDate: p.hire_date !== null,
    periods: periodsOf(historyBy.get(p.id) ?? [], { departmentId: p.department_id, role: p.role, jobCode: p.job_code }),
    exemptions: (exemptionsBy.get(p.id) ?? []).map((e) => ({ id: e.id, assignmentId: e.assignment_id, reason: e.reason, startsOn: e.starts_on, until: e.until, approverName: e.approver_name })),
  }]));
}
