import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import { deviceFailure, knownDevice, newDeviceToken, rememberDevice } from './devices';
import { verifyPassword } from './password-hashing';
import { authStore } from './store';
import { accountKey, clearThrottle, normalizeEmail, recordFailure, throttleState, unknownAccountLabel, type ThrottlePolicy } from './throttle';

export interface SignInPolicy extends ThrottlePolicy {
  /** HMAC key for account keys (accountKeySecret). */
  keySecret: Buffer;
  /** False for a person who must sign in through single sign-on (password-policy.ts); everyone may when absent. */
  passwordAllowed?: (user: User) => boolean;
}

export type LoginResult =
  /** deviceToken: the browser's device cookie value to (re)send, new at its first sign-in. */
  | { ok: true; user: User; deviceToken: string }
  /**
   * pausedUntil: set while sign-in with this address is paused for devices not known for it.
   * ssoOnly: the password was right but this person's role signs in through single sign-on only.
   */
  | { ok: false; pausedUntil: string | null; ssoOnly?: boolean };

/** What the sign-in route learns besides the user: the device cookie to send, or the pause to explain. */
export interface SignInInfo {
  deviceToken?: string;
  pausedUntil?: string | null;
  ssoOnly?: boolean;
}

/**
 * Checks an email and password. Every failure looks the same to the caller (no account enumeration);
 * the audit log records the real reason. Failures in a row pause sign-in with the typed address for
 * browsers not known for it, whether or not the address belongs to anyone; a browser the person has
 * signed in from before is not held up by the pause (see devices.ts). The password is verified in
 * every case, against a dummy hash when there is no account, so the time taken reveals nothing.
 */
export async function attemptLogin(
  db: Kysely<DB>, clock: Clock, policy: SignInPolicy, email: string, password: string, ip: string | null, deviceToken?: string,
): Promise<LoginResult> {
  const normalized = normalizeEmail(email);
  const key = accountKey(policy.keySecret, normalized);
  const user = await authStore(db).accountByEmail(normalized);
  const passwordOk = await verifyPassword(user?.password_hash ?? null, password);
  const now = clock.now();

  return db.transaction().execute(async (trx): Promise<LoginResult> => {
    // Re-read inside the transaction so concurrent attempts count one by one.
    const current = user && await authStore(trx).accountById(user.id);
    const device = await knownDevice(trx, deviceToken, current?.id);
    const audit = (action: string, details: Record<string, unknown>) =>
      appendAudit(trx, clock, { id: current?.id ?? null, label: current?.email ?? unknownAccountLabel(key), ip }, {
        action, subjectType: current ? 'user' : undefined, subjectId: current?.id, details,
      });
    const reason = !current ? 'unknown email' : current.status !== 'active' ? 'deactivated'
      : !current.password_hash ? 'no password set' : !passwordOk ? 'wrong password' : undefined;

    const succeed = async (u: User, token: string, via: 'known device' | 'new device'): Promise<LoginResult> => {
      // Told only to someone who gave the right password, so it reveals nothing to a guesser; not a failure in a row.
      if (policy.passwordAllowed && !policy.passwordAllowed(u)) {
        await audit('auth.login_failed', { reason: 'password sign-in off for this role (single sign-on only)', device: via });
        return { ok: false, pausedUntil: null, ssoOnly: true };
      }
      const updated = await authStore(trx).recordSignIn(u.id, now.toISOString());
      await rememberDevice(trx, token, u.id, now);
      await audit('auth.login_succeeded', { device: via });
      return { ok: true, user: updated, deviceToken: token };
    };

    if (device && current && deviceToken) {
      // A known browser: its own count, and the address's pause does not apply.
      if (!reason) return succeed(current, deviceToken, 'known device');
      await audit('auth.login_failed', { reason, device: 'known device' });
      if (await deviceFailure(trx, deviceToken, current.id, device.failures, policy.threshold)) {
        await audit('auth.device_forgotten', { failures: device.failures + 1 });
      }
      return { ok: false, pausedUntil: null };
    }

    const state = await throttleState(trx, key, now);
    if (state.pausedUntil) {
      await audit('auth.login_failed', { reason: 'paused', until: state.pausedUntil });
      return { ok: false, pausedUntil: state.pausedUntil };
    }
    if (!reason && current) {
      await clearThrottle(trx, key);
      return succeed(current, deviceToken ?? newDeviceToken(), 'new device');
    }
    await audit('auth.login_failed', { reason });
    const after = await recordFailure(trx, policy, key, state, now);
    if (after.pausedUntil) await audit('auth.locked', { failures: after.failures, until: after.pausedUntil });
    return { ok: false, pausedUntil: after.pausedUntil };
  });
}
