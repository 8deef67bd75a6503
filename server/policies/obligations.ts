import { addDays, formatDay } from '../dates';

// THE ADAPTER to issue 16's obligations seam (see s16-design.md "The seam: obligations"). Until the
// assignments service (server/assignments/, s16-core) lands, every active person is obligated to every
// published policy, due like onboarding: `onboardingDays` after the later of their start and the day
// the version they must sign was published. At merge this file is the one to swap: obligationsOf(userId,
// day) filtered to `target.type === 'policy'` gives the Obligation below, and peopleObligatedTo(target,
// day) replaces isObligated.

export type TargetRef = { type: 'course'; id: string } | { type: 'policy'; id: string };

/** The shape core's Obligation has, for a policy target. */
export interface PolicyObligation {
  assignmentIds: number[];
  target: { type: 'policy'; id: string };
  since: string;
  dueOn: string;
  reason: string;
}

export interface ObligatedPerson {
  status: string;
  hire_date: string | null;
  created_at: string;
}

/** What the adapter needs to know about a policy: its slug and the version a person must sign now. */
export interface RequiredVersion {
  slug: string;
  label: string;
  /** The day (organisation time zone) the version to sign was published: a material change or the first version. */
  publishedOn: string;
}

export interface ObligationContext {
  onboardingDays: number;
  /** The organisation's day of an instant (Training.dayOf). */
  dayOf(iso: string): string;
}

/** Whether this person must acknowledge policies at all (today: every active person). */
export function isObligated(person: ObligatedPerson): boolean {
  return person.status === 'active';
}

/** The person's obligation to sign this policy version, with its due date and the sentence that explains it. */
export function policyObligation(person: ObligatedPerson, required: RequiredVersion, ctx: ObligationContext, audience: 'your' | 'their' = 'your'): PolicyObligation {
  const start = person.hire_date ?? ctx.dayOf(person.created_at);
  const fromStart = start >= required.publishedOn;
  const since = fromStart ? start : required.publishedOn;
  const dueOn = addDays(since, ctx.onboardingDays);
  const reason = fromStart
    ? `Due ${formatDay(dueOn)}: ${ctx.onboardingDays} days after ${audience} ${person.hire_date ? 'start date' : 'account was created'}.`
    : `Due ${formatDay(dueOn)}: ${ctx.onboardingDays} days after version ${required.label} was published on ${formatDay(required.publishedOn)}.`;
  return { assignmentIds: [], target: { type: 'policy', id: required.slug }, since, dueOn, reason };
}
