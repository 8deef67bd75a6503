import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, sessionCookie, signIn } from '../helpers/http';

let t: TestApp;
beforeEach(async () => { t = await buildTestApp(); });
afterEach(async () => { await t.close(); });

const failures = async (email: string) =>
  (await t.db.selectFrom('audit_events').select('action').where('action', '=', 'auth.login_failed').where('actor_label', '=', email).execute()).length;

describe('sign-in', () => {
  test('POST /login with the right password signs in and lands on the dashboard', async () => {
    const user = await createPerson(t.db, t.clock, { name: 'Amara Okafor', email: 'amara@riverside.example' });
    const agent = newAgent(t.app);
    const res = await signIn(agent, 'AMARA@riverside.example', GOOD_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Welcome, Amara Okafor');
    // Personal pages are never stored by browsers or proxies; the stylesheet may be.
    expect(home.headers['cache-control']).toBe('no-store');
    expect(home.headers.etag).toBeUndefined();
    expect((await agent.get('/static/app.css')).headers['cache-control']).not.toBe('no-store');
    const ok = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.login_succeeded').execute();
    expect(ok.map((e) => e.subject_id)).toEqual([String(user.id)]);
  });

  test('POST /login gives the same message for a wrong password and an unknown email', async () => {
    await createPerson(t.db, t.clock, { email: 'ben@riverside.example' });
    const wrong = await signIn(newAgent(t.app), 'ben@riverside.example', 'not the right password at all');
    const unknown = await signIn(newAgent(t.app), 'nobody@riverside.example', 'not the right password at all');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const msg = (html: string) => /class="notice notice-error" role="alert">([^<]+)</.exec(html)?.[1];
    expect(msg(wrong.text)).toBeDefined();
    expect(msg(wrong.text)).toBe(msg(unknown.text));
    expect(await failures('ben@riverside.example')).toBe(1);
    // The address that matches no account is audited under a keyed hash, never as typed.
    const unknownRows = await t.db.selectFrom('audit_events').select('actor_label').where('action', '=', 'auth.login_failed').where('actor_label', 'like', 'unknown account %').execute();
    expect(unknownRows).toHaveLength(1);
    expect(await failures('nobody@riverside.example')).toBe(0);
  });

  test('POST /login pauses the address after 5 failed attempts for 1 minute, doubling with each further failure up to 15', async () => {
    // 13 failures from one client: the per-(address, client) limit (real time, tested below) is raised here.
    await t.close();
    t = await buildTestApp({ LOGIN_ACCOUNT_RATE_LIMIT: '1000' });
    await createPerson(t.db, t.clock, { email: 'chen@riverside.example' });
    const agent = newAgent(t.app);
    for (let i = 0; i < 5; i += 1) expect((await signIn(agent, 'chen@riverside.example', `wrong password number ${i}`)).status).toBe(401);
    const paused = async () => (await t.db.selectFrom('sign_in_throttle').select('locked_until').executeTakeFirstOrThrow()).locked_until;
    expect(await paused()).toBe(new Date(t.clock.now().getTime() + 60_000).toISOString());
    // The right password does not work during the pause; the page says when to try again.
    const during = await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD);
    expect(during.status).toBe(401);
    expect(during.text).toContain('is paused after too many failed attempts');
    expect(await t.db.selectFrom('audit_events').select('action').where('action', '=', 'auth.locked').execute()).toHaveLength(1);
    // Each failure after a pause doubles the next one: 2, 4, 8, then 15 (the cap), 15.
    for (const minutes of [2, 4, 8, 15, 15]) {
      t.clock.advanceMinutes(16);
      expect((await signIn(agent, 'chen@riverside.example', 'still the wrong password')).status).toBe(401);
      expect(await paused()).toBe(new Date(t.clock.now().getTime() + minutes * 60_000).toISOString());
    }
    // Attempts during a pause are refused unchecked and do not lengthen it.
    t.clock.advanceMinutes(14);
    expect((await signIn(agent, 'chen@riverside.example', 'yet another wrong one')).status).toBe(401);
    expect((await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD)).status).toBe(401);
    t.clock.advanceMinutes(1);
    const after = await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD);
    expect(after.status).toBe(303);
    expect((await agent.get('/')).status).toBe(200);
    expect(await t.db.selectFrom('sign_in_throttle').selectAll().execute()).toHaveLength(0);
  });

  test('a success resets the failure count, so failures must be consecutive to lock', async () => {
    await createPerson(t.db, t.clock, { email: 'dana@riverside.example' });
    for (let i = 0; i < 4; i += 1) await signIn(newAgent(t.app), 'dana@riverside.example', 'wrong wrong wrong wrong');
    expect((await signIn(newAgent(t.app), 'dana@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    for (let i = 0; i < 4; i += 1) await signIn(newAgent(t.app), 'dana@riverside.example', 'wrong wrong wrong wrong');
    expect((await signIn(newAgent(t.app), 'dana@riverside.example', GOOD_PASSWORD)).status).toBe(303);
  });

  test('a deactivated person cannot sign in, and a person with no password yet cannot either', async () => {
    const u = await createPerson(t.db, t.clock, { email: 'eve@riverside.example' });
    await t.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', u.id).execute();
    expect((await signIn(newAgent(t.app), 'eve@riverside.example', GOOD_PASSWORD)).status).toBe(401);
    await createPerson(t.db, t.clock, { email: 'fin@riverside.example', password: null });
    expect((await signIn(newAgent(t.app), 'fin@riverside.example', '')).status).toBe(400);
    expect((await signIn(newAgent(t.app), 'fin@riverside.example', GOOD_PASSWORD)).status).toBe(401);
  });

  test('?next= brings the person back to the page they asked for, but never to another site', async () => {
    await createPerson(t.db, t.clock, { email: 'gus@riverside.example', role: 'admin' });
    const agent = newAgent(t.app);
    const first = await agent.get('/admin/users?q=x');
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/login?next=%2Fadmin%2Fusers%3Fq%3Dx');
    const page = await agent.get(first.headers.location!);
    const res = await agent.post('/login').type('form').send({ email: 'gus@riverside.example', password: GOOD_PASSWORD, next: '/admin/users?q=x', _csrf: csrfFrom(page.text) });
    expect(res.headers.location).toBe('/admin/users?q=x');
    const evil = newAgent(t.app);
    const p2 = await evil.get('/login');
    const r2 = await evil.post('/login').type('form').send({ email: 'gus@riverside.example', password: GOOD_PASSWORD, next: '//evil.example/x', _csrf: csrfFrom(p2.text) });
    expect(r2.headers.location).toBe('/');
  });
});

describe('sessions', () => {
  test('no session before sign-in; a new session id at every sign-in; the cookie is HttpOnly, SameSite=Lax, not Secure on http, a browser-session cookie', async () => {
    await createPerson(t.db, t.clock, { email: 'hana@riverside.example' });
    const agent = newAgent(t.app);
    const page = await agent.get('/login');
    expect(sessionCookie(page)).toBeUndefined();
    const res = await agent.post('/login').type('form').send({ email: 'hana@riverside.example', password: GOOD_PASSWORD, _csrf: csrfFrom(page.text) });
    const first = sessionCookie(res);
    expect(first).toBeDefined();
    expect(first).toMatch(/HttpOnly/);
    expect(first).toMatch(/SameSite=Lax/);
    expect(first).not.toMatch(/Secure/);
    expect(first).not.toMatch(/Expires|Max-Age/i);
    // Signing in again (the form sent from a signed-in page) gives a new id; the old session is gone.
    const home = await agent.get('/transcript');
    const again = await agent.post('/login').type('form').send({ email: 'hana@riverside.example', password: GOOD_PASSWORD, _csrf: csrfFrom(home.text) });
    const second = sessionCookie(again);
    expect(second).toBeDefined();
    expect(second!.split(';')[0]).not.toBe(first!.split(';')[0]);
    const sids = (await t.db.selectFrom('sessions').select('sid').execute()).map((r) => r.sid);
    const oldSid = decodeURIComponent(first!.split(';')[0]!.slice('pr.sid='.length)).slice(2).split('.')[0];
    expect(sids).not.toContain(oldSid);
  });

  test('the cookies are Secure when BASE_URL is https', async () => {
    const cookies = (res: { headers: Record<string, unknown> }) => (res.headers['set-cookie'] as string[] | undefined) ?? [];
    const signInOver = async (app: TestApp) => {
      await createPerson(app.db, app.clock, { email: 'secure@riverside.example' });
      const agent = newAgent(app.app);
      const page = await agent.get('/login').set('X-Forwarded-Proto', 'https');
      const csrf = cookies(page).find((c) => c.startsWith('__Host-pr.csrf='));
      expect(csrf).toMatch(/; Secure/);
      // A test agent speaks plain http and keeps Secure cookies to itself: send the form's cookie by hand.
      return agent.post('/login').set('X-Forwarded-Proto', 'https').set('Cookie', csrf!.split(';')[0]!).type('form')
        .send({ email: 'secure@riverside.example', password: GOOD_PASSWORD, _csrf: csrfFrom(page.text) });
    };
    const secure = await buildTestApp({ BASE_URL: 'https://training.riverside.example' });
    try {
      // Behind no trusted proxy the request is plain http, so express-session refuses to send a Secure cookie at all.
      expect(sessionCookie(await signInOver(secure))).toBeUndefined();
      const proxied = await buildTestApp({ BASE_URL: 'https://training.riverside.example', TRUST_PROXY: '1' });
      try {
        expect(sessionCookie(await signInOver(proxied))).toMatch(/; Secure/);
      } finally { await proxied.close(); }
    } finally { await secure.close(); }
  });

  test('sign-out is a POST that destroys the session; the old cookie no longer works', async () => {
    await createPerson(t.db, t.clock, { email: 'ivan@riverside.example' });
    const agent = newAgent(t.app);
    const res = await signIn(agent, 'ivan@riverside.example', GOOD_PASSWORD);
    const cookie = sessionCookie(res)!.split(';')[0]!;
    const home = await agent.get('/');
    expect((await agent.get('/logout')).status).toBe(404);
    const out = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login?signedOut=1');
    const replay = await newAgent(t.app).get('/').set('Cookie', cookie);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
  });

  test('an idle session ends after 30 minutes without a request', async () => {
    await createPerson(t.db, t.clock, { email: 'jo@riverside.example' });
    const agent = newAgent(t.app);
    await signIn(agent, 'jo@riverside.example', GOOD_PASSWORD);
    t.clock.advanceMinutes(29);
    expect((await agent.get('/')).status).toBe(200);
    t.clock.advanceMinutes(29);
    expect((await agent.get('/')).status).toBe(200);
    t.clock.advanceMinutes(31);
    const res = await agent.get('/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });

  test('an active session still ends 12 hours after sign-in', async () => {
    await createPerson(t.db, t.clock, { email: 'kai@riverside.example' });
    const agent = newAgent(t.app);
    await signIn(agent, 'kai@riverside.example', GOOD_PASSWORD);
    for (let m = 0; m < 12 * 60 - 20; m += 20) {
      t.clock.advanceMinutes(20);
      expect((await agent.get('/')).status).toBe(200);
    }
    t.clock.advanceMinutes(25);
    const res = await agent.get('/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?expired=1/);
    expect((await agent.get('/')).status).toBe(303);
  });

  test('expired session rows are pruned from the store', async () => {
    await createPerson(t.db, t.clock, { email: 'lee@riverside.example' });
    await signIn(newAgent(t.app), 'lee@riverside.example', GOOD_PASSWORD);
    expect((await t.db.selectFrom('sessions').selectAll().execute()).length).toBeGreaterThan(0);
    t.clock.advanceMinutes(31);
    expect(await t.sessions.prune()).toBeGreaterThan(0);
    expect(await t.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });
});

describe('CSRF', () => {
  test('a form without the token, or with a wrong one, is refused with 403 and changes nothing', async () => {
    const admin = await createPerson(t.db, t.clock, { email: 'mo@riverside.example', role: 'admin' });
    const agent = newAgent(t.app);
    await signIn(agent, admin.email, GOOD_PASSWORD);
    const count = async () => (await t.db.selectFrom('users').selectAll().execute()).length;
    const before = await count();
    const fields = { name: 'Nia Brooks', email: 'nia@riverside.example', role: 'learner', employee_id: '', department: '', manager_email: '', hire_date: '' };
    const missing = await agent.post('/admin/users').type('form').send(fields);
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('This form has expired');
    const wrong = await agent.post('/admin/users').type('form').send({ ...fields, _csrf: 'f'.repeat(64) });
    expect(wrong.status).toBe(403);
    expect(await count()).toBe(before);
    // The token from another session does not work either.
    const other = newAgent(t.app);
    const otherPage = await other.get('/login');
    const stolen = await agent.post('/admin/users').type('form').send({ ...fields, _csrf: csrfFrom(otherPage.text) });
    expect(stolen.status).toBe(403);
    expect(await count()).toBe(before);
  });

  test('sign-in without a token is refused', async () => {
    await createPerson(t.db, t.clock, { email: 'omar@riverside.example' });
    const res = await newAgent(t.app).post('/login').type('form').send({ email: 'omar@riverside.example', password: GOOD_PASSWORD });
    expect(res.status).toBe(403);
    expect(await failures('omar@riverside.example')).toBe(0);
  });
});

describe('rate limit', () => {
  test('POST /login is limited per IP address: the attempt after the limit gets 429 and is not even checked', async () => {
    const limited = await buildTestApp({ LOGIN_RATE_LIMIT: '3' });
    try {
      await createPerson(limited.db, limited.clock, { email: 'rl@riverside.example' });
      const agent = newAgent(limited.app);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await signIn(agent, 'rl@riverside.example', `nope nope nope ${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const last = await signIn(agent, 'rl@riverside.example', GOOD_PASSWORD);
      expect(last.status).toBe(429);
      expect(last.text).toContain('Too many sign-in attempts');
      const checked = await limited.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.login_failed').execute();
      expect(checked).toHaveLength(3);
    } finally {
      await limited.close();
    }
  });
});

describe('session expiry writes', () => {
  test('a request within a minute of the last write does not rewrite the expiry; a later one does', async () => {
    await createPerson(t.db, t.clock, { email: 'touch@riverside.example' });
    const agent = newAgent(t.app);
    await signIn(agent, 'touch@riverside.example', GOOD_PASSWORD);
    await agent.get('/');
    const expiry = async () => (await t.db.selectFrom('sessions').select('expires_at').where('user_id', 'is not', null).executeTakeFirstOrThrow()).expires_at;
    const first = await expiry();
    t.clock.advance(30_000);
    await agent.get('/');
    expect(await expiry()).toBe(first);
    t.clock.advance(61_000);
    await agent.get('/');
    expect(await expiry()).toBe(new Date(t.clock.now().getTime() + 30 * 60_000).toISOString());
  });
});
