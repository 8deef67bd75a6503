// Quiz attempts come in sets: `max` submitted attempts, then a cool-down after the last of the set,
// then a fresh set. Unlimited free attempts let a script learn the answers by trial and error.

export interface AttemptRules {
  /** Attempts per set; 0 = unlimited. */
  maxAttempts: number;
  cooldownMs: number;
}

export interface Allowance {
  /** Attempts left in the current set; null when unlimited. */
  remaining: number | null;
  /** When the set is used up: the moment a fresh set opens (ISO). */
  nextSetAt: string | null;
}

/**
 * What a learner may do now, from the submission times of their attempts in this training cycle.
 * The submissions are counted in sets of `max`: a full set (a multiple of `max`) opens a fresh one
 * `cooldownMs` after its last submission.
 */
export function allowance(rules: AttemptRules, submittedAt: readonly string[], now: Date): Allowance {
  if (rules.maxAttempts <= 0) return { remaining: null, nextSetAt: null };
  const used = submittedAt.length;
  const inSet = used % rules.maxAttempts;
  if (used === 0 || inSet !== 0) return { remaining: rules.maxAttempts - inSet, nextSetAt: null };
  const last = submittedAt.reduce((a, b) => (a > b ? a : b));
  const opens = Date.parse(last) + rules.cooldownMs;
  if (now.getTime() >= opens) return { remaining: rules.maxAttempts, nextSetAt: null };
  return { remaining: 0, nextSetAt: new Date(opens).toISOString() };
}
