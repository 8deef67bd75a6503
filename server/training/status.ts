import { addDays, daysBetween, formatDay, monthDayIn } from '../dates';
import type { ObligationStartKind } from '../db/schema';

export type AnnualRule = { mode: 'rolling' } | { mode: 'fixed'; monthDay: string };

export interface CyclePolicy {
  onboardingDays: number;
  annual: AnnualRule;
  /** The refresher opens this many days before its due date. */
  windowDays: number;
  /** Days after the due date before the training counts as lapsed. */
  graceDays: number;
  /** Rolling mode: a certificate is valid this many days after completion. */
  validityDays: number;
}

export type TrainingStatus = 'not-started' | 'in-progress' | 'completed' | 'due-soon' | 'overdue' | 'expired' | 'exempt';

export interface PastCompletion {
  completedOn: string;
}

/** The dates at which a person's status changes; the status on any day follows from these alone. */
export interface Thresholds {
  kind: 'onboarding' | 'annual';
  opensOn: string;
  /** Due date plus grace days: after this day the training is late. */
  graceUntil: string;
  /** Last day the last completion counts ("9999-12-31" while onboarding). */
  validUntil: string;
  started: boolean;
  /** An exemption's days (inclusive; until null: open-ended): the status is "exempt" then, whatever else holds. */
  exempt?: { from: string; until: string | null };
}

const NO_END = '9999-12-31';

/**
 * The status on a day. The reports compute the same rule in SQL (reports/status-sql.ts); a test
 * checks the two agree on every boundary.
 */
export function statusOn(th: Thresholds, today: string): TrainingStatus {
  if (th.exempt && today >= th.exempt.from && (th.exempt.until === null || today <= th.exempt.until)) return 'exempt';
  if (th.kind === 'onboarding') return today > th.graceUntil ? 'overdue' : th.started ? 'in-progress' : 'not-started';
  if (today < th.opensOn) return 'completed';
  if (today <= th.graceUntil) return th.started ? 'in-progress' : 'due-soon';
  return today > th.validUntil ? 'expired' : 'overdue';
}

export interface Assignment {
  /** "onboarding" or "annual-YYYY" (the due date's year). */
  cycle: string;
  kind: 'onboarding' | 'annual';
  dueOn: string;
  opensOn: string;
  status: TrainingStatus;
  /** Why the due date is what it is, in a sentence for the learner. */
  reason: string;
  /** The last counted completion and the date its certificate is valid until. */
  last?: { completedOn: string; validUntil: string };
  thresholds: Thresholds;
  /** The exemption the person holds, if any (the status is "exempt" while it lasts). */
  exemption?: ExemptionWindow;
  /** What the sentence is made from, so it can be said to someone else ("their"). */
  facts?: ReasonFacts;
}

/** Why an obligation began when it did (assignments/rules.ts ruleStartFor decides it). */
export interface ObligationStart {
  kind: ObligationStartKind;
  /** The first day of the obligation. */
  since: string;
  /** Days from `since` to the due date for a roll-out, a transfer or an exemption's end (hire uses the onboarding days). */
  rolloutDays: number;
  /** Who the training was rolled out to, or the audience joined, in words ("Nursing"). */
  group: string | null;
  hasHireDate: boolean;
}

export interface ExemptionWindow {
  from: string;
  until: string | null;
  reason: string;
}

/** A person obligated from their start, with no rules at all: the behaviour before assignments existed. */
export function hireStart(startOn: string, hasHireDate: boolean): ObligationStart {
  return { kind: 'hire', since: startOn, rolloutDays: 0, group: null, hasHireDate };
}

/** When the next annual refresher is due after a completion, and until when that completion is valid. */
export function nextAnnual(policy: CyclePolicy, completedOn: string): { dueOn: string; validUntil: string } {
  if (policy.annual.mode === 'rolling') {
    const validUntil = addDays(completedOn, policy.validityDays);
    return { dueOn: validUntil, validUntil };
  }
  // Fixed: the first organisation deadline whose window opens after the completion. A completion made
  // inside a deadline's window counts for that deadline, so a new hire trained in December is not asked
  // again in January.
  let year = Number(completedOn.slice(0, 4));
  let due = monthDayIn(year, policy.annual.monthDay);
  while (addDays(due, -policy.windowDays) <= completedOn) {
    year += 1;
    due = monthDayIn(year, policy.annual.monthDay);
  }
  return { dueOn: due, validUntil: addDays(due, policy.graceDays) };
}

/** Whose due date a sentence explains: the learner's own ("your") or someone else's, to their manager or an admin ("their"). */
export type Audience = 'your' | 'their';

/** What the due-date sentence is made from. */
export type ReasonFacts =
  | { kind: 'onboarding'; dueOn: string; hasHireDate: boolean }
  | { kind: 'annual'; dueOn: string; lastCompletedOn: string; /** Up to date: the date is the next one, not one to act on now. */ completed?: boolean }
  /** Roll-out to staff employed before it, joining an audience, or returning from an exemption: counted from `on`. */
  | (StartFacts & { kind: 'rollout' }) | (StartFacts & { kind: 'joined' }) | (StartFacts & { kind: 'returned' }) | (StartFacts & { kind: 'added' });

interface StartFacts { dueOn: string; on: string; days: number; group: string | null }

/** The sentence that tells why a due date is what it is, to the learner ("your") or to someone else ("their"). */
export function assignmentReason(policy: CyclePolicy, a: ReasonFacts, audience: Audience): string {
  if (a.kind === 'rollout' || a.kind === 'joined' || a.kind === 'returned' || a.kind === 'added') {
    const group = a.group ?? 'your organisation';
    if (a.kind === 'added') return `Due ${formatDay(a.dueOn)}: ${a.days} days after ${audience} record was added on ${formatDay(a.on)}, after this training was rolled out.`;
    if (a.kind === 'rollout') return `Due ${formatDay(a.dueOn)}: ${a.days} days after this training was rolled out to ${group} on ${formatDay(a.on)}.`;
    if (a.kind === 'joined') return `Due ${formatDay(a.dueOn)}: ${a.days} days after ${audience === 'your' ? 'you' : 'they'} joined ${group} on ${formatDay(a.on)}.`;
    return `Due ${formatDay(a.dueOn)}: ${a.days} days from ${formatDay(a.on)}, the day after ${audience} exemption ended.`;
  }
  if (a.kind === 'onboarding') return `Due ${formatDay(a.dueOn)}: ${policy.onboardingDays} days after ${audience} ${a.hasHireDate ? 'start date' : 'account was created'}.`;
  // A completed course's date is the next refresher's: "Due 1 Dec 2027" read as if something were due now.
  const due = a.completed ? 'Next due' : 'Due';
  return policy.annual.mode === 'fixed'
    ? `${due} ${formatDay(a.dueOn)}: ${audience} organisation's annual deadline.`
    : `${due} ${formatDay(a.dueOn)}: ${audience} certificate from ${formatDay(a.lastCompletedOn)} is valid for ${daysBetween(a.lastCompletedOn, a.dueOn)} days.`;
}

/** The reason facts for an obligation that did not start at hire, from its start. */
export function startReason(start: ObligationStart, dueOn: string): ReasonFacts {
  const facts: StartFacts = { dueOn, on: start.since, days: start.rolloutDays, group: start.group };
  if (start.kind === 'returned') return { ...facts, kind: 'returned' };
  if (start.kind === 'added') return { ...facts, kind: 'added' };
  return start.kind === 'joined' ? { ...facts, kind: 'joined' } : { ...facts, kind: 'rollout' };
}

/** The sentence for an exemption, to the person or to someone else. */
export function exemptionReason(e: ExemptionWindow, audience: Audience): string {
  const who = audience === 'your' ? 'You are' : 'They are';
  return e.until === null ? `Exempt: ${e.reason} ${who} exempt until an administrator ends it.` : `Exempt until ${formatDay(e.until)}: ${e.reason}`;
}

/**
 * The one place that decides a person's assignment for a course on a given day.
 * - No completion yet: due `onboardingDays` after the start date (hired into the obligation), or the
 *   roll-out days after the obligation began (employed before a rule started, moved into its audience,
 *   or an exemption ended); overdue after it (plus grace).
 * - Otherwise the annual cycle after the latest completion: completed until its window opens, then due soon
 *   (or in progress once started), and expired once past the due date plus grace. An obligation that
 *   began by roll-out, transfer or an exemption's end is never due sooner than its roll-out window:
 *   a certificate that lapsed years ago does not make anyone overdue on the first day.
 * - An exemption makes the status "exempt" while it lasts; the thresholds are those after it ends.
 * `startedInCycle` says whether the learner has begun this cycle's lessons or quiz.
 */
export function obligationAssignment(
  policy: CyclePolicy, today: string, start: ObligationStart, completions: PastCompletion[], startedInCycle: (cycle: string) => boolean, exemption?: ExemptionWindow,
): Assignment {
  const exempt = exemption ? { exempt: { from: exemption.from, until: exemption.until } } : {};
  const withExemption = (a: Assignment): Assignment => (exemption && a.status === 'exempt' ? { ...a, exemption, reason: exemptionReason(exemption, 'your') } : exemption ? { ...a, exemption } : a);
  const last = completions.reduce<PastCompletion | undefined>((a, c) => (!a || c.completedOn > a.completedOn ? c : a), undefined);
  const hire = start.kind === 'hire';
  const rolloutDue = addDays(start.since, hire ? policy.onboardingDays : start.rolloutDays);
  if (!last) {
    const dueOn = rolloutDue;
    const thresholds: Thresholds = { kind: 'onboarding', opensOn: start.since, graceUntil: addDays(dueOn, policy.graceDays), validUntil: NO_END, started: startedInCycle('onboarding'), ...exempt };
    const facts: ReasonFacts = hire ? { kind: 'onboarding', dueOn, hasHireDate: start.hasHireDate } : startReason(start, dueOn);
    return withExemption({
      cycle: 'onboarding', kind: 'onboarding', dueOn, opensOn: start.since, status: statusOn(thresholds, today), thresholds, facts,
      reason: assignmentReason(policy, facts, 'your'),
    });
  }
  const next = nextAnnual(policy, last.completedOn);
  const pushed = !hire && next.dueOn < rolloutDue;
  const dueOn = pushed ? rolloutDue : next.dueOn;
  const validUntil = next.validUntil;
  const opensOn = pushed && addDays(dueOn, -policy.windowDays) > start.since ? start.since : addDays(dueOn, -policy.windowDays);
  const cycle = `annual-${dueOn.slice(0, 4)}`;
  const thresholds: Thresholds = { kind: 'annual', opensOn, graceUntil: addDays(dueOn, policy.graceDays), validUntil, started: startedInCycle(cycle), ...exempt };
  const status = statusOn(thresholds, today);
  const facts: ReasonFacts = pushed ? startReason(start, dueOn) : { kind: 'annual', dueOn, lastCompletedOn: last.completedOn, completed: status === 'completed' };
  return withExemption({ cycle, kind: 'annual', dueOn, opensOn, status, facts, reason: assignmentReason(policy, facts, 'your'), thresholds, last: { completedOn: last.completedOn, validUntil } });
}

/** What a status-index row keeps of the due date's reason. */
export interface ReasonRow {
  kind: 'onboarding' | 'annual';
  due_on: string;
  last_completed_on: string | null;
  reason_kind: ObligationStartKind;
  reason_on: string | null;
  reason_group: string | null;
  reason_days: number | null;
  exempt_from: string | null;
  exempt_until: string | null;
  exempt_reason: string | null;
}

/** What the due-date sentence is made from, again from a status-index row. */
export function factsFromRow(row: ReasonRow, hasHireDate: boolean, status: TrainingStatus): ReasonFacts {
  if (row.reason_days !== null && row.reason_on !== null) {
    return startReason({ kind: row.reason_kind, since: row.reason_on, rolloutDays: row.reason_days, group: row.reason_group, hasHireDate }, row.due_on);
  }
  if (row.kind === 'onboarding' || row.last_completed_on === null) return { kind: 'onboarding', dueOn: row.due_on, hasHireDate };
  return { kind: 'annual', dueOn: row.due_on, lastCompletedOn: row.last_completed_on, completed: status === 'completed' };
}

/** The sentence for an assignment, to the person ("your") or to someone else ("their"): the exemption while it lasts, else why the due date is what it is. */
export function sentenceFor(policy: CyclePolicy, a: Pick<Assignment, 'status' | 'exemption' | 'facts'>, fallback: ReasonFacts, audience: Audience): string {
  if (a.status === 'exempt' && a.exemption) return exemptionReason(a.exemption, audience);
  return assignmentReason(policy, a.facts ?? fallback, audience);
}

/** obligationAssignment for a person obligated from their start (no assignment rules: every course to everyone). */
export function assignmentFor(
  policy: CyclePolicy, today: string, startOn: string, hasHireDate: boolean, completions: PastCompletion[], startedInCycle: (cycle: string) => boolean,
): Assignment {
  return obligationAssignment(policy, today, hireStart(startOn, hasHireDate), completions, startedInCycle);
}

export const STATUS_LABEL: Record<TrainingStatus, string> = {
  'not-started': 'Not started',
  'in-progress': 'In progress',
  completed: 'Completed',
  'due-soon': 'Due soon',
  overdue: 'Overdue',
  expired: 'Expired',
  exempt: 'Exempt',
};
