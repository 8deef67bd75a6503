import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import { hashPassword } from './password-hashing';
import { authStore } from './store';
import { consumeToken, findLiveToken } from './tokens';

/** The person a set-password link belongs to, while the link is live and the account active. */
export async function userForPasswordLink(db: Kysely<DB>, clock: Clock, token: string): Promise<User | undefined> {
  const row = await findLiveToken(db, clock, 'set-password', token);
  if (!row?.user_id) return undefined;
  const user = await authStore(db).accountById(row.user_id);
  return user?.status === 'active' ? user : undefined;
}

/** Sets the password and uses up the link in one transaction; false if the link was used meanwhile. */
export async function setPasswordWithLink(db: Kysely<DB>, clock: Clock, token: string, password: string, ip: string | null): Promise<User | undefined> {
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const row = await findLiveToken(trx, clock, 'set-password', token);
    if (!row?.user_id || !(await consumeToken(trx, clock, row.id))) return undefined;
    const user = await authStore(trx).setPasswordHash(row.user_id, hash, clock.now().toISOString());
    if (!user) return undefined;
    const actor: Actor = { id: user.id, label: user.email, ip };
    await appendAudit(trx, clock, actor, { action: 'auth.password_set', subjectType: 'user', subjectId: user.id });
    return user;
  });
}
