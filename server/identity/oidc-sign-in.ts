import * as oidc from 'openid-client';
import type { Clock } from '../clock';
import { OidcClient } from './oidc-client';
import type { OidcConfig } from './oidc-config';
import { OidcRefused, oidcRefusal, type OidcRefusal } from './oidc-errors';
import type { AttributeMapping } from './attribute-map';
import { oidcProfile } from './oidc-profile';
import type { SsoOutcome, SsoProfile } from './sso-profile';

/** The login requests store (sso-requests.ts): single use, 10-minute life, state made there. */
export interface OidcRequestsPort {
  begin(protocol: 'oidc', o: { nonce: string; codeVerifier: string; returnTo?: string }): Promise<{ state: string }>;
  take(protocol: 'oidc', state: string): Promise<{ nonce: string | null; codeVerifier: string | null; returnTo: string } | null>;
}

/** Account linking (sso-linking.ts): finds or links the person, audits, refuses with words. */
export interface OidcLinkingPort {
  signIn(profile: SsoProfile, meta: { ip: string | null }): Promise<SsoOutcome>;
  /** Audits a refusal before any person was known (sso.refused, reason protocol-error, with the check that failed). */
  refuseProtocol(protocol: 'oidc', check: string, meta: { ip: string | null }): Promise<unknown>;
}

export type OidcOutcome =
  | { kind: 'signed-in'; userId: number; returnTo: string }
  | { kind: 'refused'; status: number; message: string };

export interface CallbackInput {
  /** Our redirect URI (BASE_URL/auth/oidc/callback) as the provider was told it. */
  redirectUri: string;
  /** The callback's query string as received (code, state, iss, or error). */
  query: URLSearchParams;
  state: string | undefined;
  /** Whether this browser holds the cookie set when it started this sign-in (login CSRF). */
  startedHere: boolean;
  providerError: string | undefined;
  ip: string | null;
}

/**
 * OpenID Connect sign-in: starts the flow (state, nonce and PKCE verifier kept server-side, single use)
 * and finishes it (every check in OidcClient, then account linking). Every refusal is audited with
 * its reason before the page says it.
 */
export class OidcSignIn {
  private readonly client?: OidcClient;

  constructor(
    private readonly cfg: OidcConfig | undefined,
    clock: Clock,
    private readonly requests: OidcRequestsPort,
    private readonly linking: OidcLinkingPort,
    private readonly mapping: AttributeMapping,
    fetchImpl?: oidc.CustomFetch,
  ) {
    if (cfg) this.client = new OidcClient(cfg, clock, fetchImpl);
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** The provider's sign-in address for a new flow, and the state to bind to this browser. */
  async begin(redirectUri: string, returnTo: string, ip: string | null): Promise<{ url: string; state: string } | { refused: OidcRefusal }> {
    if (!this.client) return { refused: oidcRefusal('not-configured') };
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const { state } = await this.requests.begin('oidc', { nonce, codeVerifier, returnTo });
    try {
      const url = await this.client.authorizationUrl(redirectUri, { state, nonce, codeVerifier });
      return { url: url.href, state };
    } catch (e) {
      const refusal = e instanceof OidcRefused ? e.refusal : oidcRefusal('provider-unreachable');
      await this.audit(refusal, e instanceof OidcRefused ? e.detail : undefined, ip);
      return { refused: refusal };
    }
  }

  async complete(input: CallbackInput): Promise<OidcOutcome> {
    if (!this.client) return this.refuse(oidcRefusal('not-configured'), undefined, input.ip);
    if (!input.state) return this.refuse(oidcRefusal('missing-state'), undefined, input.ip);
    // Checked before the state is used up: someone else's link cannot spend this browser's sign-in.
    if (!input.startedHere) return this.refuse(oidcRefusal('state-not-from-this-browser'), undefined, input.ip);
    const request = await this.requests.take('oidc', input.state);
    if (!request || !request.nonce || !request.codeVerifier) return this.refuse(oidcRefusal('unknown-or-used-state'), undefined, input.ip);
    if (input.providerError) return this.refuse(oidcRefusal('provider-error'), `error ${input.providerError.slice(0, 60)}`, input.ip);
    let profile: SsoProfile;
    try {
      const verified = await this.client.finish(input.redirectUri, input.query, {
        state: input.state, nonce: request.nonce, codeVerifier: request.codeVerifier,
      });
      profile = oidcProfile(verified, this.mapping);
    } catch (e) {
      if (!(e instanceof OidcRefused)) throw e;
      return this.refuse(e.refusal, e.detail, input.ip);
    }
    const outcome = await this.linking.signIn(profile, { ip: input.ip });
    // The linking service has audited its own refusal (unknown person, inactive, takeover).
    if (outcome.kind === 'refused') return { kind: 'refused', status: 403, message: outcome.message };
    return { kind: 'signed-in', userId: outcome.userId, returnTo: request.returnTo };
  }

  /** Where to send the browser after our session ends: the provider's logout page, or undefined. */
  async logoutUrl(postLogoutRedirectUri: string): Promise<string | undefined> {
    if (!this.client) return undefined;
    try {
      return (await this.client.endSessionUrl(postLogoutRedirectUri))?.href;
    } catch {
      // The provider being down must not keep anyone signed in here: our session has already ended.
      return undefined;
    }
  }

  private async refuse(refusal: OidcRefusal, detail: string | undefined, ip: string | null): Promise<OidcOutcome> {
    await this.audit(refusal, detail, ip);
    return { kind: 'refused', status: refusal.status, message: refusal.message };
  }

  private async audit(refusal: OidcRefusal, detail: string | undefined, ip: string | null): Promise<void> {
    await this.linking.refuseProtocol('oidc', detail ? `${refusal.reason} (${scrub(detail)})` : refusal.reason, { ip });
  }
}

/** Library messages may quote a JWT or code: anything token-shaped is cut before it reaches the audit log. */
function scrub(detail: string): string {
  return detail.replace(/[A-Za-z0-9_-]{24,}(\.[A-Za-z0-9_-]*)*/g, '…').slice(0, 200);
}
