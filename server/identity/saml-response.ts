import { childrenNamed, parseStrictXml, SAML_ASSERTION_NS, SAML_PROTOCOL_NS, textOf, XMLDSIG_NS } from './saml-xml';

/** Why a SAML response was refused; each has its own words on the page and goes into the audit event. */
export type SamlRefusalReason =
  | 'too-large' | 'malformed' | 'encrypted' | 'idp-error' | 'unsigned' | 'bad-signature' | 'wrong-issuer'
  | 'wrong-audience' | 'wrong-recipient' | 'expired' | 'not-yet-valid' | 'unsolicited' | 'unknown-request'
  | 'replayed' | 'no-subject' | 'not-configured';

export class SamlRefusal extends Error {
  constructor(readonly reason: SamlRefusalReason, detail: string) {
    super(detail);
    this.name = 'SamlRefusal';
  }
}

/** The unsigned envelope, read before any signature check: only to refuse early and to say why precisely. */
export interface ResponseShell {
  issuer: string | null;
  destination: string | null;
  inResponseTo: string | null;
  assertionCount: number;
  encrypted: boolean;
  /** Whether the one assertion carries a ds:Signature of its own (unsigned ones get their own refusal). */
  assertionSigned: boolean;
}

/** A decoded response larger than this is refused before parsing (Entra and Okta responses are a few KB). */
export const MAX_RESPONSE_BYTES = 256 * 1024;

export function decodeResponse(base64: string): string {
  if (base64.length > Math.ceil(MAX_RESPONSE_BYTES / 3) * 4 + 4) throw new SamlRefusal('too-large', 'the response is larger than 256 KB');
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new SamlRefusal('malformed', 'the response is not base64');
  return Buffer.from(compact, 'base64').toString('utf8');
}

export function readShell(xml: string): ResponseShell {
  let doc: Document;
  try {
    doc = parseStrictXml(xml);
  } catch (e) {
    throw new SamlRefusal('malformed', e instanceof Error ? e.message : 'unreadable XML');
  }
  const root = doc.documentElement;
  if (root.namespaceURI !== SAML_PROTOCOL_NS || root.localName !== 'Response') throw new SamlRefusal('malformed', 'the message is not a SAML Response');
  const assertions = childrenNamed(root, SAML_ASSERTION_NS, 'Assertion');
  const encrypted = childrenNamed(root, SAML_ASSERTION_NS, 'EncryptedAssertion');
  return {
    issuer: textOf(childrenNamed(root, SAML_ASSERTION_NS, 'Issuer')[0]) || null,
    destination: root.getAttribute('Destination') || null,
    inResponseTo: root.getAttribute('InResponseTo') || null,
    assertionCount: assertions.length + encrypted.length,
    encrypted: encrypted.length > 0,
    assertionSigned: assertions.length === 1 && childrenNamed(assertions[0]!, XMLDSIG_NS, 'Signature').length > 0,
  };
}

/** What the signed assertion says, read from the XML that the signature check returned (never the envelope). */
export interface SignedAssertion {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  /** SubjectConfirmationData of the bearer confirmation: where, for which request and until when. */
  recipient: string | null;
  inResponseTo: string | null;
  confirmationNotBefore: string | null;
  confirmationNotOnOrAfter: string | null;
  conditionsNotOnOrAfter: string | null;
  attributes: Record<string, string[]>;
}

export function readSignedAssertion(xml: string): SignedAssertion {
  const el = parseStrictXml(xml).documentElement;
  if (el.namespaceURI !== SAML_ASSERTION_NS || el.localName !== 'Assertion') throw new SamlRefusal('malformed', 'the signed part is not an Assertion');
  const subject = childrenNamed(el, SAML_ASSERTION_NS, 'Subject')[0];
  const nameIdEl = subject ? childrenNamed(subject, SAML_ASSERTION_NS, 'NameID')[0] : undefined;
  const bearer = subject
    ? childrenNamed(subject, SAML_ASSERTION_NS, 'SubjectConfirmation').find((c) => c.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
    : undefined;
  const data = bearer ? childrenNamed(bearer, SAML_ASSERTION_NS, 'SubjectConfirmationData')[0] : undefined;
  const conditions = childrenNamed(el, SAML_ASSERTION_NS, 'Conditions')[0];
  const attributes: Record<string, string[]> = {};
  for (const statement of childrenNamed(el, SAML_ASSERTION_NS, 'AttributeStatement')) {
    for (const attr of childrenNamed(statement, SAML_ASSERTION_NS, 'Attribute')) {
      const name = attr.getAttribute('Name');
      if (!name) continue;
      attributes[name] = [...(attributes[name] ?? []), ...childrenNamed(attr, SAML_ASSERTION_NS, 'AttributeValue').map((v) => textOf(v))];
    }
  }
  const attr = (e: Element | undefined, name: string) => e?.getAttribute(name) || null;
  return {
    id: el.getAttribute('ID') ?? '',
    issuer: textOf(childrenNamed(el, SAML_ASSERTION_NS, 'Issuer')[0]),
    nameId: textOf(nameIdEl),
    nameIdFormat: attr(nameIdEl, 'Format'),
    recipient: attr(data, 'Recipient'),
    inResponseTo: attr(data, 'InResponseTo'),
    confirmationNotBefore: attr(data, 'NotBefore'),
    confirmationNotOnOrAfter: attr(data, 'NotOnOrAfter'),
    conditionsNotOnOrAfter: attr(conditions, 'NotOnOrAfter'),
    attributes,
  };
}
