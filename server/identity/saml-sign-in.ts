import type { SamlConfig, SsoAttributeNames } from '../config';
import { attributeMapping, mapAttributes } from './attribute-map';
import type { SamlMetadataSource } from './saml-metadata-source';
import { SamlRefusal, type SamlRefusalReason } from './saml-response';
import { EMAIL_NAMEID, SamlServiceProvider, type VerifiedResponse } from './saml-sp';
import type { SsoOutcome, SsoProfile } from './sso-profile';

/** The parts of sso-requests (s19-sso-core) a SAML sign-in uses: requests by AuthnRequest ID, and assertion replay. */
export interface SamlRequestStore {
  begin(protocol: 'saml', o: { requestId: string; returnTo?: string }): Promise<{ state: string }>;
  take(protocol: 'saml', requestId: string): Promise<{ returnTo: string } | null>;
  markAssertionSeen(issuer: string, assertionId: string, expiresAt: Date): Promise<boolean>;
}

/** The one sign-in entry shared with OIDC (sso-linking), and its audited refusal for a protocol's own checks. */
export interface SamlLinking {
  signIn(profile: SsoProfile, meta: { ip: string | null }): Promise<SsoOutcome>;
  refuseProtocol(protocol: 'saml', check: string, meta: { ip: string | null; issuer?: string | null }): Promise<SsoOutcome>;
}

/** Mapped attributes (sso-core's attribute map, with the SAML defaults). */
export type SamlAttributeMap = (claims: Record<string, unknown>) => Partial<SsoProfile>;

/** sso-core's attribute map with the SAML defaults (Entra claim URIs, Okta names) and any SSO_ATTR_* names. */
export function samlAttributes(names: SsoAttributeNames): SamlAttributeMap {
  const mapping = attributeMapping('saml', names);
  return (claims) => mapAttributes(claims, mapping);
}

export type SamlFinish =
  | { kind: 'signed-in'; outcome: SsoOutcome & { kind: 'signed-in' }; returnTo: string }
  | { kind: 'refused'; reason: string; message: string };

/** The words each refusal shows; the audit event carries the reason and the failed check. */
function words(reason: SamlRefusalReason, idp: string): string {
  const again = 'Open the sign-in page and choose the single sign-on button again.';
  switch (reason) {
    case 'unsolicited':
      return `Sign-in with ${idp} has to start on this site: a sign-in response that answers no request from here is not accepted. ${again}`;
    case 'unknown-request':
      return `This sign-in response does not answer a sign-in started here in the last 10 minutes, or it was already used. ${again}`;
    case 'replayed':
      return `This sign-in response was already used once and cannot be used again. ${again}`;
    case 'expired':
    case 'not-yet-valid':
      return `The sign-in response from ${idp} is outside its time limit. ${again} If it keeps happening, ask your IT team to check the clocks of this server and of the identity provider.`;
    case 'unsigned':
    case 'bad-signature':
      return `The sign-in response was not signed by ${idp} with a certificate this site trusts, so nobody was signed in. ` +
        'If your organisation has just changed its signing certificate, ask your IT team to update this site\'s SAML metadata.';
    case 'wrong-issuer':
    case 'wrong-audience':
    case 'wrong-recipient':
      return `The sign-in response came from another identity provider or was meant for another site, so nobody was signed in. ${again}`;
    case 'idp-error':
      return `${idp} did not sign you in (it answered with an error). ${again} If it keeps happening, tell your IT team.`;
    case 'not-configured':
      return 'Single sign-on is not available right now: the identity provider\'s settings could not be read. Tell your IT team; sign in with a password if you have one.';
    case 'too-large':
    case 'malformed':
    case 'encrypted':
    case 'no-subject':
      return `The sign-in response from ${idp} could not be read, so nobody was signed in. ${again} If it keeps happening, tell your IT team.`;
  }
}

/**
 * SP-initiated SAML sign-in: starts a request (kept in the database by its AuthnRequest ID) and finishes it
 * at the ACS: signature and conditions (saml-sp), then the request (single use) and the assertion
 * (replay), then the shared linking rules. Every refusal is audited before its page is shown.
 */
export class SamlSignIn {
  readonly sp: SamlServiceProvider;

  constructor(
    readonly config: SamlConfig,
    private readonly metadata: SamlMetadataSource,
    private readonly requests: SamlRequestStore,
    private readonly linking: SamlLinking,
    private readonly mapAttributes: SamlAttributeMap,
    sp: SamlServiceProvider,
  ) {
    this.sp = sp;
  }

  /** Reads the IdP metadata now (start-up); throws a RuleError saying what is wrong with it. */
  async loadMetadata(): Promise<{ entityId: string; certificates: number }> {
    const idp = await this.metadata.refresh();
    return { entityId: idp.entityId, certificates: idp.signingCerts.length };
  }

  /** The IdP address to send the browser to. Throws SamlRefusal('not-configured') when the metadata is unusable. */
  async start(returnTo: string): Promise<string> {
    const idp = await this.metadata.current().catch(() => { throw new SamlRefusal('not-configured', 'metadata unreadable'); });
    const requestId = this.sp.newRequestId();
    await this.requests.begin('saml', { requestId, returnTo });
    return this.sp.loginUrl(idp, requestId);
  }

  /** Audits a refusal made before a response was read (the metadata could not be read at start). */
  async refuseStart(err: SamlRefusal, ip: string | null): Promise<SamlFinish & { kind: 'refused' }> {
    await this.linking.refuseProtocol('saml', `${err.reason}: ${err.message}`, { ip });
    return { kind: 'refused', reason: err.reason, message: words(err.reason, this.config.buttonName) };
  }

  async finish(samlResponse: string, ip: string | null): Promise<SamlFinish> {
    let issuer: string | null = null;
    try {
      const idp = await this.metadata.current().catch(() => { throw new SamlRefusal('not-configured', 'metadata unreadable'); });
      issuer = idp.entityId;
      const verified = await this.sp.verify(idp, samlResponse);
      // Replay first: a response used before is told as such, not as an unknown request.
      if (!await this.requests.markAssertionSeen(idp.entityId, verified.assertion.id, verified.replayableUntil)) {
        throw new SamlRefusal('replayed', `assertion ${verified.assertion.id.slice(0, 80)} seen before`);
      }
      const request = await this.requests.take('saml', verified.inResponseTo);
      if (!request) throw new SamlRefusal('unknown-request', 'InResponseTo names no open request of ours');
      const outcome = await this.linking.signIn(this.profileOf(idp.entityId, verified), { ip });
      if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason, message: outcome.message };
      return { kind: 'signed-in', outcome, returnTo: request.returnTo };
    } catch (err) {
      if (!(err instanceof SamlRefusal)) throw err;
      await this.linking.refuseProtocol('saml', `${err.reason}: ${err.message}`, { ip, issuer });
      return { kind: 'refused', reason: err.reason, message: words(err.reason, this.config.buttonName) };
    }
  }

  private profileOf(issuer: string, v: VerifiedResponse): SsoProfile {
    const a = v.assertion;
    const mapped = this.mapAttributes(Object.fromEntries(Object.entries(a.attributes).map(([k, vals]) => [k, vals.length === 1 ? vals[0] : vals])));
    // An e-mail-format NameID is the IdP's statement of the address: it counts as verified (issue 18); a mapped
    // attribute alone never does.
    const emailNameId = a.nameIdFormat === EMAIL_NAMEID && a.nameId.includes('@');
    return {
      protocol: 'saml', issuer, subject: a.nameId,
      email: emailNameId ? a.nameId : mapped.email ?? null,
      emailVerified: emailNameId,
      name: mapped.name ?? null, employeeId: mapped.employeeId ?? null, departmentPath: mapped.departmentPath ?? null,
      jobTitle: mapped.jobTitle ?? null, managerRef: mapped.managerRef ?? null, groups: mapped.groups ?? [],
    };
  }
}
