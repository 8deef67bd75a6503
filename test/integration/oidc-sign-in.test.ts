import fc from 'fast-check';
import request from 'supertest';
import { humanMessage } from '../helpers/forms/checks';
import { BROKEN, enc, NASTY, PROTO_KEYS } from '../helpers/forms/generators';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { csrfFrom, html, newAgent, type Agent } from '../helpers/http';
import { signInAtPeer, signingKey, startOidcPeer, type OidcPeer } from '../helpers/oidc-peer';

// Issue 18, OpenID Connect against oidc-provider (npm) running in this process over real HTTP: the app
// is driven over supertest, the provider's own sign-in pages over fetch, as a browser would.
// The negative cases oidc-provider cannot be made to produce are in oidc-refusals.test.ts.

const BASE = 'http://127.0.0.1:3000';
const CALLBACK = `${BASE}/auth/oidc/callback`;
const ACCOUNTS = [
  { sub: 'rn-0042', email: 'dana.reyes@riverside.example', email_verified: true, name: 'Dana Reyes' },
  { sub: 'rn-0077', email: 'omar.haddad@riverside.example', email_verified: true, name: 'Omar Haddad' },
  // Someone at the provider whose verified address is an admin's here, one whose address is unverified, one unknown here.
  { sub: 'it-0001', email: 'chief.admin@riverside.example', email_verified: true, name: 'Chief Admin' },
  { sub: 'rn-0101', email: 'lena.ortiz@riverside.example', email_verified: false, name: 'Lena Ortiz' },
  { sub: 'rn-0555', email: 'nobody.here@riverside.example', email_verified: true, name: 'Nobody Here' },
];

let peer: OidcPeer;
let t: TestApp;

const appFor = async (p: OidcPeer) => {
  const app = await buildTestApp({ OIDC_ISSUER_URL: p.issuer, OIDC_CLIENT_ID: p.clientId, OIDC_CLIENT_SECRET: p.clientSecret, SSO_OIDC_NAME: 'Riverside ID' });
  // The provider signs with the real time; the app's clock starts there and moves only when a test moves it.
  app.clock.advance(Date.now() - app.clock.now().getTime());
  return app;
};

beforeAll(async () => {
  peer = await startOidcPeer({ redirectUris: [CALLBACK], postLogoutRedirectUris: [`${BASE}/login`], accounts: ACCOUNTS });
  t = await appFor(peer);
  await createPerson(t.db, t.clock, { name: 'Dana Reyes', email: 'dana.reyes@riverside.example' });
  await createPerson(t.db, t.clock, { name: 'Omar Haddad', email: 'omar.haddad@riverside.example' });
  await createPerson(t.db, t.clock, { name: 'Chief Admin', email: 'chief.admin@riverside.example', role: 'admin' });
  await createPerson(t.db, t.clock, { name: 'Lena Ortiz', email: 'lena.ortiz@riverside.example' });
});

afterAll(async () => {
  await t.close();
  await peer.stop();
});

/** Starts a sign-in in this agent (browser): the provider's authorization URL it was sent to. */
async function start(agent: Agent, next = '/'): Promise<URL> {
  const res = await agent.get(`/auth/oidc/login?next=${encodeURIComponent(next)}`);
  expect(res.status).toBe(303);
  return new URL(res.headers.location!);
}

const callbackPath = (u: URL) => `${u.pathname}${u.search}`;

async function refusals(): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused').orderBy('id').execute();
  return rows.map((r) => String((JSON.parse(r.details) as { check?: unknown }).check));
}

describe('OpenID Connect sign-in against oidc-provider', () => {
  test('the authorization request carries PKCE (S256), state and nonce, and asks for the configured scopes', async () => {
    const url = await start(newAgent(t.app));
    expect(url.origin).toBe(peer.issuer);
    const p = url.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe(peer.clientId);
    expect(p.get('redirect_uri')).toBe(CALLBACK);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(p.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    // Only a hash of the state is kept; the verifier never leaves the server.
    const row = await t.db.selectFrom('sso_requests').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row.state_hash).not.toContain(p.get('state'));
    expect(url.href).not.toContain(row.code_verifier!);
  });

  test('a learner signs in at the provider and lands on their dashboard, linked by verified e-mail', async () => {
    const agent = newAgent(t.app);
    const back = await signInAtPeer((await start(agent, '/transcript')).href, 'rn-0042', CALLBACK);
    const res = await agent.get(callbackPath(back));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/transcript');
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`Welcome, ${html('Dana Reyes')}`);
    // Signing out goes through the provider's logout.
    expect(home.text).toContain('action="/auth/oidc/logout"');
    const linked = await t.db.selectFrom('sso_identities').innerJoin('users', 'users.id', 'sso_identities.user_id')
      .select(['users.email', 'sso_identities.issuer', 'sso_identities.subject']).execute();
    expect(linked).toEqual([{ email: 'dana.reyes@riverside.example', issuer: peer.issuer, subject: 'rn-0042' }]);
  });

  test.each([
    ['an admin\'s verified e-mail (admins are not linked automatically)', 'it-0001', 'privileged-account'],
    ['an unverified e-mail', 'rn-0101', 'email-not-verified'],
    ['someone with no account here', 'rn-0555', 'unknown-person'],
  ])('a provider account with %s is refused by the linking rules, with a clear page and no link', async (_what, login, reason) => {
    const agent = newAgent(t.app);
    const back = await signInAtPeer((await start(agent)).href, login, CALLBACK);
    const res = await agent.get(callbackPath(back));
    expect(res.status).toBe(403);
    expect(res.text).toContain('You have not been signed in');
    const event = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect((JSON.parse(event.details) as { reason?: unknown }).reason).toBe(reason);
    expect(await t.db.selectFrom('sso_identities').select('id').where('subject', '=', login).execute()).toEqual([]);
    expect((await agent.get('/')).status).toBe(303);
  });

  test('the same callback sent again (replayed state) is refused with a clear page and audited', async () => {
    const agent = newAgent(t.app);
    const login = await agent.get('/auth/oidc/login');
    // Someone who copied both the callback address and the browser's flow cookie.
    const flowCookie = String(login.headers['set-cookie']).split(';')[0]!;
    const back = await signInAtPeer(login.headers.location!, 'rn-0077', CALLBACK);
    expect((await agent.get(callbackPath(back))).status).toBe(303);
    const replay = await request(t.app).get(callbackPath(back)).set('Cookie', flowCookie);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('already been used or has expired');
    expect((await refusals()).slice(-1)[0]).toMatch(/^unknown-or-used-state/);
  });

  test('a used code sent with a fresh state (replayed code) is refused by the provider, and so here', async () => {
    const first = newAgent(t.app);
    const used = await signInAtPeer((await start(first)).href, 'rn-0042', CALLBACK);
    expect((await first.get(callbackPath(used))).status).toBe(303);
    const second = newAgent(t.app);
    const fresh = await start(second);
    const replayed = new URL(used);
    replayed.searchParams.set('state', fresh.searchParams.get('state')!);
    const res = await second.get(callbackPath(replayed));
    expect(res.status).toBe(403);
    expect(res.text).toContain('refused to finish this sign-in');
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('pr.sid=');
    expect((await refusals()).slice(-1)[0]).toMatch(/^code-refused/);
  });

  test('a state this browser did not start, an unknown one and a missing one are refused before anything is spent', async () => {
    const victim = newAgent(t.app);
    const attacker = newAgent(t.app);
    const back = await signInAtPeer((await start(attacker)).href, 'rn-0077', CALLBACK);
    // The attacker's own callback link, opened by someone else: refused, and the attacker's state stays usable.
    const csrf = await victim.get(callbackPath(back));
    expect(csrf.status).toBe(400);
    expect(csrf.text).toContain('not started in this browser');
    expect((await refusals()).slice(-1)[0]).toMatch(/^state-not-from-this-browser/);
    expect((await attacker.get(callbackPath(back))).status).toBe(303);

    const unknown = await victim.get('/auth/oidc/callback?code=abc&state=not-a-state-we-issued');
    expect(unknown.status).toBe(400);
    const missing = await victim.get('/auth/oidc/callback?code=abc');
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('incomplete');
    expect((await refusals()).slice(-1)[0]).toMatch(/^missing-state/);
  });

  test('a sign-in left longer than 10 minutes at the provider is refused as expired', async () => {
    const agent = newAgent(t.app);
    const back = await signInAtPeer((await start(agent)).href, 'rn-0042', CALLBACK);
    t.clock.advanceMinutes(11);
    const res = await agent.get(callbackPath(back));
    expect(res.status).toBe(400);
    expect((await refusals()).slice(-1)[0]).toMatch(/^unknown-or-used-state/);
  });

  test('an ID token carrying another nonce than the one this sign-in sent is refused', async () => {
    const agent = newAgent(t.app);
    const url = await start(agent);
    url.searchParams.set('nonce', 'a-nonce-some-other-sign-in-would-have-sent-0000');
    const back = await signInAtPeer(url.href, 'rn-0042', CALLBACK);
    const res = await agent.get(callbackPath(back));
    expect(res.status).toBe(403);
    expect(res.text).toContain('does not belong to the sign-in this browser started');
    expect((await refusals()).slice(-1)[0]).toMatch(/^nonce-mismatch/);
  });

  test('an ID token that has expired by the app\'s clock is refused (the clock is the library\'s clock)', async () => {
    // oidc-provider's ID tokens live an hour; the app's clock runs two hours ahead from before the sign-in begins.
    t.clock.advance(2 * 3_600_000);
    const agent = newAgent(t.app);
    const back = await signInAtPeer((await start(agent)).href, 'rn-0042', CALLBACK);
    const res = await agent.get(callbackPath(back));
    expect(res.status).toBe(403);
    expect(res.text).toContain('had expired');
    expect((await refusals()).slice(-1)[0]).toMatch(/^expired/);
    t.clock.advance(Date.now() - t.clock.now().getTime());
  });

  test('the provider\'s own error (the person cancelled) is refused with a clear page', async () => {
    const agent = newAgent(t.app);
    const url = await start(agent);
    const res = await agent.get(`/auth/oidc/callback?error=access_denied&error_description=End-User+aborted&state=${url.searchParams.get('state')}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('did not sign you in');
    expect((await refusals()).slice(-1)[0]).toMatch(/^provider-error/);
  });

  test('sign-out ends the session here and sends the browser to the provider\'s end-session endpoint', async () => {
    const agent = newAgent(t.app);
    const back = await signInAtPeer((await start(agent)).href, 'rn-0077', CALLBACK);
    await agent.get(callbackPath(back));
    const home = await agent.get('/');
    const out = await agent.post('/auth/oidc/logout').type('form').send({ _csrf: csrfFrom(home.text) });
    expect(out.status).toBe(303);
    const to = new URL(out.headers.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${peer.issuer}/session/end`);
    expect(to.searchParams.get('client_id')).toBe(peer.clientId);
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${BASE}/login`);
    expect((await agent.get('/')).status).toBe(303);
    const events = await t.db.selectFrom('audit_events').select('action').orderBy('id', 'desc').limit(1).execute();
    expect(events[0]!.action).toBe('auth.logout');
  });
});

describe('OpenID Connect key rotation at oidc-provider', () => {
  test('after the provider rotates to a new signing key (old one still published), sign-in still works', async () => {
    const oldKey = await signingKey('rotation-old');
    const first = await startOidcPeer({ redirectUris: [CALLBACK], accounts: ACCOUNTS, keys: [oldKey] });
    const app = await appFor(first);
    try {
      await createPerson(app.db, app.clock, { name: 'Dana Reyes', email: 'dana.reyes@riverside.example' });
      const a = newAgent(app.app);
      const r1 = await a.get('/auth/oidc/login');
      expect((await a.get(callbackPath(await signInAtPeer(r1.headers.location!, 'rn-0042', CALLBACK)))).status).toBe(303);
      // Same issuer (same port), new key first: the provider now signs with it.
      await first.stop();
      const rotated = await startOidcPeer({ redirectUris: [CALLBACK], accounts: ACCOUNTS, keys: [await signingKey('rotation-new'), oldKey], port: first.port });
      try {
        const b = newAgent(app.app);
        const r2 = await b.get('/auth/oidc/login');
        const back = await signInAtPeer(r2.headers.location!, 'rn-0042', CALLBACK);
        const res = await b.get(callbackPath(back));
        expect(res.status).toBe(303);
        expect((await b.get('/')).text).toContain('Welcome, Dana Reyes');
        expect(rotated.signingKid).toBe('rotation-new');
      } finally {
        await rotated.stop();
      }
    } finally {
      await app.close();
    }
  });
});

describe('OpenID Connect routes take hostile query strings', () => {
  // The request-schemas property, here against a configured provider (the shared world has no OIDC).
  test.each(['/auth/oidc/login', '/auth/oidc/callback'])('%s: random query strings never answer 5xx, and a refusal says why', async (path) => {
    const agent = newAgent(t.app);
    const state = (await start(agent)).searchParams.get('state')!;
    const fields = ['next', 'code', 'state', 'iss', 'session_state', 'error', 'error_description'];
    const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'state[]', 'code[a]') });
    const value = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(state, 'abc', '/transcript', '//evil.example', 'access_denied', peer.issuer) },
      { weight: 3, arbitrary: fc.constantFrom(...NASTY) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
    const run = fc.record({ pairs: fc.array(fc.tuple(key, value), { maxLength: 6 }), raw: fc.array(fc.constantFrom(...BROKEN), { maxLength: 2 }) });
    await fc.assert(fc.asyncProperty(run, async ({ pairs, raw }) => {
      const url = `${path}?${[...pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`), ...raw].join('&')}`;
      const res = await agent.get(url);
      if (res.status >= 500) throw new Error(`${url} answered ${res.status}`);
      if (res.status >= 400 && !humanMessage(res)) throw new Error(`${url} answered ${res.status} without a message for the person`);
      if (res.status === 303 && path === '/auth/oidc/login' && !res.headers.location!.startsWith(`${peer.issuer}/`)) throw new Error(`${url} sent the browser to ${res.headers.location}`);
    }), { numRuns: 25, seed: 20261204 });
  });
});
