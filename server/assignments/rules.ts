import { addDays } from '../dates';
import type { ObligationStartKind, Role } from '../db/schema';

// The pure part of assignments: which rules match a person on a day, and since when. No database, no
// clock: the status index, the person page, the preview and the as-of report all call these.

export type TargetRef = { type: 'course'; id: string } | { type: 'policy'; id: string };

export interface Audience {
  everyone: boolean;
  /** Each with its sub-departments. */
  departmentIds: number[];
  roles: Role[];
  jobCodes: string[];
}

export interface AssignmentRule {
  id: number;
  target: TargetRef;
  audience: Audience;
  startsOn: string;
  rolloutDays: number;
  /** Last day the rule applies; null: open-ended. */
  endsOn: string | null;
  name: string;
  /** When the rule was made (ISO time): the as-of report leaves out rules made after its day. */
  createdAt?: string;
}

/** One thing a person must do, with when and why (the seam other features read). */
export interface Obligation {
  assignmentIds: number[];
  target: TargetRef;
  /** The day this person became obligated (rule start, hire, the day they joined the audience, or an exemption's end). */
  since: string;
  dueOn: string;
  reason: string;
  exemption?: { reason: string; until: string | null; approvedBy: string };
}

export interface PersonFacts {
  departmentId: number | null;
  role: Role;
  jobCode: string | null;
}

/** The person's facts from a day on; the first period starts at BEGINNING. */
export interface PersonPeriod {
  from: string;
  facts: PersonFacts;
}

export const BEGINNING = '0000-01-01';

/** Department id → parent id, for "with sub-departments". */
export type DepartmentParents = ReadonlyMap<number, number | null>;

export function sameTarget(a: TargetRef, b: TargetRef): boolean {
  return a.type === b.type && a.id === b.id;
}

export function targetKey(t: TargetRef): string {
  return `${t.type}:${t.id}`;
}

/** The audience stored as JSON text; anything malformed matches nobody rather than everyone. */
export function parseAudience(json: string): Audience {
  const none: Audience = { everyone: false, departmentIds: [], roles: [], jobCodes: [] };
  try {
    const v = JSON.parse(json) as Partial<Audience>;
    return {
      everyone: v.everyone === true,
      departmentIds: Array.isArray(v.departmentIds) ? v.departmentIds.filter((x): x is number => Number.isInteger(x)) : [],
      roles: Array.isArray(v.roles) ? v.roles.filter((x): x is Role => typeof x === 'string') : [],
      jobCodes: Array.isArray(v.jobCodes) ? v.jobCodes.filter((x): x is string => typeof x === 'string') : [],
    };
  } catch {
    return none;
  }
}

function inDepartments(departmentId: number | null, wanted: readonly number[], parents: DepartmentParents): boolean {
  const seen = new Set<number>();
  for (let d = departmentId; d !== null && d !== undefined && !seen.has(d); d = parents.get(d) ?? null) {
    if (wanted.includes(d)) return true;
    seen.add(d);
  }
  return false;
}

/**
 * Whether a person with these facts is in the audience. Everyone matches "everyone"; otherwise each
 * criterion given must hold (departments with their sub-departments, roles, job codes; job codes
 * compared without case), so "Nursing" and "learner" means learners in Nursing.
 */
export function matches(audience: Audience, facts: PersonFacts, parents: DepartmentParents): boolean {
  if (audience.everyone) return true;
  const given = audience.departmentIds.length + audience.roles.length + audience.jobCodes.length;
  if (given === 0) return false;
  if (audience.departmentIds.length && !inDepartments(facts.departmentId, audience.departmentIds, parents)) return false;
  if (audience.roles.length && !audience.roles.includes(facts.role)) return false;
  if (audience.jobCodes.length) {
    const code = facts.jobCode?.toLowerCase();
    if (!code || !audience.jobCodes.some((j) => j.toLowerCase() === code)) return false;
  }
  return true;
}

/** Why and since when one rule obligates a person on a day. */
export interface RuleStart {
  ruleId: number;
  kind: ObligationStartKind;
  since: string;
  /** Days from `since` to the due date when nothing was completed: onboarding days for a hire, the rule's roll-out days otherwise. */
  rolloutDays: number;
}

/**
 * Whether `rule` obligates the person on `onDay`, and why:
 * - hired on or after the rule's start (and in its audience from the start of employment): "hire";
 * - employed before the start and in the audience then: "rollout", since the start;
 * - joined the audience later (a transfer, a new role or job code): "joined", since that day.
 * Undefined when the rule has not started, has ended, the person has not started work, or is not in
 * the audience on that day.
 */
export function ruleStartFor(rule: AssignmentRule, periods: readonly PersonPeriod[], personStart: string, onDay: string, parents: DepartmentParents): RuleStart | undefined {
  if (onDay < rule.startsOn || (rule.endsOn !== null && onDay > rule.endsOn) || onDay < personStart) return undefined;
  // The periods up to onDay, newest first: walk back while the person stays in the audience.
  const upTo = periods.filter((p) => p.from <= onDay).sort((a, b) => (a.from < b.from ? 1 : -1));
  if (upTo.length === 0 || !matches(rule.audience, upTo[0]!.facts, parents)) return undefined;
  let joined = upTo[0]!.from;
  for (const p of upTo.slice(1)) {
    if (!matches(rule.audience, p.facts, parents)) break;
    joined = p.from;
  }
  if (joined <= personStart && personStart >= rule.startsOn) return { ruleId: rule.id, kind: 'hire', since: personStart, rolloutDays: rule.rolloutDays };
  if (joined <= rule.startsOn && personStart < rule.startsOn) return { ruleId: rule.id, kind: 'rollout', since: rule.startsOn, rolloutDays: rule.rolloutDays };
  return { ruleId: rule.id, kind: 'joined', since: joined, rolloutDays: rule.rolloutDays };
}

/**
 * The first day after `onDay` on which a rule starts or ends for anyone: on that day obligations can
 * change without any write, so the status index is brought up to date then (status_recheck).
 */
export function nextRuleChange(rules: readonly AssignmentRule[], onDay: string): string | undefined {
  let next: string | undefined;
  for (const r of rules) {
    for (const d of [r.startsOn, r.endsOn === null ? undefined : addDays(r.endsOn, 1)]) {
      if (d !== undefined && d > onDay && (next === undefined || d < next)) next = d;
    }
  }
  return next;
}

const list = (xs: string[], joiner: string): string => (xs.length <= 1 ? xs[0] ?? '' : `${xs.slice(0, -1).join(', ')} ${joiner} ${xs.at(-1)!}`);

/** The audience in words, for the roll-out sentence: "Nursing", "managers in Nursing and Pharmacy", "staff with job code RN2". */
export function audienceWords(a: Audience, departmentName: (id: number) => string | undefined): string {
  if (a.everyone) return 'everyone';
  const depts = list(a.departmentIds.map((id) => departmentName(id) ?? `department ${id}`), 'and');
  const roles = list(a.roles.map((r) => `${r}s`), 'and');
  let words = roles || depts || 'staff';
  if (roles && depts) words += ` in ${depts}`;
  if (a.jobCodes.length) words = `${words === depts ? `${depts} staff` : words} with job code ${list(a.jobCodes, 'or')}`;
  return words;
}

/** A person's periods: their history rows, or their current facts since the beginning when they have none. */
export function periodsOf(history: readonly { effective_on: string; department_id: number | null; role: PersonFacts['role']; job_code: string | null }[], current: PersonFacts): PersonPeriod[] {
  if (history.length === 0) return [{ from: BEGINNING, facts: current }];
  return [...history].sort((a, b) => (a.effective_on < b.effective_on ? -1 : a.effective_on > b.effective_on ? 1 : 0))
    .map((h) => ({ from: h.effective_on, facts: { departmentId: h.department_id, role: h.role, jobCode: h.job_code } }));
}
