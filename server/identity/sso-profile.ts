/** What a protocol (OIDC or SAML) learned about the person signing in, already checked and mapped. */
export interface SsoProfile {
  protocol: 'oidc' | 'saml';
  /** OIDC issuer, or the SAML IdP entity ID. */
  issuer: string;
  /** OIDC sub, or the SAML NameID. */
  subject: string;
  email: string | null;
  /** OIDC email_verified: true, or a SAML NameID in emailAddress format; only a verified e-mail links. */
  emailVerified: boolean;
  name: string | null;
  employeeId: string | null;
  /** Slash-separated, as on the admin screen: Nursing/ICU. */
  departmentPath: string | null;
  jobTitle: string | null;
  /** The manager's e-mail or employee ID. */
  managerRef: string | null;
  groups: string[];
}

/** Why a sign-in was refused (the sso.refused audit event's reason). */
export type SsoRefusal =
  | 'inactive' | 'unknown-person' | 'email-not-verified' | 'privileged-account' | 'linked-to-another'
  | 'invalid-profile' | 'protocol-error';

export type SsoOutcome =
  | { kind: 'signed-in'; userId: number; linkedNow: boolean; createdNow: boolean }
  /** message: clear words for the refusal page. */
  | { kind: 'refused'; reason: SsoRefusal; message: string };
