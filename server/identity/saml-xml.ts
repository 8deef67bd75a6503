import { DOMParser } from '@xmldom/xmldom';

export const SAML_PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const SAML_METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/**
 * Documents we parse ourselves (IdP metadata, the outer shell of a response) never need a DTD: refusing any
 * DOCTYPE keeps entity expansion ("billion laughs") and external entities (XXE) out before a parser sees them.
 */
export function hasDoctype(xml: string): boolean {
  return /<!DOCTYPE|<!ENTITY/i.test(xml);
}

/** Parses XML strictly: every warning or error is a refusal (thrown), never a half-read document. */
export function parseStrictXml(xml: string): Document {
  if (hasDoctype(xml)) throw new Error('the XML has a DOCTYPE or entity declaration');
  const problems: string[] = [];
  const record = (msg: unknown) => { problems.push(String(msg)); };
  const doc = new DOMParser({ errorHandler: { warning: record, error: record, fatalError: record } }).parseFromString(xml, 'text/xml');
  if (problems.length || !doc?.documentElement) throw new Error('the XML is not well-formed');
  return doc;
}

/** The element's children in a namespace with that local name (direct children only: no search through the tree). */
export function childrenNamed(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName) out.push(n as Element);
  }
  return out;
}

export function textOf(el: Element | undefined): string {
  return (el?.textContent ?? '').trim();
}
