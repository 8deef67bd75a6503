import { addDays, formatDay } from '../dates';
import type { PersonObligation } from '../assignments/obligations';
import { exemptionReason, statusOn, type Thresholds, type TrainingStatus } from '../training/status';

// When a person must sign a policy, and the sentence that says why. Whether they must sign it at all
// is the assignment rules' answer (Training.personObligations: with no rules, every published policy
// to everyone; once rules exist, the rules that name the policy). The date counts from the later of
// the day the obligation began and the day the version they must sign was published: a material change
// gives everyone who signed before a fresh window, as a roll-out does.

/** A person's obligation to sign a policy: the version, its due date and why. */
export interface PolicyObligation {
  assignmentIds: number[];
  target: { type: 'policy'; id: string };
  since: string;
  dueOn: string;
  reason: string;
  exemption?: { from: string; until: string | null; reason: string; id: number };
}

/** What the due date needs to know about a policy: its slug and the version a person must sign now. */
export interface RequiredVersion {
  slug: string;
  label: string;
  /** The day (organisation time zone) the version to sign was published: a material change or the first version. */
  publishedOn: string;
}

export interface DueSettings {
  onboardingDays: number;
  graceDays: number;
}

/** The due date of a policy obligation, with the sentence that explains it to the person ("your") or to others ("their"). */
export function policyObligation(o: PersonObligation, required: RequiredVersion, s: DueSettings, audience: 'your' | 'their' = 'your'): PolicyObligation {
  const hire = o.start.kind === 'hire';
  const days = hire ? s.onboardingDays : o.start.rolloutDays;
  const afterVersion = required.publishedOn > o.start.since;
  const since = afterVersion ? required.publishedOn : o.start.since;
  const dueOn = addDays(since, days);
  const due = `Due ${formatDay(dueOn)}: ${days} days after`;
  const who = audience === 'your' ? 'you' : 'they';
  const reason = afterVersion
    ? `${due} version ${required.label} was published on ${formatDay(required.publishedOn)}.`
    : hire ? `${due} ${audience} ${o.start.hasHireDate ? 'start date' : 'account was created'}.`
      : o.start.kind === 'rollout' ? `${due} this policy was rolled out to ${o.start.group ?? 'your organisation'} on ${formatDay(since)}.`
        : o.start.kind === 'added' ? `${due} ${audience} record was added on ${formatDay(since)}, after this policy was rolled out.`
        : o.start.kind === 'joined' ? `${due} ${who} joined ${o.start.group ?? 'your organisation'} on ${formatDay(since)}.`
          : `Due ${formatDay(dueOn)}: ${days} days from ${formatDay(since)}, the day after ${audience} exemption ended.`;
  const exemption = o.exemption ? { exemption: { from: o.exemption.from, until: o.exemption.until, reason: o.exemption.reason, id: o.exemption.id } } : {};
  return { assignmentIds: o.assignmentIds, target: { type: 'policy', id: required.slug }, since, dueOn, reason, ...exemption };
}

/**
 * The thresholds of a policy obligation, so the one status function (and its SQL twin) reads it as it
 * reads a course: signed → completed (until a material change, which refreshes every row); else not
 * started, in progress once the page was opened, overdue after the due date plus grace; exempt while
 * an exemption lasts.
 */
export function policyThresholds(p: PolicyObligation, signed: boolean, opened: boolean, s: DueSettings): Thresholds {
  const NEVER = '9999-12-31';
  const exempt = p.exemption ? { exempt: { from: p.exemption.from, until: p.exemption.until } } : {};
  return signed
    ? { kind: 'annual', opensOn: NEVER, graceUntil: NEVER, validUntil: NEVER, started: true, ...exempt }
    : { kind: 'onboarding', opensOn: p.since, graceUntil: addDays(p.dueOn, s.graceDays), validUntil: NEVER, started: opened, ...exempt };
}

/** The status on a day, and the sentence for it (the exemption's while it lasts). */
export function policyStatus(p: PolicyObligation, signed: boolean, opened: boolean, s: DueSettings, today: string, audience: 'your' | 'their' = 'your'): { status: TrainingStatus; reason: string } {
  const status = statusOn(policyThresholds(p, signed, opened, s), today);
  return { status, reason: status === 'exempt' && p.exemption ? exemptionReason(p.exemption, audience) : p.reason };
}
