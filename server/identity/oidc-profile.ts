import type { VerifiedClaims } from './oidc-client';

/** The person as the linking service takes them from either protocol (sso-linking.ts SsoProfile). */
export interface OidcProfile {
  protocol: 'oidc';
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  employeeId: string | null;
  departmentPath: string | null;
  jobTitle: string | null;
  managerRef: string | null;
  groups: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 500) : null);

/**
 * Whether the provider vouches for the e-mail address. OIDC's `email_verified: true`; Microsoft Entra ID
 * sends no email_verified, but its optional claim `xms_edov` ("email domain owner verified") says the
 * address's domain belongs to the tenant — without it an Entra user could type any address (nOAuth).
 */
export function emailVerified(claims: Record<string, unknown>): boolean {
  return claims.email_verified === true || claims.xms_edov === true;
}

/**
 * The standard claims as a profile (OpenID Connect Core 5.1). Issuer and subject come from the
 * checked ID token only; the rest may come from UserInfo.
 */
export function oidcProfile(v: VerifiedClaims): OidcProfile {
  const c = v.claims;
  const joined = [str(c.given_name), str(c.family_name)].filter(Boolean).join(' ');
  const groups = Array.isArray(c.groups) ? c.groups.filter((g): g is string => typeof g === 'string').slice(0, 200) : [];
  return {
    protocol: 'oidc',
    issuer: v.issuer,
    subject: v.subject,
    email: str(c.email)?.toLowerCase() ?? null,
    emailVerified: emailVerified(c),
    name: str(c.name) ?? (joined || null),
    employeeId: str(c.employee_id) ?? str(c.employeeNumber),
    departmentPath: str(c.department),
    jobTitle: str(c.job_title) ?? str(c.jobTitle),
    managerRef: null,
    groups,
  };
}
