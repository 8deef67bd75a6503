import { addDays, daysBetween } from '../dates';
import { statusOn, type Thresholds, type TrainingStatus } from '../training/status';
import type { Stage, StageSettings } from './stages';

/**
 * The planner: PURE. Given people's obligations as the status index holds them, the stage settings and
 * a moment (a calendar day and an hour in the organisation's zone), it says which messages are due then,
 * each under a deterministic key. The outbox inserts a key once (on conflict do nothing), so planning the
 * same day any number of times, or on later days inside the same window, creates each message once.
 *
 * Every stage of an obligation owns a window of days; the message of the window holding today is
 * planned, and only that one. A day the scheduler missed is caught up on the next run, and a reminder
 * whose window has passed is never sent late (no "due in 14 days" three days before the due date).
 */

/** One obligation of a person, as a status-index row has it (the status on any day follows from the thresholds). */
export interface PlanObligation {
  targetType: 'course' | 'policy';
  targetId: string;
  /** The course or policy title, for the message. */
  title: string;
  cycle: string;
  kind: 'onboarding' | 'annual';
  dueOn: string;
  thresholds: Thresholds;
  /** Why the due date is what it is, to the person ("your"). */
  reason: string;
  lastCompletedOn: string | null;
  certificateCode: string | null;
}

export interface PlanPerson {
  id: number;
  name: string;
  email: string;
  manager: { id: number; name: string; email: string } | null;
  /** The person chose one weekly summary instead of individual reminders. */
  weeklySummary: boolean;
  obligations: readonly PlanObligation[];
}

/** A moment in the organisation's time zone. */
export interface PlanMoment {
  day: string;
  hour: number;
}

/** What a reminder is about, for its template. */
export interface ObligationFacts {
  title: string;
  targetType: 'course' | 'policy';
  targetId: string;
  dueOn: string;
  reason: string;
  status: TrainingStatus;
  /** Days from today to the due date (negative once past it). */
  daysLeft: number;
}

export type MessageFacts =
  | { stage: 'due-soon' | 'due-today' | 'refresher-open'; person: { name: string }; obligation: ObligationFacts }
  | { stage: 'overdue' | 'escalation'; person: { name: string }; obligation: ObligationFacts; reminder: number }
  | { stage: 'certificate-issued'; person: { name: string }; obligation: ObligationFacts; certificateCode: string; completedOn: string }
  | { stage: 'summary'; person: { name: string }; obligations: ObligationFacts[] }
  | { stage: 'digest'; person: { name: string }; rows: DigestRow[] }
  | { stage: 'invitation'; person: { name: string; email: string }; link: string }
  | { stage: 'password-reset'; person: { name: string }; link: string; forgotLink: string }
  /** until: the end of the pause, already in words in the organisation's time zone. */
  | { stage: 'lockout'; person: { name: string }; failures: number; until: string; forgotLink: string };

export interface DigestRow {
  name: string;
  userId: number;
  title: string;
  dueOn: string;
  group: 'overdue' | 'due-soon' | 'in-progress';
}

export interface PlannedMessage {
  key: string;
  stage: Stage;
  userId: number | null;
  to: string;
  cc: string[];
  facts: MessageFacts;
}

/** Statuses in which the person still has something to do. */
const OPEN: ReadonlySet<TrainingStatus> = new Set(['not-started', 'in-progress', 'due-soon', 'overdue', 'expired']);
const LATE: ReadonlySet<TrainingStatus> = new Set(['overdue', 'expired']);
/** A certificate is announced within this many days of the completion (not for old ones when e-mail is first turned on). */
export const CERTIFICATE_WINDOW_DAYS = 7;

export function insideSendHours(s: StageSettings, at: PlanMoment): boolean {
  return at.hour >= s.sendFrom && at.hour < s.sendUntil;
}

/** ISO-8601 week of a calendar day, as "2026-W49". */
export function isoWeek(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const weekday = d.getUTCDay() || 7;
  // The Thursday of this week decides its year.
  const thursday = new Date(d.getTime() + (4 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** ISO weekday of a calendar day: 1 Monday … 7 Sunday. */
export function isoWeekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
}

/** The weekly messages go out on their weekday, or on a later day of the same week if that run was missed. */
function weeklyWindow(s: StageSettings, day: string): boolean {
  return isoWeekday(day) >= s.digestWeekday;
}

function factsOf(o: PlanObligation, status: TrainingStatus, day: string): ObligationFacts {
  return { title: o.title, targetType: o.targetType, targetId: o.targetId, dueOn: o.dueOn, reason: o.reason, status, daysLeft: daysBetween(day, o.dueOn) };
}

const obligationKey = (stage: Stage, userId: number, o: PlanObligation) => `${stage}:${userId}:${o.targetType}:${o.targetId}:${o.cycle}`;

/**
 * The reminders before the due date, in the order they come: the refresher window opening, each
 * reminder from the farthest to the nearest offset, the due day. Today's is the last one that has begun;
 * a refresher window opening after the first reminder has begun is left to that reminder.
 */
function currentPreDue(s: StageSettings, o: PlanObligation, day: string): { stage: 'refresher-open' | 'due-soon' | 'due-today'; days?: number } | undefined {
  const order: { stage: 'refresher-open' | 'due-soon' | 'due-today'; from: string; days?: number }[] = [];
  if (s.refresherOpen && o.kind === 'annual') order.push({ stage: 'refresher-open', from: o.thresholds.opensOn });
  if (s.dueSoon) for (const days of s.dueSoonDays) order.push({ stage: 'due-soon', from: addDays(o.dueOn, -days), days });
  if (s.dueToday) order.push({ stage: 'due-today', from: o.dueOn });
  let current: (typeof order)[number] | undefined;
  for (const st of order) if (st.from <= day) current = st;
  return current;
}

/** The individual message for one obligation on a day, if one is due. */
function obligationMessage(s: StageSettings, p: PlanPerson, o: PlanObligation, day: string): PlannedMessage | undefined {
  const status = statusOn(o.thresholds, day);
  const facts = factsOf(o, status, day);
  const person = { name: p.name };
  if (LATE.has(status)) {
    if (!s.overdue) return undefined;
    const firstLate = addDays(o.thresholds.graceUntil, 1);
    const n = Math.floor(daysBetween(firstLate, day) / s.overdueEveryDays) + 1;
    if (n < 1 || n > s.overdueMax) return undefined;
    const escalate = s.escalation && p.manager !== null && n >= s.escalateFrom;
    const stage = escalate ? 'escalation' : 'overdue';
    if (p.weeklySummary && !escalate) return undefined;
    return {
      key: `${obligationKey(stage, p.id, o)}:${n}`, stage, userId: p.id, to: p.email, cc: escalate ? [p.manager!.email] : [],
      facts: { stage, person, obligation: facts, reminder: n },
    };
  }
  if (!OPEN.has(status) || p.weeklySummary) return undefined;
  const current = currentPreDue(s, o, day);
  if (!current) return undefined;
  const key = current.stage === 'due-soon' ? `${obligationKey('due-soon', p.id, o)}:${current.days}` : obligationKey(current.stage, p.id, o);
  return { key, stage: current.stage, userId: p.id, to: p.email, cc: [], facts: { stage: current.stage, person, obligation: facts } };
}

function certificateMessage(s: StageSettings, p: PlanPerson, o: PlanObligation, day: string): PlannedMessage | undefined {
  if (!s.certificateIssued || o.certificateCode === null || o.lastCompletedOn === null) return undefined;
  const age = daysBetween(o.lastCompletedOn, day);
  if (age < 0 || age >= CERTIFICATE_WINDOW_DAYS) return undefined;
  return {
    key: `certificate-issued:${p.id}:${o.targetType}:${o.targetId}:${o.certificateCode}`, stage: 'certificate-issued', userId: p.id, to: p.email, cc: [],
    facts: { stage: 'certificate-issued', person: { name: p.name }, obligation: factsOf(o, statusOn(o.thresholds, day), day), certificateCode: o.certificateCode, completedOn: o.lastCompletedOn },
  };
}

/** The weekly summary of a person who chose it: every obligation still open, once a week. */
function summaryMessage(s: StageSettings, p: PlanPerson, day: string): PlannedMessage | undefined {
  if (!p.weeklySummary || !weeklyWindow(s, day)) return undefined;
  const open = p.obligations.map((o) => ({ o, status: statusOn(o.thresholds, day) }))
    .filter(({ o, status }) => OPEN.has(status) && dueSoonOrLate(s, o, status, day));
  if (open.length === 0) return undefined;
  return {
    key: `summary:${p.id}:${isoWeek(day)}`, stage: 'summary', userId: p.id, to: p.email, cc: [],
    facts: { stage: 'summary', person: { name: p.name }, obligations: open.map(({ o, status }) => factsOf(o, status, day)) },
  };
}

/** Whether an open obligation is worth a line: late, or due within the farthest reminder (or its refresher window is open). */
function dueSoonOrLate(s: StageSettings, o: PlanObligation, status: TrainingStatus, day: string): boolean {
  if (LATE.has(status)) return true;
  const horizon = Math.max(0, ...s.dueSoonDays);
  return daysBetween(day, o.dueOn) <= horizon || (o.kind === 'annual' && day >= o.thresholds.opensOn);
}

/** The messages due for one person at a moment (never outside the send hours). */
export function planPerson(s: StageSettings, p: PlanPerson, at: PlanMoment): PlannedMessage[] {
  if (!insideSendHours(s, at)) return [];
  const out: PlannedMessage[] = [];
  for (const o of p.obligations) {
    const m = obligationMessage(s, p, o, at.day);
    if (m) out.push(m);
    const c = certificateMessage(s, p, o, at.day);
    if (c) out.push(c);
  }
  const summary = summaryMessage(s, p, at.day);
  if (summary) out.push(summary);
  return out;
}

/**
 * A manager's weekly digest: the people in their scope who are overdue, due soon or in progress,
 * once a week (nothing when nobody is).
 */
export function planDigest(s: StageSettings, manager: { id: number; name: string; email: string }, people: readonly PlanPerson[], at: PlanMoment): PlannedMessage | undefined {
  if (!s.digest || !insideSendHours(s, at) || !weeklyWindow(s, at.day)) return undefined;
  const rows: DigestRow[] = [];
  for (const p of people) {
    for (const o of p.obligations) {
      const status = statusOn(o.thresholds, at.day);
      const group = LATE.has(status) ? 'overdue' : status === 'in-progress' ? 'in-progress' : OPEN.has(status) && dueSoonOrLate(s, o, status, at.day) ? 'due-soon' : undefined;
      if (group) rows.push({ name: p.name, userId: p.id, title: o.title, dueOn: o.dueOn, group });
    }
  }
  if (rows.length === 0) return undefined;
  return {
    key: `digest:${manager.id}:${isoWeek(at.day)}`, stage: 'digest', userId: manager.id, to: manager.email, cc: [],
    facts: { stage: 'digest', person: { name: manager.name }, rows },
  };
}

/** The invitation of a new person, with their set-password link (planned when the link is issued). */
export function planInvitation(s: StageSettings, person: { id: number; name: string; email: string }, link: string): PlannedMessage | undefined {
  if (!s.invitation) return undefined;
  return {
    key: `invitation:${person.id}`, stage: 'invitation', userId: person.id, to: person.email, cc: [],
    facts: { stage: 'invitation', person: { name: person.name, email: person.email }, link },
  };
}
