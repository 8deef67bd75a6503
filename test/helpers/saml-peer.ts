import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as xmllintValidator from '@authenio/samlify-xmllint-wasm';
import * as samlify from 'samlify';
import { generate } from 'selfsigned';
import type { Clock } from '../../server/clock';

// samlify checks every message it parses against the SAML XSDs: xmllint compiled to WebAssembly, no Java.
samlify.setSchemaValidator(xmllintValidator);

const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface KeyPair { key: string; cert: string }

/** A fresh RSA key and self-signed certificate, made now (nothing downloaded, no files). */
export async function makeKeyPair(commonName = 'Test IdP signing'): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keySize: 2048, algorithm: 'sha256' });
  return { key: pems.private, cert: pems.cert };
}

const bareCert = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What one response says; every field can be bent by a test to make a hostile or broken one. */
export interface ResponseParts {
  nameId: string;
  nameIdFormat?: string;
  attributes?: Record<string, string | string[]>;
  inResponseTo?: string | null;
  audience?: string;
  recipient?: string;
  destination?: string;
  issuer?: string;
  /** Minutes from the peer's clock until the assertion expires (negative: already expired). */
  validMinutes?: number;
  /** Minutes the assertion's times are shifted by (positive: issued in the future). */
  shiftMinutes?: number;
  assertionId?: string;
  /** false: the assertion carries no signature (the response is still signed when signResponse). */
  signAssertion?: boolean;
  signResponse?: boolean;
  /** The assertion uses the saml: prefix declared on the Response only (as some IdPs write it). */
  inheritNamespace?: boolean;
}

export interface SamlPeerOptions {
  clock: Clock;
  spEntityId: string;
  acsUrl: string;
  entityId?: string;
  /** The key this IdP signs with; others may be listed in its metadata too (rollover). */
  signing?: KeyPair;
}

/**
 * An identity provider in-process: samlify parses our AuthnRequests (schema-checked) and signs its
 * responses; it serves a tiny sign-in form at /sso that posts the response back to our ACS, and its
 * metadata at /metadata. Times come from the test's clock, like the app's.
 */
export class SamlPeer {
  readonly entityId: string;
  readonly signing: KeyPair;
  private server: http.Server | undefined;
  private base = '';
  /** Extra certificates published in the metadata besides the signing one (a rollover's old or new key). */
  extraMetadataCerts: string[] = [];
  private readonly sp: samlify.ServiceProviderInstance;

  private constructor(private readonly options: SamlPeerOptions, signing: KeyPair) {
    this.entityId = options.entityId ?? 'https://idp.test.example/saml';
    this.signing = signing;
    this.sp = samlify.ServiceProvider({
      entityID: options.spEntityId,
      wantAssertionsSigned: true,
      assertionConsumerService: [{ Binding: POST, Location: options.acsUrl }],
    });
  }

  static async create(options: SamlPeerOptions): Promise<SamlPeer> {
    return new SamlPeer(options, options.signing ?? await makeKeyPair());
  }

  get ssoUrl(): string {
    return `${this.base || 'https://idp.test.example'}/sso`;
  }

  private idp(): samlify.IdentityProviderInstance {
    return samlify.IdentityProvider({
      entityID: this.entityId,
      privateKey: this.signing.key,
      signingCert: this.signing.cert,
      nameIDFormat: [EMAIL_FORMAT],
      singleSignOnService: [{ Binding: REDIRECT, Location: this.ssoUrl }],
      // Not served (no single logout here); listed so samlify does not warn about its absence.
      singleLogoutService: [{ Binding: REDIRECT, Location: `${this.ssoUrl}/logout` }],
    });
  }

  /** IdP metadata listing the signing certificate and any extra ones. */
  metadataXml(): string {
    const keys = [this.signing.cert, ...this.extraMetadataCerts].map((c) =>
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${bareCert(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`).join('');
    return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(this.entityId)}">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}` +
      `<md:NameIDFormat>${EMAIL_FORMAT}</md:NameIDFormat>` +
      `<md:SingleSignOnService Binding="${REDIRECT}" Location="${esc(this.ssoUrl)}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
  }

  /** Reads our AuthnRequest from the redirect address, as the IdP does (inflate, schema check); returns its ID. */
  async readRequest(redirectUrl: string): Promise<{ id: string; acsUrl: string; issuer: string }> {
    const url = new URL(redirectUrl);
    const query = Object.fromEntries(url.searchParams.entries());
    const parsed = await this.idp().parseLoginRequest(this.sp, 'redirect', { query, octetString: url.search.slice(1) });
    const request = (parsed.extract as { request: { id: string; assertionConsumerServiceUrl: string }; issuer: string });
    return { id: request.request.id, acsUrl: request.request.assertionConsumerServiceUrl, issuer: parsed.extract.issuer as string };
  }

  /** A base64 SAMLResponse, signed as asked, with times from the clock. */
  async response(parts: ResponseParts): Promise<string> {
    const now = this.options.clock.now().getTime() + (parts.shiftMinutes ?? 0) * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const until = iso(now + (parts.validMinutes ?? 5) * 60_000);
    const inResponseTo = parts.inResponseTo === undefined || parts.inResponseTo === null ? '' : ` InResponseTo="${esc(parts.inResponseTo)}"`;
    const issuer = esc(parts.issuer ?? this.entityId);
    const attributes = Object.entries(parts.attributes ?? {}).map(([name, v]) =>
      `<saml:Attribute Name="${esc(name)}">${(Array.isArray(v) ? v : [v]).map((x) => `<saml:AttributeValue>${esc(x)}</saml:AttributeValue>`).join('')}</saml:Attribute>`).join('');
    const assertionXml = `<saml:Assertion${parts.inheritNamespace ? '' : ' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'} ID="${esc(parts.assertionId ?? `_a${crypto.randomBytes(16).toString('hex')}`)}" Version="2.0" IssueInstant="${iso(now)}">` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${esc(parts.nameIdFormat ?? EMAIL_FORMAT)}">${esc(parts.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${esc(parts.recipient ?? this.options.acsUrl)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(now - 60_000)}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(parts.audience ?? this.options.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      '</saml:Assertion>';
    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${crypto.randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${iso(now)}" Destination="${esc(parts.destination ?? this.options.acsUrl)}"${inResponseTo}>` +
      `<saml:Issuer>${issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertionXml}</samlp:Response>`;
    return Buffer.from(this.sign(xml, parts.signAssertion ?? true, parts.signResponse ?? false)).toString('base64');
  }

  /** Signs with samlify's own signer (xml-crypto, RSA-SHA256, exclusive c14n), the way its IdP signs. */
  private sign(xml: string, assertion: boolean, response: boolean): string {
    let out = xml;
    const base = { privateKey: this.signing.key, signingCert: bareCert(this.signing.cert), signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', isBase64Output: false };
    if (assertion) {
      out = samlify.SamlLib.constructSAMLSignature({
        ...base, rawSamlMessage: out, referenceTagXPath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
        signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } },
      });
    }
    if (response) {
      out = samlify.SamlLib.constructSAMLSignature({
        ...base, rawSamlMessage: out, isMessageSigned: true,
        signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
      });
    }
    return out;
  }

  /** Serves /metadata, the sign-in form at /sso and its POST at /sso/login, which answers with a form that posts to our ACS. */
  async listen(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`test IdP refused: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  /** People who can sign in at the form, by e-mail, with the attributes their response carries. */
  readonly people = new Map<string, Record<string, string | string[]>>();

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const page = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>${body}</body></html>`);
    };
    if (url.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      res.end(this.metadataXml());
      return;
    }
    if (url.pathname === '/sso' && req.method === 'GET') {
      const request = await this.readRequest(url.toString());
      page(`<h1>Test IdP sign-in</h1><form method="post" action="/sso/login"><input type="hidden" name="requestId" value="${esc(request.id)}">` +
        '<label>E-mail <input name="email" type="email"></label><button type="submit">Sign in to the test IdP</button></form>');
      return;
    }
    if (url.pathname === '/sso/login' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const form = new URLSearchParams(body);
      const email = form.get('email') ?? '';
      const attributes = this.people.get(email);
      if (!attributes) return page('<p>Unknown test user.</p>');
      const response = await this.response({ nameId: email, attributes, inResponseTo: form.get('requestId') ?? '' });
      page(`<form method="post" action="${esc(this.options.acsUrl)}"><input type="hidden" name="SAMLResponse" value="${response}">` +
        '<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>');
      return;
    }
    res.writeHead(404).end();
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
