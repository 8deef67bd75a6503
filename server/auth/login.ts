import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import { verifyPassword } from './password';

export interface LockoutPolicy {
  threshold: number;
  lockoutMs: number;
}

export type LoginResult = { ok: true; user: User } | { ok: false };

/**
 * Checks an email and password. Every failure looks the same to the caller (no account enumeration);
 * the audit log records the real reason. The threshold-th consecutive failure locks the account for
 * lockoutMs; a success resets the count.
 */
export async function attemptLogin(
  db: Kysely<DB>, clock: Clock, policy: LockoutPolicy, email: string, password: string, ip: string | null,
): Promise<LoginResult> {
  const normalized = email.trim().toLowerCase();
  const user = await db.selectFrom('users').selectAll().where('email_normalized', '=', normalized).executeTakeFirst();
  const passwordOk = await verifyPassword(user?.password_hash ?? null, password);
  const now = clock.now();
  const nowIso = now.toISOString();

  return db.transaction().execute(async (trx) => {
    const audit = (action: string, details: Record<string, unknown>, subject?: User) =>
      appendAudit(trx, clock, { id: subject?.id ?? null, label: subject?.email ?? normalized.slice(0, 254), ip }, {
        action, subjectType: subject ? 'user' : undefined, subjectId: subject?.id, details,
      });

    if (!user) {
      await audit('auth.login_failed', { reason: 'unknown email' });
      return { ok: false } as const;
    }
    // Re-read inside the transaction so concurrent failures count one by one.
    const current = await trx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const locked = current.locked_until !== null && current.locked_until > nowIso;
    if (current.status !== 'active' || locked || !current.password_hash || !passwordOk) {
      const reason = current.status !== 'active' ? 'deactivated' : locked ? 'locked' : !current.password_hash ? 'no password set' : 'wrong password';
      await audit('auth.login_failed', { reason }, current);
      if (reason === 'wrong password') {
        const failures = current.failed_logins + 1;
        const lock = failures >= policy.threshold;
        await trx.updateTable('users').set({
          failed_logins: lock ? 0 : failures,
          locked_until: lock ? new Date(now.getTime() + policy.lockoutMs).toISOString() : current.locked_until,
        }).where('id', '=', current.id).execute();
        if (lock) await audit('auth.locked', { failures, until: new Date(now.getTime() + policy.lockoutMs).toISOString() }, current);
      }
      return { ok: false } as const;
    }
    const updated = await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: nowIso })
      .where('id', '=', current.id).returningAll().executeTakeFirstOrThrow();
    await audit('auth.login_succeeded', {}, updated);
    return { ok: true, user: updated } as const;
  });
}
