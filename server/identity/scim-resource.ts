import type { User } from '../db/schema';
import { hasControlChars } from '../text';
import { userFields, type UserFields } from '../users/fields';
import { CORE_USER, ENTERPRISE_USER, isObject, scimFail } from './scim-schema-names';

// A person as a SCIM User (RFC 7643 4.1 with the enterprise extension of 4.3), and a User body read
// back into the person's fields. Only what training needs is kept: the work e-mail, the name, the job
// title, the employee number, the department and the manager. Other User attributes a provider sends
// (phone numbers, addresses, locale…) are accepted and not stored.

type Json = Record<string, unknown>;

export interface ScimPersonView {
  user: User;
  departmentPath: string | null;
  managerName: string | null;
}

/** What a User body asks for, checked; the manager is our person id (manager.value as we gave it out). */
export interface ScimDesired {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  name: string;
  email: string;
  title: string | null;
  /** Undefined when the body does not say (a PUT without it keeps the person's status). */
  active: boolean | undefined;
  employeeNumber: string | null;
  department: string | null;
  managerId: number | null;
}

/** RFC 7644 3.14: a weak version that changes whenever the person is saved. */
export const versionOf = (u: User) => `W/"${Buffer.from(`${u.id}:${u.updated_at}`).toString('base64url')}"`;

export function toResource(p: ScimPersonView, baseUrl: string): Json {
  const u = p.user;
  const enterprise: Json = {};
  if (u.employee_id) enterprise.employeeNumber = u.employee_id;
  if (p.departmentPath) enterprise.department = p.departmentPath;
  if (u.manager_id !== null) enterprise.manager = { value: String(u.manager_id), $ref: `${baseUrl}/scim/v2/Users/${u.manager_id}`, ...(p.managerName ? { displayName: p.managerName } : {}) };
  const name: Json = { formatted: u.name };
  if (u.given_name) name.givenName = u.given_name;
  if (u.family_name) name.familyName = u.family_name;
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    id: String(u.id),
    ...(u.external_id ? { externalId: u.external_id } : {}),
    userName: u.scim_user_name ?? u.email,
    name,
    displayName: u.name,
    ...(u.job_title ? { title: u.job_title } : {}),
    active: u.status === 'active',
    emails: [{ value: u.email, type: 'work', primary: true }],
    [ENTERPRISE_USER]: enterprise,
    meta: { resourceType: 'User', created: u.created_at, lastModified: u.updated_at, location: `${baseUrl}/scim/v2/Users/${u.id}`, version: versionOf(u) },
  };
}

/** An attribute by name, compared without case (RFC 7643 2.1). */
function get(o: Json, name: string): unknown {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

function text(v: unknown, label: string, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') scimFail('invalid', 'invalidValue', `${label} must be a string.`);
  const s = v.trim();
  if (hasControlChars(s)) scimFail('invalid', 'invalidValue', `${label} contains control characters.`);
  if ([...s].length > max) scimFail('invalid', 'invalidValue', `${label} is longer than ${max} characters.`);
  return s === '' ? null : s;
}

function bool(v: unknown, label: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  // Entra has sent booleans as the strings "True" and "False".
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  scimFail('invalid', 'invalidValue', `${label} must be true or false.`);
}

/** The e-mail a body gives: the primary work one, else any work one, else the primary, else the first. */
function workEmail(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) scimFail('invalid', 'invalidValue', 'emails must be a list.');
  const list = v.filter(isObject);
  if (list.length !== v.length) scimFail('invalid', 'invalidValue', 'Each of emails is an object with a value.');
  const isWork = (e: Json) => typeof get(e, 'type') === 'string' && (get(e, 'type') as string).toLowerCase() === 'work';
  const isPrimary = (e: Json) => bool(get(e, 'primary'), 'emails.primary') === true;
  const pick = list.find((e) => isWork(e) && isPrimary(e)) ?? list.find(isWork) ?? list.find(isPrimary) ?? list[0];
  return pick ? text(get(pick, 'value'), 'emails.value', 254) : null;
}

/** See readResource: the form of the name the body changed, else the name as saved. */
function savedName(saved: SavedName, formatted: string | null, givenName: string | null, familyName: string | null, parts: string | null, displayName: string | null): string {
  if (formatted !== null && formatted !== saved.name) return formatted;
  if (parts !== null && (givenName !== saved.given_name || familyName !== saved.family_name)) return parts;
  if (displayName !== null && displayName !== saved.name) return displayName;
  return saved.name;
}

function managerId(value: unknown): number | null {
  // Entra has sent the manager as a one-element list of {value}.
  const v = Array.isArray(value) && value.length === 1 ? value[0] as unknown : value;
  const raw = isObject(v) ? get(v, 'value') : v;
  const id = text(raw, 'manager.value', 32);
  if (id === null) return null;
  if (!/^[1-9]\d{0,14}$/.test(id)) scimFail('invalid', 'invalidValue', `manager.value ${id} is not the id of a person here.`);
  return Number(id);
}

/** The person's name as last saved, so a PUT or PATCH that changes one form of it is told apart from one that repeats the others. */
export interface SavedName {
  name: string;
  given_name: string | null;
  family_name: string | null;
}

/**
 * Reads a User body (POST, PUT, or the resource after a PATCH). With `saved`, the full name follows
 * whichever form of it the body changed: name.formatted, else the given or family name (made into the
 * full name), else displayName; a body changing none keeps the name. Without, the first form given.
 */
export function readResource(doc: unknown, saved?: SavedName): ScimDesired {
  if (!isObject(doc)) scimFail('invalid', 'invalidSyntax', 'The body must be a SCIM User JSON object.');
  const userName = text(get(doc, 'userName'), 'userName', 254) ?? scimFail('invalid', 'invalidValue', 'userName is required.');
  const nameObj = get(doc, 'name');
  if (nameObj !== undefined && nameObj !== null && !isObject(nameObj)) scimFail('invalid', 'invalidValue', 'name must be an object.');
  const n = isObject(nameObj) ? nameObj : {};
  const formatted = text(get(n, 'formatted'), 'name.formatted', 200);
  const givenName = text(get(n, 'givenName'), 'name.givenName', 100);
  const familyName = text(get(n, 'familyName'), 'name.familyName', 100);
  const displayName = text(get(doc, 'displayName'), 'displayName', 200);
  const parts = [givenName, familyName].filter((s): s is string => s !== null).join(' ') || null;
  const name = saved ? savedName(saved, formatted, givenName, familyName, parts, displayName) : formatted ?? parts ?? displayName ?? userName;
  const email = workEmail(get(doc, 'emails')) ?? (userName.includes('@') ? userName : null)
    ?? scimFail('invalid', 'invalidValue', 'A work e-mail address is required (emails[type eq "work"].value, or a userName that is an e-mail address).');
  const extKey = Object.keys(doc).find((k) => k.toLowerCase() === ENTERPRISE_USER.toLowerCase());
  const extRaw = extKey === undefined ? undefined : doc[extKey];
  if (extRaw !== undefined && extRaw !== null && !isObject(extRaw)) scimFail('invalid', 'invalidValue', 'The enterprise extension must be an object.');
  const ext = isObject(extRaw) ? extRaw : {};
  return {
    userName, name, email, givenName, familyName,
    externalId: text(get(doc, 'externalId'), 'externalId', 254),
    title: text(get(doc, 'title'), 'title', 200),
    active: bool(get(doc, 'active'), 'active'),
    employeeNumber: text(get(ext, 'employeeNumber'), 'employeeNumber', 64),
    department: text(get(ext, 'department'), 'department', 900),
    managerId: managerId(get(ext, 'manager')),
  };
}

/**
 * The person's fields from a SCIM body, checked by the same schema as the admin form and the CSV
 * import. Role, hire date and job code are not SCIM's: a new person is a learner, others keep theirs.
 */
export function toUserFields(d: ScimDesired, existing: User | undefined, managerEmail: string | null): UserFields {
  const parsed = userFields.safeParse({
    employee_id: d.employeeNumber ?? '', email: d.email, name: d.name, role: existing?.role ?? 'learner', department: d.department ?? '',
    manager_email: managerEmail ?? '', hire_date: existing?.hire_date ?? '', job_code: existing?.job_code ?? '', job_title: d.title ?? '',
  });
  if (!parsed.success) scimFail('invalid', 'invalidValue', parsed.error.issues.map((i) => i.message).join(' '));
  return parsed.data;
}
