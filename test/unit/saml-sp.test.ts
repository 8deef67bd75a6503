import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type SamlConfig } from '../../server/config';
import { SamlMetadataSource } from '../../server/identity/saml-metadata-source';
import { parseIdpMetadata } from '../../server/identity/saml-metadata';
import { SamlRefusal } from '../../server/identity/saml-response';
import { SamlServiceProvider } from '../../server/identity/saml-sp';
import { TestClock } from '../helpers/clock';
import { makeKeyPair, SamlPeer } from '../helpers/saml-peer';

const config: SamlConfig = {
  idpMetadata: '/unused', spEntityId: 'http://127.0.0.1:3000/auth/saml/metadata', acsUrl: 'http://127.0.0.1:3000/auth/saml/acs',
  buttonName: 'Test IdP', clockSkewMs: 120_000, metadataRefreshMs: 3_600_000,
};

let clock: TestClock;
let peer: SamlPeer;
let sp: SamlServiceProvider;

beforeAll(async () => {
  clock = new TestClock();
  peer = await SamlPeer.create({ clock, spEntityId: config.spEntityId, acsUrl: config.acsUrl });
  sp = new SamlServiceProvider(config, clock);
});

const idp = () => parseIdpMetadata(peer.metadataXml());

async function reason(samlResponse: string, meta = idp()): Promise<string> {
  try {
    await sp.verify(meta, samlResponse);
    return 'accepted';
  } catch (e) {
    if (e instanceof SamlRefusal) return e.reason;
    throw e;
  }
}

test('an AuthnRequest made by the SP is read by samlify (schema-checked) with our ID and ACS', async () => {
  const id = sp.newRequestId();
  const url = await sp.loginUrl(idp(), id);
  expect(url.startsWith(peer.ssoUrl)).toBe(true);
  const request = await peer.readRequest(url);
  expect(request).toEqual({ id, acsUrl: config.acsUrl, issuer: config.spEntityId });
});

test('a signed assertion answering a request is verified and read from the signed XML', async () => {
  const verified = await sp.verify(idp(), await peer.response({ nameId: 'ana@riverside.example', inResponseTo: '_req1', attributes: { department: ['Ward 3'] } }));
  expect(verified.inResponseTo).toBe('_req1');
  expect(verified.assertion.nameId).toBe('ana@riverside.example');
  expect(verified.assertion.issuer).toBe(peer.entityId);
  expect(verified.assertion.attributes).toEqual({ department: ['Ward 3'] });
  expect(verified.replayableUntil.getTime()).toBeGreaterThan(clock.now().getTime());
});

test('each broken or hostile response is refused with its own reason', async () => {
  const ok = { nameId: 'ana@riverside.example', inResponseTo: '_req1' };
  expect(await reason(await peer.response({ ...ok, audience: 'https://someone-else.example' }))).toBe('wrong-audience');
  expect(await reason(await peer.response({ ...ok, issuer: 'https://evil.example/idp' }))).toBe('wrong-issuer');
  expect(await reason(await peer.response({ ...ok, recipient: 'https://evil.example/acs' }))).toBe('wrong-recipient');
  expect(await reason(await peer.response({ ...ok, destination: 'https://evil.example/acs' }))).toBe('wrong-recipient');
  expect(await reason(await peer.response({ ...ok, validMinutes: -3 }))).toBe('expired');
  expect(await reason(await peer.response({ ...ok, shiftMinutes: 10 }))).toBe('not-yet-valid');
  expect(await reason(await peer.response({ ...ok, signAssertion: false, signResponse: true }))).toBe('unsigned');
  expect(await reason(await peer.response({ ...ok, signAssertion: false }))).toBe('unsigned');
  expect(await reason(await peer.response({ ...ok, inResponseTo: null }))).toBe('unsolicited');
  expect(await reason('not base64 at all!')).toBe('malformed');
  expect(await reason(Buffer.from('<samlp:Response').toString('base64'))).toBe('malformed');
  expect(await reason('A'.repeat(400 * 1024))).toBe('too-large');
});

test('within the allowed clock skew an assertion is still accepted; past it, refused', async () => {
  const ok = { nameId: 'ana@riverside.example', inResponseTo: '_req1' };
  expect(await reason(await peer.response({ ...ok, validMinutes: -1 }))).toBe('accepted');
  expect(await reason(await peer.response({ ...ok, shiftMinutes: 1 }))).toBe('accepted');
  expect(await reason(await peer.response({ ...ok, validMinutes: -2 }))).toBe('expired');
});

test('a signature by a key not in the metadata is refused; during a rollover both listed keys are accepted', async () => {
  const stranger = await SamlPeer.create({ clock, spEntityId: config.spEntityId, acsUrl: config.acsUrl, signing: await makeKeyPair('Stranger') });
  const forged = await stranger.response({ nameId: 'ana@riverside.example', inResponseTo: '_req1' });
  expect(await reason(forged)).toBe('bad-signature');

  const next = await SamlPeer.create({ clock, spEntityId: config.spEntityId, acsUrl: config.acsUrl, signing: await makeKeyPair('Next year') });
  peer.extraMetadataCerts = [next.signing.cert];
  try {
    const both = idp();
    expect(both.signingCerts).toHaveLength(2);
    expect(await reason(await peer.response({ nameId: 'a@x.example', inResponseTo: '_r' }), both)).toBe('accepted');
    expect(await reason(await next.response({ nameId: 'a@x.example', inResponseTo: '_r' }), both)).toBe('accepted');
    expect(await reason(forged, both)).toBe('bad-signature');
  } finally {
    peer.extraMetadataCerts = [];
  }
});

test('signature wrapping: a second, unsigned assertion or a moved signed one is refused', async () => {
  const signed = Buffer.from(await peer.response({ nameId: 'nurse@riverside.example', inResponseTo: '_req1' }), 'base64').toString('utf8');
  const evil = signed.replace(/<saml:Assertion [^>]*ID="([^"]+)"/, (m) => m.replace(/ID="[^"]+"/, 'ID="_evil"'))
    .replace('nurse@riverside.example', 'admin@riverside.example');
  // The tampered copy first, the signed original after it.
  const wrapped = signed.replace('<saml:Assertion ', `${evil.slice(evil.indexOf('<saml:Assertion '), evil.indexOf('</saml:Assertion>') + 17)}<saml:Assertion `);
  expect(await reason(Buffer.from(wrapped).toString('base64'))).toBe('bad-signature');
  // XSW: the evil copy is the only direct assertion, the signed original hidden inside it (in Advice).
  const original = signed.slice(signed.indexOf('<saml:Assertion '), signed.indexOf('</saml:Assertion>') + 17);
  const evilOnly = evil.slice(evil.indexOf('<saml:Assertion '), evil.indexOf('</saml:Assertion>') + 17)
    .replace('<saml:Conditions', `<saml:Advice>${original}</saml:Advice><saml:Conditions`);
  expect(await reason(Buffer.from(signed.replace(original, evilOnly)).toString('base64'))).toBe('bad-signature');
  const tampered = signed.replace('nurse@riverside.example', 'admin@riverside.example');
  expect(await reason(Buffer.from(tampered).toString('base64'))).toBe('bad-signature');
});

test('DOCTYPEs are refused before parsing: no entity expansion, no external entity', async () => {
  const signed = Buffer.from(await peer.response({ nameId: 'a@x.example', inResponseTo: '_r' }), 'base64').toString('utf8');
  const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' + signed.replace('a@x.example', '&lol3;');
  const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + signed.replace('a@x.example', '&x;');
  const started = Date.now();
  expect(await reason(Buffer.from(laughs).toString('base64'))).toBe('malformed');
  expect(await reason(Buffer.from(xxe).toString('base64'))).toBe('malformed');
  expect(Date.now() - started).toBeLessThan(2000);
});

test('metadata: broken, certificate-less or DOCTYPE metadata is refused with words an administrator can act on', () => {
  expect(() => parseIdpMetadata('<nope')).toThrow(/could not be read/);
  expect(() => parseIdpMetadata(peer.metadataXml().replace(/<md:KeyDescriptor.*<\/md:KeyDescriptor>/, ''))).toThrow(/no signing certificate/);
  expect(() => parseIdpMetadata(`<!DOCTYPE x []>${peer.metadataXml().replace('<?xml version="1.0"?>', '')}`)).toThrow(/DOCTYPE/);
  expect(() => parseIdpMetadata(peer.metadataXml().replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>bm90IGEgY2VydA=='))).toThrow(/not a valid X.509/);
});

test('an assertion whose namespace prefix is declared on the Response only is read the same', async () => {
  const verified = await sp.verify(idp(), await peer.response({ nameId: 'ns@x.example', inResponseTo: '_r', inheritNamespace: true, attributes: { mail: 'ns@x.example' } }));
  expect(verified.assertion).toMatchObject({ nameId: 'ns@x.example', attributes: { mail: ['ns@x.example'] } });
});

test('a signed response around a signed assertion is accepted too (the assertion\'s own signature is what counts)', async () => {
  expect(await reason(await peer.response({ nameId: 'a@x.example', inResponseTo: '_r', signResponse: true }))).toBe('accepted');
});

test('the metadata source keeps what it read, reads again after the refresh interval, and keeps the last good copy when that fails', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-saml-meta-'));
  const file = path.join(dir, 'idp.xml');
  try {
    fs.writeFileSync(file, peer.metadataXml());
    const source = new SamlMetadataSource(file, clock, 3_600_000);
    expect((await source.current()).signingCerts).toHaveLength(1);
    const next = await makeKeyPair('Rolled in');
    peer.extraMetadataCerts = [next.cert];
    fs.writeFileSync(file, peer.metadataXml());
    // Within the interval: the copy already read.
    expect((await source.current()).signingCerts).toHaveLength(1);
    clock.advanceMinutes(61);
    expect((await source.current()).signingCerts).toHaveLength(2);
    fs.writeFileSync(file, '<broken');
    clock.advanceMinutes(61);
    expect((await source.current()).signingCerts).toHaveLength(2);
    // An administrator's explicit refresh says what is wrong.
    await expect(source.refresh()).rejects.toThrow(/could not be read/);
    await expect(new SamlMetadataSource(path.join(dir, 'missing.xml'), clock, 1).current()).rejects.toThrow(/cannot be read/);
  } finally {
    peer.extraMetadataCerts = [];
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration: SAML is off without SAML_IDP_METADATA; the entity ID and ACS follow BASE_URL; other schemes are refused', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: os.tmpdir(), SESSION_SECRET: 'x'.repeat(40), AUDIT_KEY: 'a1'.repeat(32), BASE_URL: 'https://training.hospital.example' };
  expect(loadConfig(base).saml).toBeUndefined();
  const saml = loadConfig({ ...base, SAML_IDP_METADATA: 'https://login.example/federationmetadata.xml' }).saml;
  expect(saml).toMatchObject({
    idpMetadata: 'https://login.example/federationmetadata.xml', spEntityId: 'https://training.hospital.example/auth/saml/metadata',
    acsUrl: 'https://training.hospital.example/auth/saml/acs', clockSkewMs: 120_000,
  });
  expect(loadConfig({ ...base, SAML_IDP_METADATA: 'idp.xml', SAML_SP_ENTITY_ID: 'urn:hospital:training' }).saml?.spEntityId).toBe('urn:hospital:training');
  expect(() => loadConfig({ ...base, SAML_IDP_METADATA: 'ftp://login.example/m.xml' })).toThrow(/SAML_IDP_METADATA/);
  expect(() => loadConfig({ ...base, SAML_IDP_METADATA: 'idp.xml', SAML_CLOCK_SKEW_SECONDS: '900' })).toThrow(/SAML_CLOCK_SKEW_SECONDS/);
});

test('the metadata is read from an address too (the IdP\'s federation metadata URL)', async () => {
  const base = await peer.listen();
  try {
    const source = new SamlMetadataSource(`${base}/metadata`, clock, 3_600_000);
    expect(await source.current()).toMatchObject({ entityId: peer.entityId, ssoRedirectUrl: `${base}/sso` });
    await expect(new SamlMetadataSource(`${base}/nothing-here`, clock, 1).current()).rejects.toThrow(/answered 404/);
  } finally {
    await peer.close();
  }
});
