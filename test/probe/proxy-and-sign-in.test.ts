import fs from 'node:fs';
import { configWarnings, loadConfig } from '../../server/config';
import { buildTestApp, type TestApp } from '../helpers/app';
import { issuePasswordLink } from '../../server/users/service';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, sessionCookie, signIn, type Agent } from '../helpers/http';

// Regression tests for the probe findings of issue 12 about reverse proxies and sign-in limits.
// Each request here reaches the app from 127.0.0.1; with TRUST_PROXY=1 that socket is "the proxy", and
// the last X-Forwarded-For entry is the client address the proxy reports. An attacker controls every
// entry before it.

const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await buildTestApp(env);
  apps.push(t);
  return t;
}
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

const CLIENT = '198.51.100.20';

/** A sign-in through a proxy: the same headers on the form page and on the POST, as a browser would get them. */
async function signInVia(agent: Agent, headers: Record<string, string>, email: string, password: string) {
  const page = await agent.get('/login').set(headers);
  return agent.post('/login').set(headers).type('form').send({ email, password, _csrf: csrfFrom(page.text) });
}

const alertOf = (html: string) => /class="notice notice-error" role="alert">([^<]+)</.exec(html)?.[1];

describe('Medium — reverse proxies', () => {
  it('Medium — reverse proxies: TRUST_PROXY=true is refused at start with a message saying what to write instead, and a typo in a proxy list stops start-up', () => {
    const base = { NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/tmp/pr-never-created' };
    for (const v of ['true', 'yes', 'TRUE']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: v })).toThrow(/TRUST_PROXY: .*would trust any client's X-Forwarded-For.*TRUST_PROXY=1/s);
    }
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.300' })).toThrow(/TRUST_PROXY: .*"10\.0\.0\.300" is not an IP address/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY: .*"10\.0\.0\.0\/33" has a range size/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: '10.0.0.1,,10.0.0.2' })).toThrow(/TRUST_PROXY: .*empty entry/);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback,uniquelocal' }).trustProxy)
      .toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback', 'uniquelocal']);
  });

  it('Medium — reverse proxies: with TRUST_PROXY=1, 40 failed sign-ins with spoofed X-Forwarded-For addresses hit the limit of 30', async () => {
    const t = await app({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '30' });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      // A new spoofed address, and a new address typed, each time: only the per-client ceiling can stop this.
      const res = await signInVia(newAgent(t.app), { 'X-Forwarded-For': `10.66.${i}.1, 203.0.113.${i}, ${CLIENT}` }, `guess${i}@riverside.example`, 'wrong password here');
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
    const ips = await t.db.selectFrom('audit_events').select('ip').distinct().where('action', '=', 'auth.login_failed').execute();
    expect(ips.map((r) => r.ip)).toEqual([CLIENT]);
  });

  it('Medium — reverse proxies: the audit log records the proxy-reported client address, not one the client wrote', async () => {
    const t = await app({ TRUST_PROXY: '1' });
    const person = await createPerson(t.db, t.clock, { email: 'ines@riverside.example' });
    const res = await signInVia(newAgent(t.app), { 'X-Forwarded-For': `6.6.6.6, ${CLIENT}` }, person.email, GOOD_PASSWORD);
    expect(res.status).toBe(303);
    const ok = await t.db.selectFrom('audit_events').select('ip').where('action', '=', 'auth.login_succeeded').executeTakeFirstOrThrow();
    expect(ok.ip).toBe(CLIENT);
    // Without a trusted proxy the header is ignored: the socket's address is recorded.
    const direct = await app();
    const p2 = await createPerson(direct.db, direct.clock, { email: 'jae@riverside.example' });
    expect((await signInVia(newAgent(direct.app), { 'X-Forwarded-For': CLIENT }, p2.email, GOOD_PASSWORD)).status).toBe(303);
    const d = await direct.db.selectFrom('audit_events').select('ip').where('action', '=', 'auth.login_succeeded').executeTakeFirstOrThrow();
    expect(d.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('Medium — reverse proxies: behind a TLS-terminating proxy with an https BASE_URL, sign-in works with a Secure cookie and HSTS only on https', async () => {
    const t = await app({ BASE_URL: 'https://training.riverside.example', TRUST_PROXY: 'loopback' });
    const person = await createPerson(t.db, t.clock, { email: 'kofi@riverside.example' });
    const agent = newAgent(t.app);
    const viaProxy = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': CLIENT };
    const page = await agent.get('/login').set(viaProxy);
    // No session before sign-in: the form's CSRF cookie is the one set, and it is Secure (__Host- prefix).
    expect(sessionCookie(page)).toBeUndefined();
    const setCookies = (page.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    const csrfCookie = setCookies.find((c) => c.startsWith('__Host-pr.csrf='));
    expect(csrfCookie).toMatch(/; Secure/);
    expect(page.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    // supertest's agent keeps cookies marked Secure only for https: carry the form's cookie by hand.
    const res = await agent.post('/login').set(viaProxy).set('Cookie', csrfCookie!.split(';')[0]!).type('form')
      .send({ email: person.email, password: GOOD_PASSWORD, _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(sessionCookie(res)).toMatch(/; Secure/);
    const signedIn = sessionCookie(res)!.split(';')[0]!;
    expect((await newAgent(t.app).get('/').set(viaProxy).set('Cookie', signedIn)).status).toBe(200);
    // A plain-http request (no proxy said https): no HSTS on behalf of a proxy, no cookie, and the page says why.
    const plain = await newAgent(t.app).get('/login');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(sessionCookie(plain)).toBeUndefined();
    expect(alertOf(plain.text)).toContain('Sign-in needs a secure connection');
    // An X-Forwarded-Proto from a client the server does not trust changes nothing.
    const untrusted = await app({ BASE_URL: 'https://training.riverside.example', TRUST_PROXY: '10.0.0.1' });
    const forged = await newAgent(untrusted.app).get('/login').set('X-Forwarded-Proto', 'https');
    expect(forged.headers['strict-transport-security']).toBeUndefined();
    expect(sessionCookie(forged)).toBeUndefined();
    // An https BASE_URL with no proxy trusted at all is logged at start: nobody could sign in.
    const lone = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: t.dir, BASE_URL: 'https://training.riverside.example' });
    expect(configWarnings(lone).join('\n')).toMatch(/BASE_URL is https but TRUST_PROXY is not set/);
    expect(configWarnings(t.config)).toEqual([]);
    // A hop count while listening on every interface lets clients bypass the proxy and pick an address.
    const open = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: t.dir, TRUST_PROXY: '1', HOST: '0.0.0.0' });
    expect(configWarnings(open).join('\n')).toMatch(/TRUST_PROXY=1 believes the last X-Forwarded-For entry from any client, but HOST=0\.0\.0\.0/);
    expect(configWarnings(loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: t.dir, TRUST_PROXY: '1', HOST: '127.0.0.1' }))).toEqual([]);
  });

  it('Medium — reverse proxies: with TRUST_PROXY=1, a spoofed X-Forwarded-For chain cannot evade the /verify limit', async () => {
    const t = await app({ TRUST_PROXY: '1' });
    const statuses: number[] = [];
    for (let i = 0; i < 62; i += 1) {
      statuses.push((await newAgent(t.app).get('/verify').set('X-Forwarded-For', `10.77.${i}.9, ${CLIENT}`)).status);
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expect(statuses.slice(60)).toEqual([429, 429]);
    // Another client behind the same proxy still gets through.
    expect((await newAgent(t.app).get('/verify').set('X-Forwarded-For', '198.51.100.99')).status).toBe(200);
  });
});

describe('Medium — successful sign-ins count toward the per-IP limit', () => {
  it('Medium — successful sign-ins count toward the per-IP limit: 35 correct sign-ins of different people from one IP within 15 minutes all succeed', async () => {
    const t = await app();
    const people = [];
    for (let i = 0; i < 35; i += 1) people.push(await createPerson(t.db, t.clock, { email: `shift${i}@riverside.example` }));
    const statuses: number[] = [];
    for (const p of people) statuses.push((await signIn(newAgent(t.app), p.email, GOOD_PASSWORD)).status);
    expect(statuses).toEqual(Array(35).fill(303));
  });

  it('Medium — successful sign-ins count toward the per-IP limit: failures are limited per (address, client), so one person typing wrong does not stop the next at the same kiosk', async () => {
    const t = await app();
    const ana = await createPerson(t.db, t.clock, { email: 'ana@riverside.example' });
    const bo = await createPerson(t.db, t.clock, { email: 'bo@riverside.example' });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await signIn(newAgent(t.app), ana.email, `not it ${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect((await signIn(newAgent(t.app), bo.email, GOOD_PASSWORD)).status).toBe(303);
  });
});

describe('Low — five wrong passwords per 15 minutes keep any known account (including an admin) locked', () => {
  it('Low — five wrong passwords per 15 minutes keep any known account (including an admin) locked: the admin still signs in from a browser used before, and the pause does not grow while it runs', async () => {
    const t = await app();
    const admin = await createPerson(t.db, t.clock, { email: 'ada@riverside.example', role: 'admin' });
    const own = newAgent(t.app);
    expect((await signIn(own, admin.email, GOOD_PASSWORD)).status).toBe(303);
    await own.post('/logout').type('form').send({ _csrf: csrfFrom((await own.get('/')).text) });

    // A stranger guesses five times: the address pauses for strangers, for a minute.
    const stranger = newAgent(t.app);
    for (let i = 0; i < 5; i += 1) expect((await signIn(stranger, admin.email, `guess ${i}`)).status).toBe(401);
    // The admin, from the browser they signed in with before, gets in now.
    expect((await signIn(own, admin.email, GOOD_PASSWORD)).status).toBe(303);
    const until = async () => (await t.db.selectFrom('sign_in_throttle').select('locked_until').executeTakeFirst())?.locked_until;
    const first = await until();
    expect(first).toBe(new Date(t.clock.now().getTime() + 60_000).toISOString());
    // Guessing on during the pause does not lengthen it.
    for (let i = 0; i < 3; i += 1) expect((await signIn(stranger, admin.email, `more ${i}`)).status).toBe(401);
    expect(await until()).toBe(first);
    // From a new browser they are told, and told when to try again.
    const fresh = await signIn(newAgent(t.app), admin.email, GOOD_PASSWORD);
    expect(fresh.status).toBe(401);
    expect(alertOf(fresh.text)).toMatch(/^This account is locked until \d{1,2} \w{3} \d{4}, \d\d:\d\d \S+ \(in 1 minute\): sign-in with this email address is paused after too many failed attempts\./);
    // Admins see the pause on the person page.
    const page = await own.get(`/admin/users/${admin.id}`);
    expect(page.text).toMatch(/Locked until [^<]+ on devices not used before \(5 failed attempts in a row\)/);
  });

  it('Low — five wrong passwords per 15 minutes keep any known account (including an admin) locked: an unknown address pauses exactly like a known one, with the same words', async () => {
    const t = await app();
    await createPerson(t.db, t.clock, { email: 'known@riverside.example' });
    const messages = async (email: string) => {
      const out: (string | undefined)[] = [];
      for (let i = 0; i < 6; i += 1) out.push(alertOf((await signIn(newAgent(t.app), email, `wrong ${i}`)).text));
      return out;
    };
    const known = await messages('known@riverside.example');
    const unknown = await messages('ghost@riverside.example');
    expect(unknown).toEqual(known);
    expect(known[5]).toContain('is paused');
    expect(await t.db.selectFrom('sign_in_throttle').select('failures').execute()).toEqual([{ failures: 5 }, { failures: 5 }]);
  });

  it('Low — five wrong passwords per 15 minutes keep any known account (including an admin) locked: a known browser is known no more after five wrong passwords from it', async () => {
    const t = await app();
    const p = await createPerson(t.db, t.clock, { email: 'lea@riverside.example' });
    const browser = newAgent(t.app);
    expect((await signIn(browser, p.email, GOOD_PASSWORD)).status).toBe(303);
    await browser.post('/logout').type('form').send({ _csrf: csrfFrom((await browser.get('/')).text) });
    for (let i = 0; i < 5; i += 1) expect((await signIn(browser, p.email, `wrong ${i}`)).status).toBe(401);
    expect(await t.db.selectFrom('sign_in_devices').selectAll().execute()).toHaveLength(0);
    expect(await t.db.selectFrom('audit_events').select('action').where('action', '=', 'auth.device_forgotten').execute()).toHaveLength(1);
  });

  it('Low — five wrong passwords per 15 minutes keep any known account (including an admin) locked: a new password from an administrator\'s link lifts the pause', async () => {
    const t = await app();
    const p = await createPerson(t.db, t.clock, { email: 'noor@riverside.example' });
    for (let i = 0; i < 5; i += 1) await signIn(newAgent(t.app), p.email, `wrong ${i}`);
    expect(alertOf((await signIn(newAgent(t.app), p.email, GOOD_PASSWORD)).text)).toContain('is paused');
    const token = await t.db.transaction().execute((trx) => issuePasswordLink(trx, t.clock, { id: null, label: 'test' }, p.id));
    const fresh = newAgent(t.app);
    const page = await fresh.get(`/password/${token}`);
    const newPassword = 'harbour copper meadow 73';
    const set = await fresh.post(`/password/${token}`).type('form').send({ password: newPassword, confirm: newPassword, _csrf: csrfFrom(page.text) });
    expect(set.status).toBe(303);
    expect((await signIn(fresh, p.email, newPassword)).status).toBe(303);
  });
});

describe('Low — text typed into the e-mail field of a failed sign-in is stored forever in the audit log', () => {
  it('Low — text typed into the e-mail field of a failed sign-in (possibly a password) is stored forever in the audit log', async () => {
    const t = await app();
    const typed = 'Winter-Harbour-Typed-In-The-Wrong-Box-2026';
    expect((await signIn(newAgent(t.app), typed, 'anything at all here')).status).toBe(401);
    const known = await createPerson(t.db, t.clock, { email: 'max@riverside.example' });
    expect((await signIn(newAgent(t.app), known.email, 'not his password')).status).toBe(401);
    const failed = await t.db.selectFrom('audit_events').select(['actor_label', 'details']).where('action', '=', 'auth.login_failed').orderBy('id').execute();
    expect(failed[0]!.actor_label).toMatch(/^unknown account [0-9a-f]{16}$/);
    // A known account keeps its label.
    expect(failed[1]!.actor_label).toBe('max@riverside.example');
    // Nowhere in the database file or its WAL, in any case.
    for (const file of [t.config.databasePath, `${t.config.databasePath}-wal`]) {
      if (!fs.existsSync(file)) continue;
      const bytes = fs.readFileSync(file).toString('latin1').toLowerCase();
      expect(bytes.includes(typed.toLowerCase())).toBe(false);
    }
  });
});
