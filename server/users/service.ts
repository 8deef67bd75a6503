import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import { touch, type UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { issueToken, revokeTokens } from '../auth/tokens';
import { ensureDepartment } from './departments';
import type { UserFields } from './fields';
import { userStore } from './store';
import { recordPersonChange } from '../assignments/history';
import { dayInZone } from '../dates';


const TRACKED: (keyof User)[] = ['employee_id', 'email', 'name', 'role', 'department_id', 'manager_id', 'hire_date', 'job_code', 'job_title', 'untimed_lessons'];

/**
 * Creates or updates one person from validated fields inside the caller's transaction, with its audit
 * events. Throws a RuleError with the field problems (nothing written by the caller's transaction survives) when a rule that
 * needs the database fails: duplicate email or employee ID, unknown manager, removing the last admin.
 */
/** The person's fields; the job code and title may be left out (the first-admin set-up, the CLI), which keeps what the person has. */
export type SavedFields = Omit<UserFields, 'job_code' | 'job_title'> & Partial<Pick<UserFields, 'job_code' | 'job_title'>> & { untimed_lessons?: boolean };

export async function saveUser(
  trx: Kysely<DB>, clock: Clock, actor: Actor, existing: User | undefined, f: SavedFields,
  /** The organisation's zone, for the day a move of department, role or job code takes effect (UTC when the caller has none). */
  timeZone = 'UTC',
): Promise<{ user: User; change: 'created' | 'updated' | 'unchanged' }> {
  const users = userStore(trx);
  // Field name → problem, so the form shows each beside its field.
  const errors: Partial<Record<keyof UserFields, string>> = {};
  const emailOwner = await users.byEmail(f.email);
  if (emailOwner && emailOwner.id !== existing?.id) errors.email = `${f.email} already belongs to another person.`;
  if (f.employee_id) {
    const idOwner = await users.byEmployeeId(f.employee_id);
    if (idOwner && idOwner.id !== existing?.id) errors.employee_id = `Employee ID ${f.employee_id} already belongs to another person.`;
  }
  let managerId: number | null = null;
  if (f.manager_email) {
    const manager = await users.byEmail(f.manager_email);
    if (!manager) errors.manager_email = `No person with the email ${f.manager_email} exists.`;
    else if (manager.id === existing?.id || manager.email_normalized === f.email.toLowerCase()) errors.manager_email = 'A person cannot be their own manager.';
    else managerId = manager.id;
  }
  if (existing?.role === 'admin' && f.role !== 'admin' && existing.status === 'active' && await users.countActiveAdmins() <= 1) {
    errors.role = 'This is the only active admin; make someone else an admin first.';
  }
  if (Object.keys(errors).length > 0) fail('invalid', Object.values(errors).join(' '), { ...errors } as Record<string, string>);

  let departmentId: number | null = null;
  if (f.department) {
    const dept = await ensureDepartment(trx, clock, f.department.split('/'));
    departmentId = dept.id;
    for (const path of dept.created) await appendAudit(trx, clock, actor, { action: 'department.created', subjectType: 'department', details: { path } });
  }
  const now = clock.now().toISOString();
  const values = {
    employee_id: f.employee_id, email: f.email, email_normalized: f.email.toLowerCase(), name: f.name, role: f.role,
    department_id: departmentId, manager_id: managerId, hire_date: f.hire_date,
    job_code: f.job_code === undefined ? existing?.job_code ?? null : f.job_code, job_title: f.job_title === undefined ? existing?.job_title ?? null : f.job_title,
    // Import and the CLI do not carry the accommodation: they keep what the person has.
    untimed_lessons: f.untimed_lessons === undefined ? existing?.untimed_lessons ?? 0 : f.untimed_lessons ? 1 : 0,
  };

  if (!existing) {
    const user = await users.insert({ ...values, password_hash: null, locked_until: null, last_login_at: null, created_at: now, updated_at: now });
    touch(trx, user.id);
    await appendAudit(trx, clock, actor, {
      action: 'user.created', subjectType: 'user', subjectId: user.id,
      details: { email: user.email, role: user.role, employee_id: user.employee_id, department: f.department, ...(user.untimed_lessons ? { untimed_lessons: 1 } : {}) },
    });
    return { user, change: 'created' };
  }

  const changed = TRACKED.filter((k) => existing[k] !== values[k as keyof typeof values]);
  if (changed.length === 0) return { user: existing, change: 'unchanged' };
  const user = await users.update(existing.id, { ...values, updated_at: now });
  // A new department, role or job code moves the person's assignments from today (a move with another
  // effective day is recorded from the person's assignments page); the history keeps the earlier facts.
  await recordPersonChange(trx, user.id, { departmentId: existing.department_id, role: existing.role, jobCode: existing.job_code },
    { departmentId: user.department_id, role: user.role, jobCode: user.job_code }, dayInZone(clock.now(), timeZone), actor.id, now);
  // A new hire date moves the onboarding due date.
  touch(trx, user.id);
  await appendAudit(trx, clock, actor, {
    action: 'user.updated', subjectType: 'user', subjectId: user.id,
    details: Object.fromEntries(changed.map((k) => [k, { from: existing[k], to: user[k] }])),
  });
  if (existing.role !== user.role) {
    await appendAudit(trx, clock, actor, {
      action: 'user.role_changed', subjectType: 'user', subjectId: user.id, details: { from: existing.role, to: user.role },
    });
  }
  return { user, change: 'updated' };
}

/**
 * Queues the invitation e-mails of people just created, inside the unit of work that creates them
 * (the notifications feature provides it; compose and routes hand it over, so users never imports it).
 */
export type Invite = (trx: Kysely<DB>, people: readonly { id: number; name: string; email: string }[]) => Promise<number>;

/** A new person from the admin screen, with their first set-password link (and their invitation queued, when given). */
export async function addPerson(uow: UnitOfWork, clock: Clock, actor: Actor, f: SavedFields, invite?: Invite): Promise<{ user: User; token: string }> {
  return uow(async (trx) => {
    const { user } = await saveUser(trx, clock, actor, undefined, f);
    const token = await issuePasswordLink(trx, clock, actor, user.id);
    if (invite) await invite(trx, [user]);
    return { user, token };
  });
}

/** Saves an edit of an existing person from the admin screen. */
export async function editPerson(
  uow: UnitOfWork, clock: Clock, actor: Actor, existing: User, f: SavedFields, timeZone?: string,
): Promise<'updated' | 'unchanged'> {
  const { change } = await uow((trx) => saveUser(trx, clock, actor, existing, f, timeZone));
  return change === 'unchanged' ? 'unchanged' : 'updated';
}

/** Issues a new set-password link in its own unit of work. */
export async function newPasswordLink(uow: UnitOfWork, clock: Clock, actor: Actor, userId: number): Promise<string> {
  return uow((trx) => issuePasswordLink(trx, clock, actor, userId));
}

/**
 * A fresh set-password link for a person; earlier unused links stop working. A person created in the
 * same transaction has no earlier links: `newPerson` skips the look (before migration 0024 indexed the
 * tokens by person, it scanned every token and made an import's time grow with the square of its rows).
 */
export async function issuePasswordLink(trx: Kysely<DB>, clock: Clock, actor: Actor, userId: number, o: { newPerson?: boolean } = {}): Promise<string> {
  if (!o.newPerson) await revokeTokens(trx, clock, 'set-password', userId);
  const token = await issueToken(trx, clock, 'set-password', userId);
  await appendAudit(trx, clock, actor, { action: 'user.password_link_issued', subjectType: 'user', subjectId: userId });
  return token;
}

export async function setUserStatus(
  uow: UnitOfWork, clock: Clock, actor: Actor, userId: number, status: 'active' | 'deactivated',
): Promise<User> {
  return uow((trx) => changeUserStatus(trx, clock, actor, userId, status));
}

/** Deactivates or reactivates a person inside the caller's transaction (SCIM changes fields and status in one), with its audit event. */
export async function changeUserStatus(
  trx: Kysely<DB>, clock: Clock, actor: Actor, userId: number, status: 'active' | 'deactivated',
): Promise<User> {
  // No status row moves: the index keeps deactivated people's training (reports filter them out).
  const users = userStore(trx);
  const user = await users.byId(userId);
  if (!user) fail('not-found', 'That person does not exist.');
  if (user.status === status) return user;
  if (status === 'deactivated') {
    if (user.id === actor.id) fail('forbidden', 'You cannot deactivate your own account.');
    if (user.role === 'admin' && await users.countActiveAdmins() <= 1) {
      fail('conflict', 'This is the only active admin; make someone else an admin first.');
    }
    await revokeTokens(trx, clock, 'set-password', userId);
  }
  const now = clock.now().toISOString();
  const updated = await users.update(userId, { status, updated_at: now, deactivated_at: status === 'deactivated' ? now : null });
  await appendAudit(trx, clock, actor, {
    action: status === 'deactivated' ? 'user.deactivated' : 'user.reactivated', subjectType: 'user', subjectId: userId,
  });
  return updated;
}

/** Creates a department (and any missing parents) from the admin screen. */
export async function createDepartment(uow: UnitOfWork, clock: Clock, actor: Actor, parts: string[]): Promise<string[]> {
  return uow(async (trx) => {
    const { created } = await ensureDepartment(trx, clock, parts);
    for (const path of created) await appendAudit(trx, clock, actor, { action: 'department.created', subjectType: 'department', details: { path } });
    return created;
  });
}
export type { Role, User, UserStatus } from '../db/schema';
