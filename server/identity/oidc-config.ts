/**
 * OpenID Connect settings (issue 18), read from the environment by server/config.ts (the only reader of
 * env); this file only checks and shapes the values it is handed.
 */

/** Signature algorithms an ID token may use. Never `none`, and never HS*: an HMAC key would be the client secret. */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const DEFAULT_ID_TOKEN_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'PS256'];

export interface OidcConfig {
  /** OIDC_ISSUER_URL: the provider's issuer; discovery reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuerUrl: string;
  readonly clientId: string;
  /** OIDC_CLIENT_SECRET: without it the client is public and relies on PKCE alone. Never logged or shown. */
  readonly clientSecret?: string;
  /** OIDC_SCOPES: always includes openid. */
  readonly scopes: string;
  /** OIDC_ID_TOKEN_ALGS: the allow-list (a subset of ID_TOKEN_ALGORITHMS). */
  readonly algorithms: readonly string[];
  /**
   * OIDC_TENANT_IDS: Microsoft Entra ID's multi-tenant issuer ("…/{tenantid}/v2.0", as /common or
   * /organizations discover) names no tenant, so any organisation's accounts would pass; the `tid` of
   * each ID token must be one of these.
   */
  readonly tenantIds: readonly string[];
  /** OIDC_LOGOUT: provider = RP-initiated logout at the provider's end_session_endpoint when it has one; local = ours only. */
  readonly logout: 'provider' | 'local';
  /** Plain http is accepted for an issuer on this machine only (development and the tests). */
  readonly allowHttp: boolean;
}

export interface OidcEnv {
  OIDC_ISSUER_URL?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_SCOPES?: string;
  OIDC_ID_TOKEN_ALGS?: string;
  OIDC_TENANT_IDS?: string;
  OIDC_LOGOUT?: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** OIDC settings, or undefined when OIDC is off; problems are `NAME: message` lines for ConfigError. */
export function oidcConfigFrom(env: OidcEnv): { config?: OidcConfig; problems: string[] } {
  const problems: string[] = [];
  const set = [env.OIDC_ISSUER_URL, env.OIDC_CLIENT_ID].filter((v) => v !== undefined).length;
  const others = [env.OIDC_CLIENT_SECRET, env.OIDC_SCOPES, env.OIDC_ID_TOKEN_ALGS, env.OIDC_TENANT_IDS, env.OIDC_LOGOUT];
  if (set === 0) {
    if (others.some((v) => v !== undefined)) problems.push('OIDC_ISSUER_URL: set OIDC_ISSUER_URL and OIDC_CLIENT_ID to turn on OpenID Connect sign-in, or remove the other OIDC_ settings');
    return { problems };
  }
  if (set === 1) return { problems: ['OIDC_CLIENT_ID: OIDC_ISSUER_URL and OIDC_CLIENT_ID must be set together'] };
  let issuer: URL | undefined;
  try {
    issuer = new URL(env.OIDC_ISSUER_URL!);
  } catch {
    problems.push('OIDC_ISSUER_URL: must be the provider\'s issuer address, such as https://login.microsoftonline.com/<tenant id>/v2.0');
  }
  const allowHttp = issuer !== undefined && issuer.protocol === 'http:' && LOOPBACK.test(issuer.hostname);
  if (issuer && issuer.protocol !== 'https:' && !allowHttp) problems.push('OIDC_ISSUER_URL: must start with https:// (plain http only for a provider on this machine)');
  if (issuer && (issuer.search || issuer.hash)) problems.push('OIDC_ISSUER_URL: must not carry a query or fragment');
  const scopes = (env.OIDC_SCOPES ?? 'openid email profile').split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  const algorithms = env.OIDC_ID_TOKEN_ALGS ? env.OIDC_ID_TOKEN_ALGS.split(',').map((a) => a.trim()).filter(Boolean) : [...DEFAULT_ID_TOKEN_ALGORITHMS];
  const badAlgs = algorithms.filter((a) => !(ID_TOKEN_ALGORITHMS as readonly string[]).includes(a));
  if (badAlgs.length || algorithms.length === 0) {
    problems.push(`OIDC_ID_TOKEN_ALGS: must be a comma-separated list of ${ID_TOKEN_ALGORITHMS.join(', ')} (none and HS256 are never accepted); not ${badAlgs.join(', ') || 'empty'}`);
  }
  const tenantIds = (env.OIDC_TENANT_IDS ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const badTenants = tenantIds.filter((t) => !TENANT_ID.test(t));
  if (badTenants.length) problems.push(`OIDC_TENANT_IDS: each entry must be a Microsoft Entra tenant ID (a GUID); not ${badTenants.join(', ')}`);
  const logout = env.OIDC_LOGOUT ?? 'provider';
  if (logout !== 'provider' && logout !== 'local') problems.push('OIDC_LOGOUT: must be provider or local');
  if (problems.length) return { problems };
  return {
    problems,
    config: Object.freeze({
      issuerUrl: env.OIDC_ISSUER_URL!,
      clientId: env.OIDC_CLIENT_ID!,
      ...(env.OIDC_CLIENT_SECRET ? { clientSecret: env.OIDC_CLIENT_SECRET } : {}),
      scopes: scopes.join(' '),
      algorithms: Object.freeze(algorithms),
      tenantIds: Object.freeze(tenantIds),
      logout: logout as 'provider' | 'local',
      allowHttp,
    }),
  };
}
