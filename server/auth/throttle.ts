import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { authStore } from './store';

/**
 * Per-address sign-in throttle. Every typed e-mail address, known or not, is tracked under a keyed
 * hash of its normalised form: unknown addresses pause exactly like known ones (no enumeration), and
 * neither the table nor the audit log keeps the typed text, which is sometimes a password.
 */

export interface ThrottlePolicy {
  /** Failures in a row before the first pause. */
  threshold: number;
  firstMs: number;
  /** The longest pause. */
  capMs: number;
}

/** A day without failures starts the count again, so one typo a week never adds up to a pause. */
const FAILURE_MEMORY_MS = 24 * 3_600_000;

/** The HMAC key for account keys, derived so the session secret itself is never used for two purposes. */
export function accountKeySecret(sessionSecret: string): Buffer {
  return crypto.createHmac('sha256', sessionSecret).update('privacy-rounds sign-in account key v1').digest();
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function accountKey(secret: Buffer, email: string): string {
  return crypto.createHmac('sha256', secret).update(normalizeEmail(email)).digest('hex');
}

/** How the audit log names an address that matches no account: a short keyed hash, not the text. */
export function unknownAccountLabel(key: string): string {
  return `unknown account ${key.slice(0, 16)}`;
}

/**
 * The pause after the n-th failure in a row: none below the threshold, then firstMs doubling with each
 * further failure up to capMs. A failure during a pause is refused unchecked and does not count, so a
 * stranger cannot lengthen it; renewing it costs them one guess per pause.
 */
function pauseAfter(policy: ThrottlePolicy, failures: number): number {
  if (failures < policy.threshold) return 0;
  const doublings = Math.min(failures - policy.threshold, 30);
  return Math.min(policy.firstMs * 2 ** doublings, policy.capMs);
}

export interface ThrottleState {
  failures: number;
  /** ISO time while a pause is running, else null. */
  pausedUntil: string | null;
}

export async function throttleState(db: Kysely<DB>, key: string, now: Date): Promise<ThrottleState> {
  const row = await authStore(db).throttleRow(key);
  if (!row) return { failures: 0, pausedUntil: null };
  const nowIso = now.toISOString();
  const pausedUntil = row.locked_until !== null && row.locked_until > nowIso ? row.locked_until : null;
  const remembered = Date.parse(row.last_failure_at) > now.getTime() - FAILURE_MEMORY_MS;
  return { failures: remembered || pausedUntil ? row.failures : 0, pausedUntil };
}

/** Counts one failure and returns the pause it starts (null for none). */
export async function recordFailure(trx: Kysely<DB>, policy: ThrottlePolicy, key: string, previous: ThrottleState, now: Date): Promise<{ failures: number; pausedUntil: string | null }> {
  const failures = previous.failures + 1;
  const pause = pauseAfter(policy, failures);
  const pausedUntil = pause ? new Date(now.getTime() + pause).toISOString() : null;
  const nowIso = now.toISOString();
  const store = authStore(trx);
  await store.saveThrottle({ account_key: key, failures, locked_until: pausedUntil, last_failure_at: nowIso });
  // Rows nobody has failed on for a day and that hold no pause are forgotten.
  await store.forgetQuietThrottles(new Date(now.getTime() - FAILURE_MEMORY_MS).toISOString(), nowIso);
  return { failures, pausedUntil };
}

export async function clearThrottle(trx: Kysely<DB>, key: string): Promise<void> {
  await authStore(trx).clearThrottle(key);
}
