import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { html, newAgent, signIn, submitForm } from '../helpers/http';

// Password sign-in per role while single sign-on is on (SSO_PASSWORD_ROLES), the break-glass admins who
// keep theirs (SSO_BREAK_GLASS), the settings page's warning when none works, and the sign-in page's
// "Sign in with" buttons: over real HTTP.

const SSO_ON = {
  OIDC_ISSUER_URL: 'https://login.riverside.example/tenant-1/v2.0', OIDC_CLIENT_ID: 'privacy-rounds', OIDC_CLIENT_SECRET: 'not-used-by-these-tests',
  SSO_OIDC_NAME: 'Riverside account',
};

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ ...SSO_ON, SSO_PASSWORD_ROLES: 'learner,manager,admin', SSO_BREAK_GLASS: 'Glass.Admin@riverside.example' });
  await createPerson(t.db, t.clock, { email: 'glass.admin@riverside.example', role: 'admin' });
  await createPerson(t.db, t.clock, { email: 'other.admin@riverside.example', role: 'admin' });
  await createPerson(t.db, t.clock, { email: 'lena.brooks@riverside.example' });
  await createPerson(t.db, t.clock, { email: 'aud.itor@riverside.example', role: 'auditor' });
});
afterAll(async () => { await t.close(); });

const reasons = async (email: string) => (await t.db.selectFrom('audit_events').select(['action', 'details']).where('actor_label', '=', email).orderBy('id').execute())
  .map((r) => `${r.action} ${String((JSON.parse(r.details) as { reason?: string }).reason ?? '')}`.trim());

test('the sign-in page offers "Sign in with" the configured provider', async () => {
  const page = await newAgent(t.app).get('/login');
  expect(page.status).toBe(200);
  expect(page.text).toContain('<a class="button" href="/auth/oidc/login">Sign in with Riverside account</a>');
  expect(page.text).not.toContain('/auth/saml/login');
});

test('a learner whose role signs in through SSO only is refused with the right password, told why, and gets no session', async () => {
  const agent = newAgent(t.app);
  const res = await signIn(agent, 'lena.brooks@riverside.example', GOOD_PASSWORD);
  expect(res.status).toBe(401);
  expect(res.text).toContain(html('Password sign-in is turned off for your account: sign in with your organisation account ("Sign in with Riverside account") instead.'));
  expect((await agent.get('/')).status).toBe(303);
  expect(await reasons('lena.brooks@riverside.example')).toEqual(['auth.login_failed password sign-in off for this role (single sign-on only)']);
  // A wrong password gets the usual words: the SSO-only message tells nothing to someone guessing.
  const wrong = await signIn(newAgent(t.app), 'lena.brooks@riverside.example', 'not the password at all');
  expect(wrong.status).toBe(401);
  expect(wrong.text).not.toContain('Password sign-in is turned off');
});

test('an admin not named for break-glass is refused; the break-glass admin signs in with a password', async () => {
  expect((await signIn(newAgent(t.app), 'other.admin@riverside.example', GOOD_PASSWORD)).status).toBe(401);
  const agent = newAgent(t.app);
  const res = await signIn(agent, 'glass.admin@riverside.example', GOOD_PASSWORD);
  expect(res.status).toBe(303);
  expect((await agent.get('/admin/settings')).status).toBe(200);
  expect(await reasons('glass.admin@riverside.example')).toEqual(['auth.login_succeeded']);
});

test('a role not in SSO_PASSWORD_ROLES keeps password sign-in', async () => {
  expect((await signIn(newAgent(t.app), 'aud.itor@riverside.example', GOOD_PASSWORD)).status).toBe(303);
});

test('the settings page warns when SSO is on and no break-glass admin keeps a working password, and not otherwise', async () => {
  const agent = newAgent(t.app);
  await signIn(agent, 'glass.admin@riverside.example', GOOD_PASSWORD);
  expect((await agent.get('/admin/settings')).text).not.toContain('sso-break-glass-warning');
  // The break-glass admin loses their password: nobody could sign in if the provider failed.
  await t.db.updateTable('users').set({ password_hash: null }).where('email_normalized', '=', 'glass.admin@riverside.example').execute();
  const page = await agent.get('/admin/settings');
  expect(page.status).toBe(200);
  expect(page.text).toContain('id="sso-break-glass-warning"');
  expect(page.text).toContain('no break-glass administrator keeps a password');
});

test('without SSO configured, every role signs in with a password, no buttons, no warning', async () => {
  const plain = await buildTestApp({ SSO_PASSWORD_ROLES: 'learner,admin' });
  try {
    await createPerson(plain.db, plain.clock, { email: 'solo.admin@riverside.example', role: 'admin' });
    await createPerson(plain.db, plain.clock, { email: 'lena.brooks@riverside.example' });
    expect((await signIn(newAgent(plain.app), 'lena.brooks@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    const agent = newAgent(plain.app);
    expect((await signIn(agent, 'solo.admin@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    expect((await agent.get('/admin/settings')).text).not.toContain('sso-break-glass-warning');
    expect((await newAgent(plain.app).get('/login')).text).not.toContain('Sign in with');
  } finally {
    await plain.close();
  }
});

test('the person page shows the single sign-on account a person is linked to', async () => {
  const lena = await t.db.selectFrom('users').select('id').where('email_normalized', '=', 'lena.brooks@riverside.example').executeTakeFirstOrThrow();
  const agent = newAgent(t.app);
  await t.db.updateTable('users').set({ password_hash: (await t.db.selectFrom('users').select('password_hash').where('email_normalized', '=', 'aud.itor@riverside.example').executeTakeFirstOrThrow()).password_hash })
    .where('email_normalized', '=', 'glass.admin@riverside.example').execute();
  expect((await signIn(agent, 'glass.admin@riverside.example', GOOD_PASSWORD)).status).toBe(303);
  expect((await agent.get(`/admin/users/${lena.id}`)).text).not.toContain('<dt>Single sign-on</dt>');
  const out = await t.services.ssoLinking.signIn({
    protocol: 'oidc', issuer: SSO_ON.OIDC_ISSUER_URL, subject: 'a81f-lena', email: 'lena.brooks@riverside.example', emailVerified: true,
    name: null, employeeId: null, departmentPath: null, jobTitle: null, managerRef: null, groups: [],
  }, { ip: null });
  expect(out).toMatchObject({ kind: 'signed-in', userId: lena.id, linkedNow: true });
  const page = await agent.get(`/admin/users/${lena.id}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('<dt>Single sign-on</dt>');
  expect(page.text).toContain(`OIDC account a81f-lena at ${SSO_ON.OIDC_ISSUER_URL}, linked`);
});

test('an admin removes a link (audited); the person\'s new provider account then links at its first sign-in', async () => {
  const lena = await t.db.selectFrom('users').select('id').where('email_normalized', '=', 'lena.brooks@riverside.example').executeTakeFirstOrThrow();
  const lenaProfile = (subject: string) => ({
    protocol: 'oidc' as const, issuer: SSO_ON.OIDC_ISSUER_URL, subject, email: 'lena.brooks@riverside.example', emailVerified: true,
    name: null, employeeId: null, departmentPath: null, jobTitle: null, managerRef: null, groups: [],
  });
  // Her account at the provider was deleted and made again: a new subject, refused while the old link stands.
  expect(await t.services.ssoLinking.signIn(lenaProfile('b92e-lena-new'), { ip: null })).toMatchObject({ kind: 'refused', reason: 'linked-to-another' });
  const link = await t.db.selectFrom('sso_identities').select('id').where('user_id', '=', lena.id).executeTakeFirstOrThrow();
  const agent = newAgent(t.app);
  await signIn(agent, 'glass.admin@riverside.example', GOOD_PASSWORD);
  const res = await submitForm(agent, `/admin/users/${lena.id}`, `/admin/users/${lena.id}/sso/${link.id}/unlink`, {});
  expect(res.status).toBe(303);
  expect((await agent.get(`/admin/users/${lena.id}`)).text).toContain('The single sign-on link of');
  const event = await t.db.selectFrom('audit_events').select(['actor_label', 'details']).where('action', '=', 'sso.unlinked').executeTakeFirstOrThrow();
  expect({ by: event.actor_label, subject: (JSON.parse(event.details) as { subject: string }).subject }).toEqual({ by: 'glass.admin@riverside.example', subject: 'a81f-lena' });
  // Unlinking again changes nothing.
  const again = await submitForm(agent, `/admin/users/${lena.id}`, `/admin/users/${lena.id}/sso/${link.id}/unlink`, {});
  expect(again.status).toBe(303);
  expect((await agent.get(`/admin/users/${lena.id}`)).text).toContain('has no such single sign-on link; nothing was changed.');
  expect(await t.services.ssoLinking.signIn(lenaProfile('b92e-lena-new'), { ip: null })).toMatchObject({ kind: 'signed-in', userId: lena.id, linkedNow: true });
});
