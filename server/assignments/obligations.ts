import { addDays } from '../dates';
import {
  audienceWords, ruleStartFor, targetKey, type AssignmentRule, type DepartmentParents, type PersonPeriod, type RuleStart, type TargetRef,
} from './rules';
import type { ExemptionWindow, ObligationStart } from '../training/status';

/** An exemption as the obligation rules read it. */
export interface ExemptionFacts {
  id: number;
  assignmentId: number;
  reason: string;
  startsOn: string;
  until: string | null;
  approverName: string;
}

/** Everything about a person the obligation rules read. */
export interface PersonObligationFacts {
  /** Hire date, else the day the account was created. */
  startOn: string;
  /** The day the person's record was added (account created, e.g. by an import). */
  addedOn: string;
  hasHireDate: boolean;
  periods: readonly PersonPeriod[];
  exemptions: readonly ExemptionFacts[];
}

/** What the organisation's rules are, with what the sentences name. */
export interface RuleBook {
  rules: readonly AssignmentRule[];
  /** With no rules at all, every course to everyone from their start (the behaviour before assignments). */
  defaultCourseIds: readonly string[];
  /**
   * With no rules at all, every published policy to everyone too. Once any rule exists only rules
   * assign, courses and policies alike: a first rule never leaves a second course (or a policy) due from
   * everyone's hire date, which is the day-one-overdue report issue 16 set out to end.
   */
  defaultPolicyIds: readonly string[];
  parents: DepartmentParents;
  departmentName(id: number): string | undefined;
  onboardingDays: number;
}

/** One target a person is obligated to on a day: why, since when, by which rules, and any exemption. */
export interface PersonObligation {
  target: TargetRef;
  start: ObligationStart;
  assignmentIds: number[];
  assignmentNames: string[];
  exemption?: ExemptionWindow & { id: number; approverName: string };
}

interface Candidate {
  rule: AssignmentRule;
  start: ObligationStart;
  exemption?: ExemptionWindow & { id: number; approverName: string };
}

function candidateFor(rule: AssignmentRule, rs: RuleStart, person: PersonObligationFacts, book: RuleBook, onDay: string): Candidate {
  const group = rs.kind === 'hire' ? null : audienceWords(rule.audience, (id) => book.departmentName(id));
  let start: ObligationStart = { kind: rs.kind, since: rs.since, rolloutDays: rs.rolloutDays, group, hasHireDate: person.hasHireDate };
  // Nobody's window starts before their record exists: someone imported after the roll-out with a hire
  // date from 2010 (or a new hire entered weeks late) gets the full window from the day they were added,
  // never an obligation already overdue on their first day in the system.
  if (person.addedOn > rs.since) {
    start = { kind: 'added', since: person.addedOn, rolloutDays: rs.kind === 'hire' ? book.onboardingDays : rs.rolloutDays, group, hasHireDate: person.hasHireDate };
  }
  const mine = person.exemptions.filter((e) => e.assignmentId === rule.id && e.startsOn <= onDay && (e.until === null || e.until >= rs.since));
  const covering = mine.find((e) => e.until === null || e.until >= onDay);
  // The latest exemption that ended: the obligation came back the day after, with a fresh due date.
  const ended = mine.filter((e) => e.until !== null && e.until < onDay).sort((a, b) => (a.until! < b.until! ? 1 : -1))[0];
  const returnFrom = covering?.until ?? ended?.until;
  if (returnFrom) start = { kind: 'returned', since: addDays(returnFrom, 1), rolloutDays: rule.rolloutDays, group: null, hasHireDate: person.hasHireDate };
  if (!covering) return { rule, start };
  return { rule, start, exemption: { id: covering.id, from: covering.startsOn, until: covering.until, reason: covering.reason, approverName: covering.approverName } };
}

/**
 * The targets a person is obligated to on `onDay`: the union of the rules that match them then. When
 * several rules name the same target, the one that makes it due first decides (an exempted rule only
 * if every matching rule is exempted); all of them are listed.
 */
export function obligationsOn(book: RuleBook, person: PersonObligationFacts, onDay: string): PersonObligation[] {
  if (onDay < person.startOn) return [];
  if (book.rules.length === 0) {
    const targets: TargetRef[] = [
      ...book.defaultCourseIds.map((id): TargetRef => ({ type: 'course', id })),
      ...book.defaultPolicyIds.map((id): TargetRef => ({ type: 'policy', id })),
    ];
    return targets.map((target) => ({
      target, assignmentIds: [], assignmentNames: [],
      start: { kind: 'hire', since: person.startOn, rolloutDays: 0, group: null, hasHireDate: person.hasHireDate },
    }));
  }
  const byTarget = new Map<string, Candidate[]>();
  for (const rule of book.rules) {
    const rs = ruleStartFor(rule, person.periods, person.startOn, onDay, book.parents);
    if (!rs) continue;
    const c = candidateFor(rule, rs, person, book, onDay);
    const key = targetKey(rule.target);
    byTarget.set(key, [...(byTarget.get(key) ?? []), c]);
  }
  const dueOf = (c: Candidate) => addDays(c.start.since, c.start.kind === 'hire' ? book.onboardingDays : c.start.rolloutDays);
  const out: PersonObligation[] = [];
  for (const list of byTarget.values()) {
    const open = list.filter((c) => !c.exemption);
    const pool = open.length ? open : list;
    const chosen = pool.reduce((a, c) => (dueOf(c) < dueOf(a) || (dueOf(c) === dueOf(a) && c.rule.id < a.rule.id) ? c : a));
    const sorted = [...list].sort((a, b) => a.rule.id - b.rule.id);
    out.push({
      target: chosen.rule.target, start: chosen.start, assignmentIds: sorted.map((c) => c.rule.id), assignmentNames: sorted.map((c) => c.rule.name),
      ...(chosen.exemption ? { exemption: chosen.exemption } : {}),
    });
  }
  return out;
}
