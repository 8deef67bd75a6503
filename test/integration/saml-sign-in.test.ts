import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Clock } from '../../server/clock';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { newAgent, type Agent } from '../helpers/http';
import { makeKeyPair, SamlPeer, type ResponseParts } from '../helpers/saml-peer';

// SAML 2.0 sign-in over real HTTP against an in-process samlify IdP: SP-initiated login, the ACS, and a
// clear refusal page plus an sso.refused audit event for each way a response can be wrong or hostile.

const BASE = 'http://127.0.0.1:3000';
const SP_ENTITY = `${BASE}/auth/saml/metadata`;
const ACS = `${BASE}/auth/saml/acs`;

let t: TestApp;
let peer: SamlPeer;
let metadataFile: string;
/** The app whose clock the IdP's times follow (the rollover test builds a second one). */
let active: TestApp;
const appClock: Clock = { now: () => active.clock.now() };

beforeAll(async () => {
  peer = await SamlPeer.create({ clock: appClock, spEntityId: SP_ENTITY, acsUrl: ACS });
  metadataFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pr-saml-')), 'idp.xml');
  fs.writeFileSync(metadataFile, peer.metadataXml());
  t = await buildTestApp({ SAML_IDP_METADATA: metadataFile, SSO_SAML_NAME: 'Riverside ID' });
  active = t;
  await createPerson(t.db, t.clock, { name: 'Nadia Okafor', email: 'nadia.okafor@riverside.example' });
});

afterAll(async () => {
  await t.close();
  fs.rmSync(path.dirname(metadataFile), { recursive: true, force: true });
});

/** Starts a sign-in as the browser would; returns the AuthnRequest ID the IdP read from the redirect. */
async function startSignIn(agent: Agent, next = '/'): Promise<string> {
  const res = await agent.get(`/auth/saml/login?next=${encodeURIComponent(next)}`);
  expect(res.status).toBe(303);
  return (await peer.readRequest(res.headers.location as string)).id;
}

async function refusals(): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused').orderBy('id').execute();
  return rows.map((r) => String((JSON.parse(r.details) as { check?: unknown }).check ?? ''));
}

/** Posts a response to the ACS and expects a refusal page and a new audit event naming the reason. */
async function expectRefused(agent: Agent, samlResponse: string, reason: string, words: RegExp): Promise<void> {
  const before = (await refusals()).length;
  const res = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: samlResponse });
  expect(res.status).toBe(403);
  expect(res.text).toMatch(words);
  expect(res.text).not.toMatch(/stack|Error:/);
  const after = await refusals();
  expect(after).toHaveLength(before + 1);
  expect(after.at(-1)).toMatch(new RegExp(`^${reason}:`));
  // Nobody was signed in.
  expect((await agent.get('/')).headers.location ?? '').toMatch(/^\/login/);
}

const nadia = (inResponseTo: string | null, more: Partial<ResponseParts> = {}): Promise<string> =>
  peer.response({ nameId: 'nadia.okafor@riverside.example', inResponseTo, attributes: { 'http://schemas.microsoft.com/identity/claims/displayname': 'Nadia Okafor' }, ...more });

test('the SP metadata names our entity ID and ACS, and asks for signed assertions', async () => {
  const res = await newAgent(t.app).get('/auth/saml/metadata');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/samlmetadata\+xml/);
  expect(res.text).toContain(`entityID="${SP_ENTITY}"`);
  expect(res.text).toContain(`Location="${ACS}"`);
  expect(res.text).toMatch(/WantAssertionsSigned="true"/);
});

test('a signed assertion for a started sign-in lands on the dashboard, signed in; the same response cannot be used again', async () => {
  const agent = newAgent(t.app);
  const id = await startSignIn(agent, '/transcript');
  const response = await nadia(id);
  const res = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: response });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/transcript');
  const home = await agent.get('/');
  expect(home.status).toBe(200);
  expect(home.text).toContain('Nadia Okafor');
  const linked = await t.db.selectFrom('audit_events').select('action').where('action', 'in', ['sso.linked', 'sso.signed_in']).execute();
  expect(linked.map((e) => e.action).sort()).toEqual(['sso.linked', 'sso.signed_in']);

  await expectRefused(newAgent(t.app), response, 'replayed', /already used once/);
});

test('wrong audience, wrong issuer, expired, unsigned, unknown certificate: each refused with a page and an audit event', async () => {
  const agent = newAgent(t.app);
  await expectRefused(agent, await nadia(await startSignIn(agent), { audience: 'https://another-lms.example/saml' }), 'wrong-audience', /meant for another site/);
  await expectRefused(agent, await nadia(await startSignIn(agent), { issuer: 'https://evil.example/idp' }), 'wrong-issuer', /another identity provider/);
  await expectRefused(agent, await nadia(await startSignIn(agent), { validMinutes: -5 }), 'expired', /outside its time limit/);
  await expectRefused(agent, await nadia(await startSignIn(agent), { signAssertion: false, signResponse: true }), 'unsigned', /not signed by Riverside ID/);
  const stranger = await SamlPeer.create({ clock: appClock, spEntityId: SP_ENTITY, acsUrl: ACS, signing: await makeKeyPair('Not the IdP') });
  const forged = await stranger.response({ nameId: 'nadia.okafor@riverside.example', inResponseTo: await startSignIn(agent) });
  await expectRefused(agent, forged, 'bad-signature', /certificate this site trusts/);
});

test('an assertion that passes its time limit while the person is away is refused once our clock passes it plus the allowed skew', async () => {
  const agent = newAgent(t.app);
  const response = await nadia(await startSignIn(agent), { validMinutes: 3 });
  t.clock.advanceMinutes(3 + 2);
  await expectRefused(agent, response, 'expired', /outside its time limit/);
});

test('unsolicited (IdP-initiated) responses, unknown and already used InResponseTo are refused', async () => {
  const agent = newAgent(t.app);
  await expectRefused(agent, await nadia(null), 'unsolicited', /has to start on this site/);
  await expectRefused(agent, await nadia('_never-asked-for'), 'unknown-request', /does not answer a sign-in started here/);
  // A request used once cannot be answered again by a fresh assertion.
  const id = await startSignIn(agent);
  expect((await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: await nadia(id) })).status).toBe(303);
  await expectRefused(newAgent(t.app), await nadia(id), 'unknown-request', /already used/);
  // A request older than 10 minutes is gone.
  const old = await startSignIn(newAgent(t.app));
  t.clock.advanceMinutes(11);
  await expectRefused(newAgent(t.app), await nadia(old), 'unknown-request', /last 10 minutes/);
});

test('hostile XML never answers 500: huge, malformed, entity expansion, external entity, random bytes', async () => {
  const agent = newAgent(t.app);
  const signed = Buffer.from(await nadia(await startSignIn(agent)), 'base64').toString('utf8');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await expectRefused(agent, 'A'.repeat(600 * 1024), 'too-large', /could not be read/);
  await expectRefused(agent, b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed>'), 'malformed', /could not be read/);
  await expectRefused(agent, b64(`<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${signed.replace('nadia.okafor@riverside.example', '&b;')}`), 'malformed', /could not be read/);
  await expectRefused(agent, b64(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${signed.replace('nadia.okafor@riverside.example', '&x;')}`), 'malformed', /could not be read/);
  await expectRefused(agent, '', 'malformed', /could not be read/);
  // Over the ACS parser's 1 MB: the app's "too large" page, not a 500.
  const huge = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: 'A'.repeat(1100 * 1024) });
  expect(huge.status).toBe(413);

  await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }).map(b64),
    fc.constantFrom(signed.slice(0, 500), signed.replace('Version="2.0"', 'Version="2.0" Version="2.0"'), signed.replace(/<ds:SignatureValue>[^<]+/, '<ds:SignatureValue>AAAA')).map(b64)),
  async (value) => {
    const res = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: value });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/nobody was signed in|has to start on this site|could not be read/);
  }), { numRuns: 25, seed: 20261204 });
});

test('rollover: with the old and the new certificate in the metadata, responses signed by either are accepted', async () => {
  const next = await SamlPeer.create({ clock: appClock, spEntityId: SP_ENTITY, acsUrl: ACS, signing: await makeKeyPair('Next signing key') });
  peer.extraMetadataCerts = [next.signing.cert];
  fs.writeFileSync(metadataFile, peer.metadataXml());
  const rolled = await buildTestApp({ SAML_IDP_METADATA: metadataFile });
  active = rolled;
  try {
    await createPerson(rolled.db, rolled.clock, { name: 'Tomas Lindqvist', email: 'tomas.lindqvist@riverside.example' });
    for (const signer of [peer, next]) {
      const agent = newAgent(rolled.app);
      const res = await agent.get('/auth/saml/login');
      const { id } = await peer.readRequest(res.headers.location as string);
      const response = await signer.response({ nameId: 'tomas.lindqvist@riverside.example', inResponseTo: id });
      expect((await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: response })).headers.location).toBe('/');
      expect((await agent.get('/')).text).toContain('Tomas Lindqvist');
    }
  } finally {
    peer.extraMetadataCerts = [];
    active = t;
    await rolled.close();
  }
});

test('an ACS post needs no CSRF token, but every other form still does', async () => {
  const res = await newAgent(t.app).post('/login').type('form').send({ email: 'x@riverside.example', password: 'x' });
  expect(res.status).toBe(403);
  expect(res.text).toMatch(/did not come from this site/);
});

test('refused responses from one client are limited like failed password sign-ins (LOGIN_RATE_LIMIT per 15 minutes)', async () => {
  const limited = await buildTestApp({ SAML_IDP_METADATA: metadataFile, LOGIN_RATE_LIMIT: '3' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await newAgent(limited.app).post('/auth/saml/acs').type('form').send({ SAMLResponse: 'junk' })).status);
    expect(statuses).toEqual([403, 403, 403, 429]);
    const audited = await limited.db.selectFrom('audit_events').select('id').where('action', '=', 'sso.refused').execute();
    expect(audited).toHaveLength(3);
  } finally {
    await limited.close();
  }
});

test('only an e-mail-format NameID counts as a verified e-mail: an e-mail attribute beside an opaque NameID does not link', async () => {
  await createPerson(t.db, t.clock, { name: 'Priya Raman', email: 'priya.raman@riverside.example' });
  const agent = newAgent(t.app);
  const response = await peer.response({
    nameId: 'a1b2c3-opaque', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', inResponseTo: await startSignIn(agent),
    attributes: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'priya.raman@riverside.example' },
  });
  const res = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: response });
  expect(res.status).toBe(403);
  const event = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused').orderBy('id', 'desc').executeTakeFirstOrThrow();
  expect(JSON.parse(event.details)).toMatchObject({ reason: 'email-not-verified', protocol: 'saml', subject: 'a1b2c3-opaque' });
  expect(await t.db.selectFrom('sso_identities').select('id').where('subject', '=', 'a1b2c3-opaque').execute()).toEqual([]);
});
