import { mapAttributes, type AttributeMapping } from './attribute-map';
import type { VerifiedClaims } from './oidc-client';
import type { SsoProfile } from './sso-profile';

/**
 * Whether the provider vouches for the e-mail address. OIDC's `email_verified: true`; Microsoft Entra ID
 * sends no email_verified, but its optional claim `xms_edov` ("email domain owner verified") says the
 * address's domain belongs to the tenant — without it an Entra user could type any address (nOAuth).
 */
export function emailVerified(claims: Record<string, unknown>): boolean {
  return claims.email_verified === true || claims.xms_edov === true;
}

/**
 * The person as the linking service takes them: issuer and subject from the checked ID token only;
 * the other fields through the configured attribute mapping (attribute-map.ts, OIDC defaults).
 */
export function oidcProfile(v: VerifiedClaims, mapping: AttributeMapping): SsoProfile {
  return { protocol: 'oidc', issuer: v.issuer, subject: v.subject, emailVerified: emailVerified(v.claims), ...mapAttributes(v.claims, mapping) };
}
