import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { SsoRoleMapping } from '../config';
import type { DB, Role, User } from '../db/schema';
import { RuleError } from '../errors';
import { departmentTree } from '../users/departments';
import { userFields, type UserFields } from '../users/fields';
import { saveUser } from '../users/service';
import { departmentStore, userStore } from '../users/store';
import type { SsoProfile } from './sso-profile';

// What a sign-in may change about a person: the mapped attributes, through saveUser, the same rules as
// the admin screen and SCIM (field checks, departments created as needed, moves recorded so obligations
// follow, user.updated / user.role_changed audit events).

/** Higher first: a person in several mapped groups gets the highest of their roles. */
const PRECEDENCE: readonly Role[] = ['admin', 'auditor', 'manager', 'learner'];

/**
 * The role the provider's groups give. With no SSO_ROLE_MAP nothing changes. A role is granted only by
 * an explicit mapping (so admin never comes from a default); a person who no longer is in any mapped
 * group loses a role the map grants (back to learner) but keeps one the map does not manage.
 */
export function mappedRole(current: Role | undefined, groups: readonly string[], roleMap: readonly SsoRoleMapping[]): Role {
  const now = current ?? 'learner';
  if (roleMap.length === 0) return now;
  const mine = new Set(groups.map((g) => g.toLowerCase()));
  const granted = roleMap.filter((m) => mine.has(m.group.toLowerCase())).map((m) => m.role);
  if (granted.length > 0) return PRECEDENCE.find((r) => granted.includes(r))!;
  return roleMap.some((m) => m.role === now) ? 'learner' : now;
}

/** The profile fields a sign-in maps onto a person. */
type Mapped = Pick<UserFields, 'employee_id' | 'email' | 'name' | 'role' | 'department' | 'manager_email' | 'job_title'>;
const MAPPED_KEYS: readonly (keyof Mapped)[] = ['employee_id', 'email', 'name', 'role', 'department', 'manager_email', 'job_title'];
/** The person's columns the mapped fields land in, for the audit event's list of changes. */
const COLUMNS: readonly (keyof User)[] = ['employee_id', 'email', 'name', 'role', 'department_id', 'manager_id', 'job_title'];

export interface PersonRules {
  roleMap: readonly SsoRoleMapping[];
  /** Break-glass admins: SSO never changes their role. */
  breakGlass: readonly string[];
  timeZone: string;
}

export type PersonResult =
  | { ok: true; user: User; changed: string[]; skipped: Record<string, string> }
  | { ok: false; message: string };

async function managerEmail(trx: Kysely<DB>, ref: string | null, self: User | undefined): Promise<string | null | undefined> {
  if (!ref) return undefined;
  const users = userStore(trx);
  const manager = ref.includes('@') ? await users.byEmail(ref) : await users.byEmployeeId(ref.trim());
  if (!manager || manager.status !== 'active' || manager.id === self?.id) return undefined;
  return manager.email;
}

/**
 * Creates (existing undefined) or updates a person from a profile. A value the provider did not send
 * keeps what the person has; a value the rules refuse (an invalid department, an e-mail or employee ID
 * someone else has) is skipped and reported, so one bad attribute does not lock the person out. A new
 * person needs a usable e-mail and name, or nothing is created.
 */
export async function applyProfile(
  trx: Kysely<DB>, clock: Clock, actor: Actor, existing: User | undefined, p: SsoProfile, rules: PersonRules,
): Promise<PersonResult> {
  const tree = departmentTree(await departmentStore(trx).all());
  const currentManager = existing?.manager_id ? await userStore(trx).byId(existing.manager_id) : undefined;
  const now: Mapped = {
    employee_id: existing?.employee_id ?? null,
    email: existing?.email ?? '',
    name: existing?.name ?? '',
    role: existing?.role ?? 'learner',
    department: existing?.department_id ? tree.byId.get(existing.department_id)?.path ?? null : null,
    manager_email: currentManager?.email ?? null,
    job_title: existing?.job_title ?? null,
  };
  const breakGlass = existing !== undefined && existing.role === 'admin' && rules.breakGlass.includes(existing.email_normalized);
  const manager = await managerEmail(trx, p.managerRef, existing);
  // An unverified e-mail may name a new person, never change an existing person's address.
  // Only the case differing is no change: providers are not consistent about it.
  const sent = p.email?.trim();
  const email = sent && (p.emailVerified || !existing) && sent.toLowerCase() !== existing?.email_normalized ? sent : undefined;
  const wanted: Partial<Record<keyof Mapped, string | null>> = {
    ...(p.employeeId ? { employee_id: p.employeeId } : {}),
    ...(email ? { email } : {}),
    ...(p.name ? { name: p.name } : !existing && email ? { name: email.slice(0, email.indexOf('@')) } : {}),
    ...(breakGlass ? {} : { role: mappedRole(existing?.role, p.groups, rules.roleMap) }),
    ...(p.departmentPath ? { department: p.departmentPath } : {}),
    ...(manager ? { manager_email: manager } : {}),
    ...(p.jobTitle ? { job_title: p.jobTitle } : {}),
  };
  const skipped: Record<string, string> = {};
  // Each wanted value through the admin form's own field rules; a refused one keeps the current value.
  const fields: Mapped = { ...now };
  for (const key of MAPPED_KEYS) {
    const value = wanted[key];
    if (value === undefined) continue;
    const one = userFields.shape[key].safeParse(value ?? '');
    if (one.success) (fields as Record<string, unknown>)[key] = one.data;
    else skipped[key] = one.error.issues[0]?.message ?? 'not accepted';
  }
  if (!existing && (skipped.email || skipped.name || !fields.email || !fields.name)) {
    return { ok: false, message: `a new person needs an e-mail address and a name${skipped.email ? ` (${skipped.email})` : ''}${skipped.name ? ` (${skipped.name})` : ''}` };
  }
  const saved = { ...fields, hire_date: existing?.hire_date ?? null };
  for (let tries = 0; ; tries++) {
    try {
      const { user } = await saveUser(trx, clock, actor, existing, saved, rules.timeZone);
      const changed = existing ? COLUMNS.filter((k) => existing[k] !== user[k]) : [];
      return { ok: true, user, changed: changed.map(String), skipped };
    } catch (e) {
      if (!(e instanceof RuleError) || e.code !== 'invalid' || !e.problems || tries > 0) {
        if (e instanceof RuleError && !existing) return { ok: false, message: e.message };
        throw e;
      }
      // Taken e-mail or employee ID, the last admin's role: keep what the person has for those fields.
      for (const [key, problem] of Object.entries(e.problems)) {
        if (!(MAPPED_KEYS as readonly string[]).includes(key)) continue;
        skipped[key] = problem;
        (saved as Record<string, unknown>)[key] = now[key as keyof Mapped];
      }
      if (!existing && (skipped.email || skipped.employee_id)) return { ok: false, message: e.message };
    }
  }
}

/** The sso.attributes_changed event beside saveUser's own user.updated: which mapped fields the provider changed or could not. */
export async function auditAttributes(trx: Kysely<DB>, clock: Clock, actor: Actor, userId: number, changed: string[], skipped: Record<string, string>): Promise<void> {
  if (changed.length === 0 && Object.keys(skipped).length === 0) return;
  await appendAudit(trx, clock, actor, { action: 'sso.attributes_changed', subjectType: 'user', subjectId: userId, details: { changed, ...(Object.keys(skipped).length ? { skipped } : {}) } });
}
