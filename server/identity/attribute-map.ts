import type { SsoAttributeNames } from '../config';
import type { SsoProfile } from './sso-profile';

// Which claim (OIDC) or attribute (SAML) gives each profile field. PURE: no database, no config reading;
// the protocols call it with the claims they have already checked. An admin sets any field explicitly
// with SSO_ATTR_*; the defaults below are the usual names, listed in the README.

/** Claim or attribute names per field, tried in order; the first one present gives the value. */
export interface AttributeMapping {
  email: readonly string[];
  name: readonly string[];
  /** Used together when no name claim is present: given + family. */
  givenName: readonly string[];
  familyName: readonly string[];
  employeeId: readonly string[];
  department: readonly string[];
  jobTitle: readonly string[];
  manager: readonly string[];
  groups: readonly string[];
}

const MS = 'http://schemas.microsoft.com/identity/claims';
const XMLSOAP = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/** OIDC: the standard claims (OpenID Connect Core 5.1), and the usual names of the optional ones. */
export const OIDC_DEFAULTS: AttributeMapping = {
  email: ['email'],
  name: ['name'],
  givenName: ['given_name'],
  familyName: ['family_name'],
  employeeId: ['employee_id', 'employeeid', 'employeeNumber'],
  department: ['department'],
  jobTitle: ['job_title', 'jobTitle', 'jobtitle'],
  manager: ['manager'],
  groups: ['groups'],
};

/**
 * SAML: Entra ID's claim URIs first (its default claims: emailaddress, givenname, surname, displayname;
 * groups when a group claim is added), then plain names as an Okta attribute statement, or an Entra claim
 * added without a namespace, carries them (employee ID, department, job title and manager have no
 * standard URI: name them in the provider and, if the name differs, in SSO_ATTR_*).
 * Entra's .../claims/name is the user principal name, not a display name, so it is not a name default.
 */
export const SAML_DEFAULTS: AttributeMapping = {
  email: [`${XMLSOAP}/emailaddress`, 'email', 'mail'],
  name: [`${MS}/displayname`, 'displayName', 'name'],
  givenName: [`${XMLSOAP}/givenname`, 'firstName', 'givenName'],
  familyName: [`${XMLSOAP}/surname`, 'lastName', 'surname'],
  employeeId: ['employeeid', 'employeeNumber', 'employee_id'],
  department: ['department'],
  jobTitle: ['jobtitle', 'title', 'jobTitle'],
  manager: ['manager'],
  groups: ['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', 'groups'],
};

/** The protocol's defaults with the configured names in their place (a configured name replaces the whole default list). */
export function attributeMapping(protocol: 'oidc' | 'saml', configured: SsoAttributeNames): AttributeMapping {
  const base = protocol === 'oidc' ? OIDC_DEFAULTS : SAML_DEFAULTS;
  return {
    ...base,
    ...(configured.email ? { email: configured.email } : {}),
    // An explicit name attribute is the only source of the name: no fallback to the default name parts.
    ...(configured.name ? { name: configured.name, givenName: [], familyName: [] } : {}),
    ...(configured.employeeId ? { employeeId: configured.employeeId } : {}),
    ...(configured.department ? { department: configured.department } : {}),
    ...(configured.jobTitle ? { jobTitle: configured.jobTitle } : {}),
    ...(configured.manager ? { manager: configured.manager } : {}),
    ...(configured.groups ? { groups: configured.groups } : {}),
  };
}

/** The claim's value as it is named, or else under the same name in another case (SAML attribute names vary in case). */
function lookup(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  const lower = name.toLowerCase();
  const key = Object.keys(claims).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : claims[key];
}

/** Strings in a claim value: a string, a number, or a list of them (SAML attributes are often lists). */
function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => (typeof v === 'string' ? [v.trim()] : typeof v === 'number' && Number.isFinite(v) ? [String(v)] : []))
    .filter((s) => s !== '');
}

function first(claims: Record<string, unknown>, names: readonly string[]): string | null {
  for (const name of names) {
    const found = strings(lookup(claims, name))[0];
    if (found !== undefined) return found;
  }
  return null;
}

/** The profile fields the claims give; a field with no value is null (groups: empty), meaning "not sent". */
export function mapAttributes(claims: Record<string, unknown>, mapping: AttributeMapping):
  Pick<SsoProfile, 'email' | 'name' | 'employeeId' | 'departmentPath' | 'jobTitle' | 'managerRef' | 'groups'> {
  const given = first(claims, mapping.givenName);
  const family = first(claims, mapping.familyName);
  const parts = [given, family].filter((s): s is string => s !== null);
  const groups: string[] = [];
  for (const name of mapping.groups) {
    for (const g of strings(lookup(claims, name))) if (!groups.includes(g)) groups.push(g);
  }
  return {
    email: first(claims, mapping.email),
    name: first(claims, mapping.name) ?? (parts.length ? parts.join(' ') : null),
    employeeId: first(claims, mapping.employeeId),
    departmentPath: first(claims, mapping.department),
    jobTitle: first(claims, mapping.jobTitle),
    managerRef: first(claims, mapping.manager),
    groups,
  };
}
