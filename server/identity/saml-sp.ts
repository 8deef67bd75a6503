import crypto from 'node:crypto';
import { SAML, SamlStatusError, ValidateInResponseTo, generateServiceProviderMetadata, type SamlConfig as NodeSamlConfig } from '@node-saml/node-saml';
import type { Clock } from '../clock';
import type { SamlConfig } from '../config';
import type { IdpMetadata } from './saml-metadata';
import {
  decodeResponse, readShell, readSignedAssertion, SamlRefusal, type SignedAssertion,
} from './saml-response';

export const EMAIL_NAMEID = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * node-saml reads the system time for NotBefore / NotOnOrAfter; this reads ours, so the injected clock
 * (and the tests' movable one) decides what is expired.
 */
class ClockedSaml extends SAML {
  constructor(options: NodeSamlConfig, private readonly clock: Clock) {
    super(options);
  }

  protected override checkTimestampsValidityError(_nowMs: number, notBefore: string, notOnOrAfter: string, maxTimeLimitMs?: number): Error | null {
    return super.checkTimestampsValidityError(this.clock.now().getTime(), notBefore, notOnOrAfter, maxTimeLimitMs);
  }
}

/** A response whose signature, issuer, audience, recipient and times all passed; the request and replay checks are the caller's (database). */
export interface VerifiedResponse {
  /** The AuthnRequest ID it answers (the same in the envelope and, when present, the signed confirmation). */
  inResponseTo: string;
  assertion: SignedAssertion;
  /** Until when the assertion could be replayed: remembered that long. */
  replayableUntil: Date;
}

function refusalFor(err: unknown): SamlRefusal {
  if (err instanceof SamlRefusal) return err;
  if (err instanceof SamlStatusError) return new SamlRefusal('idp-error', err.message);
  const message = err instanceof Error ? err.message : String(err);
  if (/signature/i.test(message)) return new SamlRefusal('bad-signature', message);
  if (/not yet valid/i.test(message)) return new SamlRefusal('not-yet-valid', message);
  if (/expired/i.test(message)) return new SamlRefusal('expired', message);
  if (/audience/i.test(message)) return new SamlRefusal('wrong-audience', message);
  return new SamlRefusal('malformed', message);
}

/**
 * The SAML 2.0 service provider: SP-initiated only, HTTP-Redirect AuthnRequest, HTTP-POST response with a
 * signed assertion (a signed response alone is not enough: only the assertion is read, from its signed XML).
 */
export class SamlServiceProvider {
  constructor(private readonly config: SamlConfig, private readonly clock: Clock) {}

  private saml(idp: IdpMetadata, requestId?: string): ClockedSaml {
    return new ClockedSaml({
      issuer: this.config.spEntityId,
      callbackUrl: this.config.acsUrl,
      entryPoint: idp.ssoRedirectUrl,
      idpCert: idp.signingCerts,
      audience: this.config.spEntityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: this.config.clockSkewMs,
      // InResponseTo is checked by us against the database, after the signature (a forged response cannot
      // use up a pending request) and across instances; node-saml's in-memory cache is not used.
      validateInResponseTo: ValidateInResponseTo.never,
      identifierFormat: EMAIL_NAMEID,
      // Entra refuses a requested PasswordProtectedTransport context when the person signs in another way (MFA, passwordless).
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
    }, this.clock);
  }

  /** A fresh AuthnRequest ID (an NCName: it must not start with a digit). */
  newRequestId(): string {
    return `_${crypto.randomBytes(20).toString('hex')}`;
  }

  /** The IdP address that carries our AuthnRequest (HTTP-Redirect binding, no RelayState: InResponseTo is our state). */
  async loginUrl(idp: IdpMetadata, requestId: string): Promise<string> {
    return this.saml(idp, requestId).getAuthorizeUrlAsync('', undefined, {});
  }

  metadataXml(): string {
    return generateServiceProviderMetadata({
      issuer: this.config.spEntityId,
      callbackUrl: this.config.acsUrl,
      identifierFormat: EMAIL_NAMEID,
      wantAssertionsSigned: true,
    });
  }

  /** Checks everything that needs no database; throws SamlRefusal with the reason. */
  async verify(idp: IdpMetadata, samlResponse: string): Promise<VerifiedResponse> {
    try {
      const xml = decodeResponse(samlResponse);
      const shell = readShell(xml);
      if (shell.encrypted) throw new SamlRefusal('encrypted', 'encrypted assertions are not set up');
      if (shell.assertionCount > 1) throw new SamlRefusal('bad-signature', 'more than one assertion');
      if (shell.issuer !== null && shell.issuer !== idp.entityId) throw new SamlRefusal('wrong-issuer', `issuer ${shell.issuer}`);
      if (shell.destination !== null && shell.destination !== this.config.acsUrl) throw new SamlRefusal('wrong-recipient', `destination ${shell.destination}`);
      if (shell.assertionCount === 1 && !shell.assertionSigned) throw new SamlRefusal('unsigned', 'the assertion carries no signature');
      const { profile } = await this.saml(idp).validatePostResponseAsync({ SAMLResponse: samlResponse });
      if (!profile) throw new SamlRefusal('malformed', 'no assertion');
      // Read again from the XML the signature covers: nothing outside it is trusted (signature wrapping).
      const assertion = readSignedAssertion(profile.getAssertionXml?.() ?? '');
      return this.checkAssertion(idp.entityId, assertion, shell.inResponseTo);
    } catch (err) {
      throw refusalFor(err);
    }
  }

  private checkAssertion(idpEntityId: string, a: SignedAssertion, envelopeInResponseTo: string | null): VerifiedResponse {
    if (a.issuer !== idpEntityId) throw new SamlRefusal('wrong-issuer', `issuer ${a.issuer}`);
    if (!a.nameId) throw new SamlRefusal('no-subject', 'the assertion names nobody');
    if (!a.id) throw new SamlRefusal('malformed', 'the assertion has no ID');
    if (a.recipient !== this.config.acsUrl) throw new SamlRefusal('wrong-recipient', `recipient ${a.recipient ?? '(none)'}`);
    const now = this.clock.now().getTime();
    const skew = this.config.clockSkewMs;
    const until = a.confirmationNotOnOrAfter ? Date.parse(a.confirmationNotOnOrAfter) : NaN;
    // A bearer confirmation must say until when it holds (SAML profiles §4.1.4.2).
    if (Number.isNaN(until)) throw new SamlRefusal('malformed', 'the subject confirmation has no NotOnOrAfter');
    if (now - skew >= until) throw new SamlRefusal('expired', 'the subject confirmation has expired');
    const from = a.confirmationNotBefore ? Date.parse(a.confirmationNotBefore) : NaN;
    if (!Number.isNaN(from) && now + skew < from) throw new SamlRefusal('not-yet-valid', 'the subject confirmation is not yet valid');
    const inResponseTo = envelopeInResponseTo ?? a.inResponseTo;
    if (!inResponseTo) throw new SamlRefusal('unsolicited', 'the response answers no request of ours');
    if (a.inResponseTo && a.inResponseTo !== inResponseTo) throw new SamlRefusal('unknown-request', 'the envelope and the assertion answer different requests');
    const conditionsUntil = a.conditionsNotOnOrAfter ? Date.parse(a.conditionsNotOnOrAfter) : until;
    return { inResponseTo, assertion: a, replayableUntil: new Date(Math.max(until, conditionsUntil) + skew) };
  }
}
