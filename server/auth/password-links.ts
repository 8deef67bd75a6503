import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import { writeTransaction } from '../db/transaction';
import { hashPassword } from './password-hashing';
import { authStore } from './store';
import { consumeToken, findLiveToken, issueToken, revokeTokens, withdrawToken } from './tokens';

/** The person a set-password link belongs to, while the link is live and the account active. */
export async function userForPasswordLink(db: Kysely<DB>, clock: Clock, token: string): Promise<User | undefined> {
  const row = await findLiveToken(db, clock, 'set-password', token);
  if (!row?.user_id) return undefined;
  const user = await authStore(db).accountById(row.user_id);
  return user?.status === 'active' ? user : undefined;
}

/**
 * How long the link in a "forgot password" e-mail works. It is a 'set-password' token like any other
 * (the purpose CHECK of migration 0001 allows no third kind, see migration 0023), only shorter-lived.
 */
export const RESET_LINK_LIFETIME_MS = 3_600_000;

/** Sets the password and uses up the link in one transaction; false if the link was used meanwhile. */
export async function setPasswordWithLink(db: Kysely<DB>, clock: Clock, token: string, password: string, ip: string | null): Promise<User | undefined> {
  const hash = await hashPassword(password);
  return writeTransaction(db, async (trx) => {
    const row = await findLiveToken(trx, clock, 'set-password', token);
    if (!row?.user_id || !(await consumeToken(trx, clock, row.id))) return undefined;
    const user = await authStore(trx).setPasswordHash(row.user_id, hash, clock.now().toISOString());
    if (!user) return undefined;
    // A person may hold two live links for a moment (the one the admin was shown and the one the invitation
    // e-mail carries, see mintEmailedLink): the first one used ends every other.
    await revokeTokens(trx, clock, 'set-password', user.id);
    const actor: Actor = { id: user.id, label: user.email, ip };
    // A reset link is the only set-password link this short-lived: the audit says which kind was used.
    const reset = Date.parse(row.expires_at) - Date.parse(row.created_at) <= RESET_LINK_LIFETIME_MS;
    await appendAudit(trx, clock, actor, { action: 'auth.password_set', subjectType: 'user', subjectId: user.id, ...(reset ? { details: { via: 'password-reset e-mail' } } : {}) });
    return user;
  });
}

/**
 * A set-password link made at the moment an invitation is e-mailed, so that no working link is ever
 * stored (the outbox row holds a placeholder; the sender puts this token in the message in memory).
 * Same hash-only storage and 72-hour expiry as every set-password link. Earlier links keep working
 * until the e-mail has been accepted (confirmEmailedLink): a message that cannot be delivered must not
 * take away the link the admin was shown. Undefined, with the reason in words, when the person no
 * longer needs a link: deactivated, or a password already chosen (a link then would only be a way to
 * change their password that nobody asked for).
 */
export async function mintEmailedLink(db: Kysely<DB>, clock: Clock, userId: number): Promise<{ token: string } | { notNeeded: string }> {
  const user = await authStore(db).accountById(userId);
  if (!user) return { notNeeded: 'the person no longer exists' };
  if (user.status !== 'active') return { notNeeded: `${user.name} is deactivated` };
  if (user.password_hash !== null) return { notNeeded: `${user.name} has already chosen a password, so the link is not needed` };
  return { token: await issueToken(db, clock, 'set-password', userId) };
}

/**
 * The link of a "forgot password" e-mail, made when the e-mail is sent (the outbox row holds a
 * placeholder, as an invitation's does): hash only, 1 hour. Unlike an invitation it is made whether or
 * not the person has a password (changing it is the point); not for a deactivated person.
 */
export async function mintResetLink(db: Kysely<DB>, clock: Clock, userId: number): Promise<{ token: string } | { notNeeded: string }> {
  const user = await authStore(db).accountById(userId);
  if (!user) return { notNeeded: 'the person no longer exists' };
  if (user.status !== 'active') return { notNeeded: `${user.name} is deactivated` };
  return { token: await issueToken(db, clock, 'set-password', userId, RESET_LINK_LIFETIME_MS) };
}

/**
 * The e-mail with this link was accepted: it is now the person's one working link (earlier ones, the
 * admin's included and those of an earlier copy of the same e-mail, stop working: the newest wins). Audited.
 */
export async function confirmEmailedLink(db: Kysely<DB>, clock: Clock, userId: number, token: string, details: Record<string, unknown>): Promise<void> {
  await revokeTokens(db, clock, 'set-password', userId, token);
  await appendAudit(db, clock, { id: null, label: 'outbox' }, { action: 'user.password_link_emailed', subjectType: 'user', subjectId: userId, details });
}

/** The e-mail with this link was not accepted: the link never reached anyone and stops working. */
export async function withdrawEmailedLink(db: Kysely<DB>, clock: Clock, token: string): Promise<void> {
  await withdrawToken(db, clock, 'set-password', token);
}
