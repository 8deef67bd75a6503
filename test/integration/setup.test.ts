import { ensureFirstAdmin } from '../../server/users/first-admin';
import { buildTestApp, type TestApp } from '../helpers/app';
import { GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn } from '../helpers/http';

let t: TestApp;
beforeEach(async () => { t = await buildTestApp(); });
afterEach(async () => { await t.close(); });

const admins = async () => t.db.selectFrom('users').selectAll().where('role', '=', 'admin').execute();

describe('first start', () => {
  test('with no admin and no ADMIN_EMAIL, a setup link creates the first admin exactly once', async () => {
    const first = await ensureFirstAdmin(t.uow, t.clock, undefined, 'Riverside General');
    expect(first.kind).toBe('setup-link');
    const token = first.kind === 'setup-link' ? first.token : '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only a hash is stored.
    const stored = await t.db.selectFrom('one_time_tokens').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(token);

    const agent = newAgent(t.app);
    const page = await agent.get(`/setup/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Create the first administrator');
    const weak = await agent.post(`/setup/${token}`).type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'Rosa Díaz', email: 'rosa@riverside.example', password: 'password1234567', confirm: 'password1234567' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('common or breached');
    expect(weak.text).toContain('value="Rosa Díaz"');
    expect(await admins()).toHaveLength(0);

    const ok = await agent.post(`/setup/${token}`).type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'Rosa Díaz', email: 'rosa@riverside.example', password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/login?setUp=1');
    expect((await agent.get(ok.headers.location!)).text).toContain('The administrator account was created');
    expect((await admins()).map((a) => a.email)).toEqual(['rosa@riverside.example']);
    expect((await signIn(newAgent(t.app), 'rosa@riverside.example', GOOD_PASSWORD)).status).toBe(303);

    // Second use: refused, and nothing changes.
    const again = newAgent(t.app);
    expect((await again.get(`/setup/${token}`)).status).toBe(410);
    const loginPage = await again.get('/login');
    const replay = await again.post(`/setup/${token}`).type('form')
      .send({ _csrf: csrfFrom(loginPage.text), name: 'Mallory', email: 'mallory@evil.example', password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(replay.status).toBe(410);
    expect(await admins()).toHaveLength(1);
    expect((await ensureFirstAdmin(t.uow, t.clock, undefined, 'Riverside General')).kind).toBe('ready');
  });

  test('a setup link expires after 24 hours and a restart replaces it', async () => {
    const a = await ensureFirstAdmin(t.uow, t.clock, undefined, 'Riverside General');
    const b = await ensureFirstAdmin(t.uow, t.clock, undefined, 'Riverside General');
    const tokA = a.kind === 'setup-link' ? a.token : '';
    const tokB = b.kind === 'setup-link' ? b.token : '';
    expect(tokA).not.toBe(tokB);
    expect((await newAgent(t.app).get(`/setup/${tokA}`)).status).toBe(410);
    expect((await newAgent(t.app).get(`/setup/${tokB}`)).status).toBe(200);
    t.clock.advance(24 * 3_600_000 + 1000);
    expect((await newAgent(t.app).get(`/setup/${tokB}`)).status).toBe(410);
  });

  test('a made-up or malformed setup token is refused without error', async () => {
    await ensureFirstAdmin(t.uow, t.clock, undefined, 'Riverside General');
    for (const bad of ['x', 'A'.repeat(43), "' OR 1=1 --", '%00', 'a'.repeat(5000)]) {
      const res = await newAgent(t.app).get(`/setup/${encodeURIComponent(bad)}`);
      expect(res.status).toBe(410);
    }
  });

  test('ADMIN_EMAIL and ADMIN_PASSWORD create the admin, and a weak ADMIN_PASSWORD stops start-up', async () => {
    await expect(ensureFirstAdmin(t.uow, t.clock, { email: 'ops@riverside.example', password: 'short', name: 'Ops' }, 'Riverside General'))
      .rejects.toThrow(/ADMIN_PASSWORD is not acceptable/);
    expect(await admins()).toHaveLength(0);
    const r = await ensureFirstAdmin(t.uow, t.clock, { email: 'ops@riverside.example', password: GOOD_PASSWORD, name: 'Ops Team' }, 'Riverside General');
    expect(r).toEqual({ kind: 'admin-created', email: 'ops@riverside.example' });
    expect((await signIn(newAgent(t.app), 'ops@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    expect(await t.db.selectFrom('one_time_tokens').selectAll().execute()).toHaveLength(0);
  });
});
