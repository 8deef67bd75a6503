import type { SsoProfile } from '../../server/identity/sso-linking';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

// Account linking at the level both protocols share (issue 18's account-takeover cases): signIn is called
// with the profile a protocol would hand over, against a real SQLite file, through the composed services.

const ISSUER = 'https://login.riverside.example/tenant-1/v2.0';

function profile(p: Partial<SsoProfile> & { subject: string }): SsoProfile {
  return {
    protocol: 'oidc', issuer: ISSUER, email: null, emailVerified: false, name: null, employeeId: null,
    departmentPath: null, jobTitle: null, managerRef: null, groups: [], ...p,
  };
}

let t: TestApp;
let auditMark = 0;

/** Audit events since the last call, as "action reason?". */
async function newEvents(): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_events').select(['id', 'action', 'details']).where('id', '>', auditMark).orderBy('id').execute();
  auditMark = rows.at(-1)?.id ?? auditMark;
  return rows.map((r) => {
    const reason = (JSON.parse(r.details) as { reason?: string }).reason;
    return reason ? `${r.action} ${reason}` : r.action;
  });
}

const identities = () => t.db.selectFrom('sso_identities').select(['user_id', 'issuer', 'subject']).orderBy('id').execute();

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => { await t.close(); });

describe('default rules (SSO_LINK_BY=email, privileged accounts not linked, no JIT)', () => {
  test('a verified e-mail links the first sign-in to the existing active learner; later sign-ins find them by (issuer, subject)', async () => {
    const nurse = await createPerson(t.db, t.clock, { email: 'lena.brooks@riverside.example', name: 'Lena Brooks' });
    await newEvents();
    const first = await t.services.ssoLinking.signIn(profile({ subject: 'sub-lena', email: 'Lena.Brooks@riverside.example', emailVerified: true }), { ip: '10.0.0.7' });
    expect(first).toEqual({ kind: 'signed-in', userId: nurse.id, linkedNow: true, createdNow: false });
    expect(await newEvents()).toEqual(['sso.linked', 'sso.signed_in']);
    // The provider now sends another e-mail (unverified, even): the link by subject still finds her.
    const again = await t.services.ssoLinking.signIn(profile({ subject: 'sub-lena', email: 'someone.else@riverside.example' }), { ip: null });
    expect(again).toEqual({ kind: 'signed-in', userId: nurse.id, linkedNow: false, createdNow: false });
    expect((await identities()).filter((i) => i.user_id === nurse.id)).toEqual([{ user_id: nurse.id, issuer: ISSUER, subject: 'sub-lena' }]);
    const row = await t.db.selectFrom('users').select(['email', 'last_login_at']).where('id', '=', nurse.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'lena.brooks@riverside.example', last_login_at: t.clock.now().toISOString() });
  });

  test('an IdP user whose verified e-mail equals an existing admin\'s is NOT linked to that admin', async () => {
    const admin = await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin' });
    await newEvents();
    const out = await t.services.ssoLinking.signIn(profile({ subject: 'attacker-1', email: 'ada.admin@riverside.example', emailVerified: true }), { ip: null });
    expect(out).toMatchObject({ kind: 'refused', reason: 'privileged-account' });
    expect(await newEvents()).toEqual(['sso.refused privileged-account']);
    expect((await identities()).some((i) => i.user_id === admin.id)).toBe(false);
  });

  test('an unverified e-mail never links', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'omar.haddad@riverside.example' });
    await newEvents();
    const out = await t.services.ssoLinking.signIn(profile({ subject: 'sub-omar', email: 'omar.haddad@riverside.example', emailVerified: false }), { ip: null });
    expect(out).toMatchObject({ kind: 'refused', reason: 'email-not-verified' });
    expect(await newEvents()).toEqual(['sso.refused email-not-verified']);
    expect((await identities()).some((i) => i.user_id === p.id)).toBe(false);
  });

  test('a second subject cannot take over a person linked to another subject of the same issuer', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'ines.costa@riverside.example' });
    expect(await t.services.ssoLinking.signIn(profile({ subject: 'sub-ines', email: p.email, emailVerified: true }), { ip: null })).toMatchObject({ kind: 'signed-in', userId: p.id });
    await newEvents();
    const out = await t.services.ssoLinking.signIn(profile({ subject: 'sub-impostor', email: p.email, emailVerified: true }), { ip: null });
    expect(out).toMatchObject({ kind: 'refused', reason: 'linked-to-another' });
    expect(await newEvents()).toEqual(['sso.refused linked-to-another']);
    expect((await identities()).filter((i) => i.user_id === p.id).map((i) => i.subject)).toEqual(['sub-ines']);
  });

  test('an unknown person gets a refusal, not an account', async () => {
    const before = await t.db.selectFrom('users').select('id').execute();
    const out = await t.services.ssoLinking.signIn(profile({ subject: 'sub-new', email: 'new.hire@riverside.example', emailVerified: true, name: 'New Hire' }), { ip: null });
    expect(out).toMatchObject({ kind: 'refused', reason: 'unknown-person' });
    expect(out.kind === 'refused' && out.message).toMatch(/no training account for you here/);
    expect(await newEvents()).toEqual(['sso.refused unknown-person']);
    expect(await t.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
  });
});

describe('login requests', () => {
  test('a request is taken once, only by its own protocol, and not after 10 minutes', async () => {
    const r = t.services.ssoRequests;
    const { state } = await r.begin('oidc', { nonce: 'n-1', codeVerifier: 'v-1', returnTo: '/learn' });
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await r.take('saml', state)).toBeNull();
    expect(await r.take('oidc', state)).toMatchObject({ nonce: 'n-1', codeVerifier: 'v-1', returnTo: '/learn' });
    expect(await r.take('oidc', state)).toBeNull();
    const late = await r.begin('oidc', { returnTo: 'https://evil.example/' });
    t.clock.advanceMinutes(10);
    expect(await r.take('oidc', late.state)).toBeNull();
    const saml = await r.begin('saml', { requestId: '_a1b2c3', returnTo: '//evil.example' });
    expect(saml.state).toBe('_a1b2c3');
    expect(await r.take('saml', '_a1b2c3')).toMatchObject({ returnTo: '/', nonce: null });
    // Only a hash of the state is kept.
    const rows = await t.db.selectFrom('sso_requests').select('state_hash').execute();
    expect(rows.some((x) => x.state_hash.includes(state) || x.state_hash === '_a1b2c3')).toBe(false);
  });

  test('an assertion ID is accepted once per issuer (replay refused)', async () => {
    const r = t.services.ssoRequests;
    const until = new Date(t.clock.now().getTime() + 5 * 60_000);
    expect(await r.markAssertionSeen('https://idp.example/saml', '_assert-1', until)).toBe(true);
    expect(await r.markAssertionSeen('https://idp.example/saml', '_assert-1', until)).toBe(false);
    expect(await r.markAssertionSeen('https://other-idp.example/saml', '_assert-1', until)).toBe(true);
  });
});
