import type { Kysely } from 'kysely';
import { appendAudit, SYSTEM_ACTOR } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { hashPassword } from '../auth/password-hashing';
import { passwordProblem } from '../auth/password-rules';
import { consumeToken, findLiveToken, issueToken, revokeTokens } from '../auth/tokens';
import { saveUser } from './service';
import { userStore } from './store';

// The first administrator is a person like any other (saveUser's rules and audit events) who gets a
// password at once: people own this, and use auth's hashing and one-time tokens, so auth needs nothing
// from people.

export type FirstStart = { kind: 'ready' } | { kind: 'admin-created'; email: string } | { kind: 'setup-link'; token: string };

/** Creates (or ensures) an admin with a password, all in the caller's transaction. */
export async function createAdminWithPassword(
  trx: Kysely<DB>, clock: Clock, actorLabel: string, f: { email: string; name: string; password: string },
): Promise<User> {
  const hash = await hashPassword(f.password);
  const existing = await userStore(trx).byEmail(f.email);
  const actor = { ...SYSTEM_ACTOR, label: actorLabel };
  const { user } = await saveUser(trx, clock, actor, existing, {
    employee_id: existing?.employee_id ?? null, email: f.email, name: f.name, role: 'admin',
    department: null, manager_email: null, hire_date: existing?.hire_date ?? null,
  });
  await userStore(trx).update(user.id, { password_hash: hash, status: 'active', failed_logins: 0, locked_until: null });
  await appendAudit(trx, clock, actor, { action: 'auth.password_set', subjectType: 'user', subjectId: user.id });
  return user;
}

/**
 * Start-up: with an active admin, nothing to do. Otherwise ADMIN_EMAIL/ADMIN_PASSWORD create one, or a
 * one-time setup link (24 h) is issued; any earlier unused link stops working. No default password exists.
 */
export async function ensureFirstAdmin(
  uow: UnitOfWork, clock: Clock, bootstrap: { email: string; password: string; name: string } | undefined, orgName: string,
): Promise<FirstStart> {
  return uow(async (trx): Promise<FirstStart> => {
    if (await userStore(trx).countActiveAdmins() > 0) return { kind: 'ready' };
    if (bootstrap) {
      const problem = passwordProblem(bootstrap.password, { email: bootstrap.email, orgName });
      if (problem) throw new Error(`ADMIN_PASSWORD is not acceptable: ${problem}`);
      await createAdminWithPassword(trx, clock, 'ADMIN_EMAIL at start-up', bootstrap);
      return { kind: 'admin-created', email: bootstrap.email };
    }
    await revokeTokens(trx, clock, 'setup', null);
    const token = await issueToken(trx, clock, 'setup', null);
    await appendAudit(trx, clock, SYSTEM_ACTOR, { action: 'setup.link_issued' });
    return { kind: 'setup-link', token } as const;
  });
}

/** A setup link works only while it is live and no admin exists yet. */
export async function setupLinkUsable(db: Kysely<DB>, clock: Clock, token: string): Promise<boolean> {
  if (await userStore(db).countActiveAdmins() > 0) return false;
  return (await findLiveToken(db, clock, 'setup', token)) !== undefined;
}

export async function completeSetup(
  uow: UnitOfWork, clock: Clock, token: string, f: { email: string; name: string; password: string },
): Promise<User | undefined> {
  return uow(async (trx) => {
    if (await userStore(trx).countActiveAdmins() > 0) return undefined;
    const row = await findLiveToken(trx, clock, 'setup', token);
    if (!row || !(await consumeToken(trx, clock, row.id))) return undefined;
    return createAdminWithPassword(trx, clock, 'first-admin setup link', f);
  });
}

/** The setup link pages, built once by compose() so the routes never see the database. */
export class FirstAdminSetup {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  linkUsable(token: string): Promise<boolean> {
    return setupLinkUsable(this.db, this.clock, token);
  }

  complete(token: string, f: { email: string; name: string; password: string }): Promise<User | undefined> {
    return completeSetup(this.uow, this.clock, token, f);
  }
}
