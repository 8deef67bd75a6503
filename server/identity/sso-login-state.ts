import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import { hasControlChars } from '../text';
import { ssoStore } from './sso-store';

// The login requests this server starts, kept in the database so that any instance can finish a sign-in
// another began (issue 19). Only a SHA-256 of the state (or of the SAML AuthnRequest ID) is stored: a
// copy of the table does not let anyone answer a request. Each is used once and lives 10 minutes.

export type SsoProtocol = 'oidc' | 'saml';

/** How long a user has between leaving for the identity provider and coming back. */
export const SSO_REQUEST_LIFE_MS = 10 * 60_000;

/** A taken request: what the callback needs to check the answer and where to send the person. */
export interface TakenSsoRequest {
  protocol: SsoProtocol;
  nonce: string | null;
  codeVerifier: string | null;
  returnTo: string;
  createdAt: string;
}

export interface BeginOptions {
  nonce?: string;
  codeVerifier?: string;
  /** SAML: the AuthnRequest ID the library made; it is then the state (InResponseTo comes back with it). */
  requestId?: string;
  /** A path on this site to go to afterwards; anything else becomes "/". */
  returnTo?: string;
}

const hashOf = (state: string) => crypto.createHash('sha256').update(state).digest('hex');

/** A local path only: an absolute or protocol-relative address would make the sign-in an open redirect. */
export function localReturnTo(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || hasControlChars(raw) || raw.length > 2000) return '/';
  return raw;
}

export class SsoRequests {
  constructor(private readonly db: Kysely<DB>, private readonly clock: Clock, private readonly lifeMs = SSO_REQUEST_LIFE_MS) {}

  /** Records a new request; for OIDC the state is made here (256 random bits), for SAML it is the request ID given. */
  async begin(protocol: SsoProtocol, o: BeginOptions = {}): Promise<{ state: string }> {
    const state = o.requestId ?? crypto.randomBytes(32).toString('base64url');
    if (!state || state.length > 512) throw new Error('An SSO request ID must be 1 to 512 characters.');
    const now = this.clock.now();
    const store = ssoStore(this.db);
    // Old rows go as new ones come: the table holds only the last few minutes of sign-ins.
    await store.sweepRequests(new Date(now.getTime() - this.lifeMs).toISOString());
    await store.insertRequest({
      protocol, state_hash: hashOf(state), nonce: o.nonce ?? null, code_verifier: o.codeVerifier ?? null,
      return_to: localReturnTo(o.returnTo), created_at: now.toISOString(), expires_at: new Date(now.getTime() + this.lifeMs).toISOString(),
    });
    return { state };
  }

  /** Uses up the request the state (or InResponseTo) names: null when unknown, already used, expired or of the other protocol. */
  async take(protocol: SsoProtocol, stateOrRequestId: string): Promise<TakenSsoRequest | null> {
    if (!stateOrRequestId || stateOrRequestId.length > 512) return null;
    const row = await ssoStore(this.db).takeRequest(protocol, hashOf(stateOrRequestId), this.clock.now().toISOString());
    if (!row) return null;
    return { protocol: row.protocol, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to, createdAt: row.created_at };
  }

  /**
   * SAML replay: records the assertion ID until the assertion expires; false when that provider's
   * assertion was accepted before. Expired records are dropped first (an expired assertion is refused
   * by its own NotOnOrAfter anyway).
   */
  async markAssertionSeen(issuer: string, assertionId: string, expiresAt: Date | string): Promise<boolean> {
    const store = ssoStore(this.db);
    const now = this.clock.now();
    await store.sweepSeen(now.toISOString());
    const until = new Date(expiresAt);
    // Kept at least as long as a request lives, whatever the assertion says, so a bad clock cannot shorten it.
    const keep = Math.max(Number.isNaN(until.getTime()) ? 0 : until.getTime(), now.getTime() + this.lifeMs);
    return store.markSeen(issuer, assertionId, new Date(keep).toISOString());
  }
}
