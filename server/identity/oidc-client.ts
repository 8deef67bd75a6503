import * as oidc from 'openid-client';
import type { Clock } from '../clock';
import type { OidcConfig } from './oidc-config';
import { OidcRefused, classifyOidcError, oidcRefusal } from './oidc-errors';

/** What the provider said about the person, after every check passed. */
export interface VerifiedClaims {
  /** The ID token's `iss` (for Entra's multi-tenant issuer, the person's own tenant's issuer). */
  issuer: string;
  subject: string;
  /** ID-token claims over the UserInfo answer's (the ID token is signed; UserInfo fills in what it lacks). */
  claims: Record<string, unknown>;
}

export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const TIMEOUT_SECONDS = 10;

function headerAlg(jwt: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string' ? (header as { alg: string }).alg : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The relying party, over openid-client: authorization code flow with PKCE (S256), state and nonce.
 * Discovery (and so the JWKS) is read afresh for every sign-in rather than cached: a provider's new
 * signing key is then accepted on its first use and a withdrawn one refused at once, at the cost of two
 * small GETs per sign-in. The app's clock is the library's clock (clockSkew), so tests can move it.
 */
export class OidcClient {
  /** `fetchImpl`: how requests reach the provider; the default is the global fetch (tests reach a stand-in for Entra's host through it). */
  constructor(private readonly cfg: OidcConfig, private readonly clock: Clock, private readonly fetchImpl?: oidc.CustomFetch) {}

  /** A Configuration for one request: discovery, client authentication, signature checks on the ID token. */
  private async configuration(): Promise<oidc.Configuration> {
    const skew = Math.round((this.clock.now().getTime() - Date.now()) / 1000);
    const metadata: Partial<oidc.ClientMetadata> = { [oidc.clockSkew]: skew, [oidc.clockTolerance]: 30 };
    const auth = this.cfg.clientSecret ? oidc.ClientSecretBasic(this.cfg.clientSecret) : oidc.None();
    // openid-client checks an ID token from the token endpoint by TLS alone unless told otherwise: the
    // non-repudiation check verifies its signature against the provider's JWKS (and refuses HS*).
    const execute = [oidc.enableNonRepudiationChecks, ...(this.cfg.allowHttp ? [oidc.allowInsecureRequests] : [])];
    try {
      return await oidc.discovery(new URL(this.cfg.issuerUrl), this.cfg.clientId, metadata, auth, {
        execute, timeout: TIMEOUT_SECONDS, ...(this.fetchImpl ? { [oidc.customFetch]: this.fetchImpl } : {}),
      });
    } catch (e) {
      const reason = classifyOidcError(e);
      throw new OidcRefused(oidcRefusal(reason === 'invalid-token' ? 'provider-unreachable' : reason), `discovery: ${e instanceof Error ? e.message : 'failed'}`);
    }
  }

  /** The provider's authorization URL to send the browser to. */
  async authorizationUrl(redirectUri: string, secrets: FlowSecrets): Promise<URL> {
    const config = await this.configuration();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.cfg.scopes,
      state: secrets.state,
      nonce: secrets.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Exchanges the code (with the PKCE verifier) and checks the ID token: signature against the JWKS,
   * algorithm allow-list, issuer, audience, expiry, nonce, and for Entra's multi-tenant issuer the tenant.
   * Throws OidcRefused with the reason.
   */
  async finish(redirectUri: string, query: URLSearchParams, secrets: FlowSecrets): Promise<VerifiedClaims> {
    const config = await this.configuration();
    const current = new URL(redirectUri);
    current.search = query.toString();
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: secrets.codeVerifier, expectedState: secrets.state, expectedNonce: secrets.nonce, idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw new OidcRefused(oidcRefusal('invalid-token'), 'no ID token');
      const alg = headerAlg(tokens.id_token);
      if (!alg || !this.cfg.algorithms.includes(alg)) throw new OidcRefused(oidcRefusal('algorithm-not-allowed'), `alg ${String(alg)}`);
      this.checkTenant(config, claims);
      const userinfo = config.serverMetadata().userinfo_endpoint
        ? await oidc.fetchUserInfo(config, tokens.access_token, claims.sub).catch((e: unknown) => {
          throw classifyOidcError(e) === 'provider-unreachable' ? e : new OidcRefused(oidcRefusal('userinfo-mismatch'), 'userinfo');
        })
        : {};
      return { issuer: claims.iss, subject: claims.sub, claims: { ...userinfo, ...claims } };
    } catch (e) {
      if (e instanceof OidcRefused) throw e;
      throw new OidcRefused(oidcRefusal(classifyOidcError(e)), e instanceof Error ? e.message : undefined);
    }
  }

  /** Entra's "/common" style issuer names no tenant: only the listed tenants' people may sign in. */
  private checkTenant(config: oidc.Configuration, claims: oidc.IDToken): void {
    const template = config.serverMetadata().issuer.includes('{tenantid}');
    const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
    if (template && this.cfg.tenantIds.length === 0) throw new OidcRefused(oidcRefusal('not-configured'), 'multi-tenant issuer without OIDC_TENANT_IDS');
    if ((template || this.cfg.tenantIds.length > 0) && (!tid || !this.cfg.tenantIds.includes(tid))) {
      throw new OidcRefused(oidcRefusal('tenant-not-allowed'), `tid ${String(tid)}`);
    }
  }

  /** RP-initiated logout: the provider's end-session URL, or undefined when it offers none (or OIDC_LOGOUT=local). */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<URL | undefined> {
    if (this.cfg.logout === 'local') return undefined;
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    // No id_token_hint: ID tokens are not kept after sign-in (see README, Okta).
    return oidc.buildEndSessionUrl(config, { client_id: this.cfg.clientId, post_logout_redirect_uri: postLogoutRedirectUri });
  }
}
