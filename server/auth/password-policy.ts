import type { SsoConfig } from '../config';
import type { User } from '../db/schema';

/**
 * Whether this person may sign in with a password. While single sign-on is configured, the roles in
 * SSO_PASSWORD_ROLES sign in through the identity provider only; admins named in SSO_BREAK_GLASS always
 * keep their password, so the site stays reachable when the provider is down or misconfigured.
 */
export function passwordSignInAllowed(sso: Pick<SsoConfig, 'enabled' | 'passwordOffRoles' | 'breakGlass'>, user: Pick<User, 'role' | 'email_normalized'>): boolean {
  if (!sso.enabled) return true;
  if (user.role === 'admin' && sso.breakGlass.includes(user.email_normalized)) return true;
  return !sso.passwordOffRoles.includes(user.role);
}
