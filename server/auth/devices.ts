import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { authStore } from './store';

/**
 * Known devices (OWASP's device-cookie pattern): a browser gets a random value at its first successful
 * sign-in and keeps it; the server keeps only its SHA-256 per person who signed in with it. A person
 * signing in from such a browser is not held up by the pause strangers cause on their address; after
 * as many wrong passwords in a row from it as the lockout threshold, the browser is known no more.
 * One value per browser, so a shared ward PC is known for everyone who has signed in on it.
 */

export const DEVICE_COOKIE = 'pr.device';
export const DEVICE_MAX_AGE_MS = 180 * 24 * 3_600_000;

export function newDeviceToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function hashDeviceToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** The device cookie's value from a Cookie header, if it has a plausible one. */
export function deviceTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === DEVICE_COOKIE && value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** The device row when this browser is known for this person; the same query runs for unknown addresses. */
export async function knownDevice(trx: Kysely<DB>, token: string | undefined, userId: number | undefined) {
  if (!token) return undefined;
  return authStore(trx).device(hashDeviceToken(token), userId ?? -1);
}

/** Records a successful sign-in from this browser (new or known) and forgets devices unused for the cookie's lifetime. */
export async function rememberDevice(trx: Kysely<DB>, token: string, userId: number, now: Date): Promise<void> {
  const nowIso = now.toISOString();
  const store = authStore(trx);
  await store.saveDevice(hashDeviceToken(token), userId, nowIso);
  await store.forgetDevicesUnusedSince(new Date(now.getTime() - DEVICE_MAX_AGE_MS).toISOString());
}

/** One wrong password from a known device; returns true when that made the device unknown. */
export async function deviceFailure(trx: Kysely<DB>, token: string, userId: number, failuresBefore: number, threshold: number): Promise<boolean> {
  const failures = failuresBefore + 1;
  const forget = failures >= threshold;
  if (forget) await authStore(trx).forgetDevice(hashDeviceToken(token), userId);
  else await authStore(trx).setDeviceFailures(hashDeviceToken(token), userId, failures);
  return forget;
}

export async function knownDeviceCount(db: Kysely<DB>, userId: number): Promise<number> {
  return authStore(db).deviceCount(userId);
}
