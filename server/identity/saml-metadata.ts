import crypto from 'node:crypto';
import { fail } from '../errors';
import { childrenNamed, parseStrictXml, SAML_METADATA_NS, textOf, XMLDSIG_NS } from './saml-xml';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What we take from the identity provider's metadata. */
export interface IdpMetadata {
  /** The IdP's entity ID: the only Issuer we accept. */
  entityId: string;
  /** Where the browser takes our AuthnRequest (HTTP-Redirect binding). */
  ssoRedirectUrl: string;
  /** Every signing certificate listed, as PEM: during a rollover the old and the new are both trusted. */
  signingCerts: string[];
}

function pemOf(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  // Throws on anything that is not a certificate, so a broken metadata file is refused as a whole.
  new crypto.X509Certificate(pem);
  return pem;
}

/**
 * Reads IdP metadata (an EntityDescriptor, or an EntitiesDescriptor holding one IdP). Throws a RuleError
 * with words an administrator can act on; the caller keeps the last good metadata when a refresh fails.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  let doc: Document;
  try {
    doc = parseStrictXml(xml);
  } catch (e) {
    return fail('invalid', `The SAML identity provider metadata could not be read: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const root = doc.documentElement;
  const entities = root.localName === 'EntitiesDescriptor' && root.namespaceURI === SAML_METADATA_NS
    ? childrenNamed(root, SAML_METADATA_NS, 'EntityDescriptor')
    : root.localName === 'EntityDescriptor' && root.namespaceURI === SAML_METADATA_NS ? [root] : [];
  const idps = entities.filter((e) => childrenNamed(e, SAML_METADATA_NS, 'IDPSSODescriptor').length > 0);
  if (idps.length !== 1) fail('invalid', `The SAML metadata must describe exactly one identity provider (it describes ${idps.length}).`);
  const entity = idps[0]!;
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) fail('invalid', 'The SAML identity provider metadata has no entityID.');
  const descriptor = childrenNamed(entity, SAML_METADATA_NS, 'IDPSSODescriptor')[0]!;
  const sso = childrenNamed(descriptor, SAML_METADATA_NS, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT_BINDING);
  const ssoRedirectUrl = sso?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//i.test(ssoRedirectUrl)) fail('invalid', 'The SAML identity provider metadata has no SingleSignOnService for the HTTP-Redirect binding.');
  const signingCerts: string[] = [];
  for (const key of childrenNamed(descriptor, SAML_METADATA_NS, 'KeyDescriptor')) {
    // No "use" means the key is for both signing and encryption (SAML metadata §2.4.1.1).
    const use = key.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const info of childrenNamed(key, XMLDSIG_NS, 'KeyInfo')) {
      for (const data of childrenNamed(info, XMLDSIG_NS, 'X509Data')) {
        for (const cert of childrenNamed(data, XMLDSIG_NS, 'X509Certificate')) {
          try {
            signingCerts.push(pemOf(textOf(cert)));
          } catch {
            fail('invalid', 'A signing certificate in the SAML identity provider metadata is not a valid X.509 certificate.');
          }
        }
      }
    }
  }
  if (!signingCerts.length) fail('invalid', 'The SAML identity provider metadata lists no signing certificate.');
  return { entityId, ssoRedirectUrl, signingCerts: [...new Set(signingCerts)] };
}
