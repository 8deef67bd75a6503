import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, PasswordResetOutcome } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { authStore } from './store';
import { accountKey, normalizeEmail, unknownAccountLabel } from './throttle';

/**
 * "Forgot password": the request path. It records the request and nothing else: the e-mail (lookup of
 * the person again, link, message) is made off the request path by the reset mailer
 * (notifications/reset-mail.ts). Whether the address is known, unknown, deactivated or over its limit,
 * the same queries run in the same order and the caller gets the same answer, so neither the page nor
 * its timing says whether an account exists. Only the IP limit answers differently, and it does not
 * depend on the address.
 */

export interface ResetLimits {
  /** Requests per address per window that lead to an e-mail; more are recorded and answered alike, but send nothing. */
  perAddress: number;
  /** Requests per client per window; more are refused with a 429 page and recorded nowhere. */
  perIp: number;
  windowMs: number;
}

export const RESET_LIMITS: ResetLimits = { perAddress: 3, perIp: 20, windowMs: 3_600_000 };

/** Rows are kept a day (the audit log keeps the requests for good); the limits look back one window. */
const KEEP_MS = 24 * 3_600_000;

export type ResetRequestAnswer = 'recorded' | 'ip-limited';

const OUTCOME_WORDS: Record<Extract<PasswordResetOutcome, 'pending' | 'nobody' | 'limited'>, string> = {
  pending: 'an e-mail with a reset link will be sent',
  nobody: 'no active account has this address; nothing is sent',
  limited: 'the limit of requests for this address was reached; nothing is sent',
};

export async function requestPasswordReset(
  uow: UnitOfWork, clock: Clock, keySecret: Buffer, limits: ResetLimits, email: string, ip: string | null,
): Promise<ResetRequestAnswer> {
  const normalized = normalizeEmail(email);
  const addressKey = accountKey(keySecret, normalized);
  // The client is hashed with the same key under its own prefix: no address and no IP is stored as typed.
  const ipKey = accountKey(keySecret, `ip:${ip ?? 'unknown'}`);
  const now = clock.now();
  const nowIso = now.toISOString();
  const since = new Date(now.getTime() - limits.windowMs).toISOString();
  return uow(async (trx) => {
    const store = resetStore(trx);
    if (await store.countByIp(ipKey, since) >= limits.perIp) return 'ip-limited';
    const sent = await store.countEmailedByAddress(addressKey, since);
    const found = await authStore(trx).accountByEmail(normalized);
    const user = found?.status === 'active' ? found : undefined;
    const outcome = sent >= limits.perAddress ? 'limited' : user ? 'pending' : 'nobody';
    await store.insert({
      address_key: addressKey, ip_key: ipKey, user_id: user?.id ?? null, outcome, created_at: nowIso, handled_at: outcome === 'pending' ? null : nowIso,
    });
    await appendAudit(trx, clock, { id: found?.id ?? null, label: found?.email ?? unknownAccountLabel(addressKey), ip }, {
      action: 'auth.password_reset_requested', subjectType: found ? 'user' : undefined, subjectId: found?.id,
      details: { outcome: found && !user ? 'the account is deactivated; nothing is sent' : OUTCOME_WORDS[outcome] },
    });
    await store.forgetBefore(new Date(now.getTime() - KEEP_MS).toISOString());
    return 'recorded';
  });
}

/** A request waiting for its e-mail, with the person it names as they are now. */
export interface PendingReset {
  id: number;
  createdAt: string;
  user: { id: number; name: string; email: string; active: boolean };
}

/** The queries of password_reset_requests (the request path above and the reset mailer). */
export function resetStore(db: Kysely<DB>) {
  return {
    countByIp: async (ipKey: string, since: string) => Number((await db.selectFrom('password_reset_requests')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('ip_key', '=', ipKey).where('created_at', '>', since).executeTakeFirstOrThrow()).n),
    /** Requests for the address in the window that were not over the limit themselves (so flooding an address does not lock its owner out for longer). */
    countEmailedByAddress: async (addressKey: string, since: string) => Number((await db.selectFrom('password_reset_requests')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('address_key', '=', addressKey).where('created_at', '>', since)
      .where('outcome', '!=', 'limited').executeTakeFirstOrThrow()).n),
    insert: async (row: { address_key: string; ip_key: string; user_id: number | null; outcome: PasswordResetOutcome; created_at: string; handled_at: string | null }) => {
      await db.insertInto('password_reset_requests').values(row).execute();
    },
    /** Handled rows older than `before` (a pending one waits for the mailer whatever its age). */
    forgetBefore: async (before: string) => {
      await db.deleteFrom('password_reset_requests').where('created_at', '<', before).where('handled_at', 'is not', null).execute();
    },
    pending: async (limit: number): Promise<PendingReset[]> => (await db.selectFrom('password_reset_requests as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.id', 'r.created_at', 'u.id as user_id', 'u.name', 'u.email', 'u.status'])
      .where('r.outcome', '=', 'pending').orderBy('r.id').limit(limit).execute())
      .map((r) => ({ id: r.id, createdAt: r.created_at, user: { id: r.user_id, name: r.name, email: r.email, active: r.status === 'active' } })),
    /** Marks a pending request handled; false when another mailer handled it first. */
    handle: async (id: number, outcome: 'queued' | 'expired' | 'nobody', at: string) => Number((await db.updateTable('password_reset_requests')
      .set({ outcome, handled_at: at }).where('id', '=', id).where('outcome', '=', 'pending').executeTakeFirst()).numUpdatedRows) === 1,
  };
}
