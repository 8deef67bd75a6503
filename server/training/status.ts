import { addDays, daysBetween, formatDay, monthDayIn } from '../dates';

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

export type TrainingStatus = 'not-started' | 'in-progress' | 'completed' | 'due-soon' | 'overdue' | 'expired';

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
}

const NO_END = '9999-12-31';

/**
 * The status on a day. The reports compute the same rule in SQL (reports/status-sql.ts); a test
 * checks the two agree on every boundary.
 */
export function statusOn(th: Thresholds, today: string): TrainingStatus {
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
  | { kind: 'annual'; dueOn: string; lastCompletedOn: string; /** Up to date: the date is the next one, not one to act on now. */ completed?: boolean };

/** The sentence that tells why a due date is what it is, to the learner ("your") or to someone else ("their"). */
export function assignmentReason(policy: CyclePolicy, a: ReasonFacts, audience: Audience): string {
  if (a.kind === 'onboarding') return `Due ${formatDay(a.dueOn)}: ${policy.onboardingDays} days after ${audience} ${a.hasHireDate ? 'start date' : 'account was created'}.`;
  // A completed course's date is the next refresher's: "Due 1 Dec 2027" read as if something were due now.
  const due = a.completed ? 'Next due' : 'Due';
  return policy.annual.mode === 'fixed'
    ? `${due} ${formatDay(a.dueOn)}: ${audience} organisation's annual deadline.`
    : `${due} ${formatDay(a.dueOn)}: ${audience} certificate from ${formatDay(a.lastCompletedOn)} is valid for ${daysBetween(a.lastCompletedOn, a.dueOn)} days.`;
}

/**
 * The one place that decides a person's assignment for a course on a given day.
 * - No completion yet: the onboarding cycle, due `onboardingDays` after the start date; overdue after it (plus grace).
 * - Otherwise the annual cycle after the latest completion: completed until its window opens, then due soon
 *   (or in progress once started), and expired once past the due date plus grace.
 * `startedInCycle` says whether the learner has begun this cycle's lessons or quiz.
 */
export function assignmentFor(
  policy: CyclePolicy, today: string, startOn: string, hasHireDate: boolean, completions: PastCompletion[], startedInCycle: (cycle: string) => boolean,
): Assignment {
  const last = completions.reduce<PastCompletion | undefined>((a, c) => (!a || c.completedOn > a.completedOn ? c : a), undefined);
  if (!last) {
    const dueOn = addDays(startOn, policy.onboardingDays);
    const thresholds: Thresholds = { kind: 'onboarding', opensOn: startOn, graceUntil: addDays(dueOn, policy.graceDays), validUntil: NO_END, started: startedInCycle('onboarding') };
    return {
      cycle: 'onboarding', kind: 'onboarding', dueOn, opensOn: startOn, status: statusOn(thresholds, today), thresholds,
      reason: assignmentReason(policy, { kind: 'onboarding', dueOn, hasHireDate }, 'your'),
    };
  }
  const { dueOn, validUntil } = nextAnnual(policy, last.completedOn);
  const opensOn = addDays(dueOn, -policy.windowDays);
  const cycle = `annual-${dueOn.slice(0, 4)}`;
  const thresholds: Thresholds = { kind: 'annual', opensOn, graceUntil: addDays(dueOn, policy.graceDays), validUntil, started: startedInCycle(cycle) };
  const status = statusOn(thresholds, today);
  const reason = assignmentReason(policy, { kind: 'annual', dueOn, lastCompletedOn: last.completedOn, completed: status === 'completed' }, 'your');
  return { cycle, kind: 'annual', dueOn, opensOn, status, reason, thresholds, last: { completedOn: last.completedOn, validUntil } };
}

export const STATUS_LABEL: Record<TrainingStatus, string> = {
  'not-started': 'Not started',
  'in-progress': 'In progress',
  completed: 'Completed',
  'due-soon': 'Due soon',
  overdue: 'Overdue',
  expired: 'Expired',
};
