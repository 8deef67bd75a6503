import net from 'node:net';
import type { CustomFetch } from 'openid-client';
import { createApp } from '../../server/app';
import { attributeMapping } from '../../server/identity/attribute-map';
import { OidcSignIn } from '../../server/identity/oidc-sign-in';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { newAgent } from '../helpers/http';
import { startFakeOp, type FakeOp, type Mischief } from '../helpers/oidc-fake-op';

// Issue 18: ID tokens that must be refused. oidc-provider cannot be made to issue these, so they come
// from a small provider in this process that crafts them with jose (test/helpers/oidc-fake-op.ts) and
// otherwise speaks the protocol for real: discovery, redirect, token endpoint with PKCE, JWKS.
// Each refusal: a clear page (403, never a 500), no session, and an sso.refused audit event with the reason.

const CLIENT = { id: 'privacy-rounds-fake', secret: 'fake-client-secret-long-enough-0123456789abcdef' };
let op: FakeOp;
let t: TestApp;

beforeAll(async () => {
  op = await startFakeOp(CLIENT.id, CLIENT.secret);
  t = await buildTestApp({ OIDC_ISSUER_URL: op.issuer, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret });
  t.clock.advance(Date.now() - t.clock.now().getTime());
  await createPerson(t.db, t.clock, { name: 'Fake Person', email: 'fake.person@riverside.example' });
});

afterAll(async () => {
  await t.close();
  await op.stop();
});

/** A whole sign-in through the fake provider with this mischief: the callback's answer. */
async function signInWith(mischief: Mischief) {
  op.mischief = mischief;
  const agent = newAgent(t.app);
  const login = await agent.get('/auth/oidc/login');
  expect(login.status).toBe(303);
  const authorize = await fetch(login.headers.location!, { redirect: 'manual' });
  const back = new URL(authorize.headers.get('location')!);
  const before = op.tokenRequests;
  const res = await agent.get(`${back.pathname}${back.search}`);
  expect(op.tokenRequests).toBe(before + 1);
  return { res, agent };
}

async function lastRefusal(): Promise<string> {
  const row = await t.db.selectFrom('audit_events').select(['details', 'actor_id']).where('action', '=', 'sso.refused').orderBy('id', 'desc').executeTakeFirstOrThrow();
  expect(row.actor_id).toBeNull();
  return String((JSON.parse(row.details) as { check?: unknown }).check);
}

const cases: [string, Mischief, string, string][] = [
  ['an ID token for another audience', { aud: 'some-other-application' }, 'wrong-audience', 'meant for another application'],
  ['an ID token from another issuer', { iss: 'https://login.example.net/other' }, 'wrong-issuer', 'does not trust'],
  ['an expired ID token', { expIn: -120 }, 'expired', 'had expired'],
  ['an ID token with another nonce', { nonce: 'not-the-nonce-this-browser-sent' }, 'nonce-mismatch', 'does not belong to the sign-in'],
  ['an unsigned ID token (alg: none)', { alg: 'none' }, 'algorithm-not-allowed', 'not signed in a way this server accepts'],
  ['an ID token signed with HS256 (the client secret as key)', { alg: 'HS256' }, 'algorithm-not-allowed', 'not signed in a way this server accepts'],
  ['an ID token signed by a key the JWKS does not contain', { unpublishedKey: true }, 'signing-key-unknown', 'does not publish'],
  ['an ID token claiming the published key\'s kid but signed by another key', { impostorKey: true }, 'bad-signature', 'signature is not valid'],
  ['an ID token whose audience also names another application without azp', { aud: [CLIENT.id, 'another-app'] }, 'wrong-audience', 'meant for another application'],
];

describe('OpenID Connect: ID tokens that are refused', () => {
  test.each(cases)('%s is refused with a clear page and an audit event', async (_name, mischief, reason, words) => {
    const { res, agent } = await signInWith(mischief);
    expect(res.status).toBe(403);
    expect(res.text).toContain(words);
    expect(res.text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(await lastRefusal()).toMatch(new RegExp(`^${reason}`));
    // Not signed in.
    expect((await agent.get('/')).status).toBe(303);
  });

  test('the same token with nothing wrong signs the person in (the cases above fail for their one reason)', async () => {
    const { res, agent } = await signInWith({});
    expect(res.status).toBe(303);
    expect((await agent.get('/')).text).toContain('Welcome, Fake Person');
  });

  test('key rotation: a token signed by a new key is refused until the JWKS publishes it, then accepted', async () => {
    const before = await signInWith({ secondKey: true });
    expect(before.res.status).toBe(403);
    expect(await lastRefusal()).toMatch(/^signing-key-unknown/);
    op.publishSecondKey();
    const after = await signInWith({ secondKey: true });
    expect(after.res.status).toBe(303);
    expect((await after.agent.get('/')).text).toContain('Welcome, Fake Person');
  });
});

describe('OpenID Connect: the provider and the tenant', () => {
  test('a provider that cannot be reached gets a 503 page saying so (never a 500), audited', async () => {
    // A port nothing listens on: taken, then let go.
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const down = await buildTestApp({ OIDC_ISSUER_URL: `http://127.0.0.1:${closed}`, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret });
    try {
      const res = await newAgent(down.app).get('/auth/oidc/login');
      expect(res.status).toBe(503);
      expect(res.text).toContain('could not be reached');
      const row = await down.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused').executeTakeFirstOrThrow();
      expect(String((JSON.parse(row.details) as { check?: unknown }).check)).toMatch(/^provider-unreachable/);
    } finally {
      await down.close();
    }
  });

  test('with OIDC_TENANT_IDS, only ID tokens from a listed tenant (tid) are accepted', async () => {
    const listed = '7d9c3e52-1b0a-4f3e-9a47-2c5e8b1d6f40';
    const tenantOp = await startFakeOp(CLIENT.id, CLIENT.secret);
    const app = await buildTestApp({ OIDC_ISSUER_URL: tenantOp.issuer, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret, OIDC_TENANT_IDS: listed });
    app.clock.advance(Date.now() - app.clock.now().getTime());
    try {
      await createPerson(app.db, app.clock, { name: 'Fake Person', email: 'fake.person@riverside.example' });
      const through = async (claims: Record<string, unknown>) => {
        tenantOp.mischief = { claims };
        const agent = newAgent(app.app);
        const authorize = await fetch((await agent.get('/auth/oidc/login')).headers.location!, { redirect: 'manual' });
        const back = new URL(authorize.headers.get('location')!);
        return agent.get(`${back.pathname}${back.search}`);
      };
      const other = await through({ tid: '00000000-0000-4000-8000-000000000000' });
      expect(other.status).toBe(403);
      expect(other.text).toContain('organisation this server does not accept');
      expect((await through({})).status).toBe(403);
      expect((await through({ tid: listed.toUpperCase() })).status).toBe(303);
    } finally {
      await app.close();
      await tenantOp.stop();
    }
  });
});

describe('OpenID Connect: Microsoft Entra ID\'s multi-tenant issuer', () => {
  // openid-client treats an issuer on https://login.microsoftonline.com whose discovery names the
  // "{tenantid}" template as Entra's: each ID token's issuer must then be its own tenant's (from `tid`).
  // Entra's host is played by the fake provider, reached through the client's custom fetch; nothing else changes.
  const ENTRA = 'https://login.microsoftonline.com';
  const LISTED = '7d9c3e52-1b0a-4f3e-9a47-2c5e8b1d6f40';
  const OTHER = '3f1a2b4c-5d6e-4f70-8a91-b2c3d4e5f607';

  test('a listed tenant\'s person signs in under their tenant\'s issuer; another tenant, or an issuer not matching tid, is refused', async () => {
    const entraOp = await startFakeOp(CLIENT.id, CLIENT.secret, { publicOrigin: ENTRA, discoveryIssuer: `${ENTRA}/{tenantid}/v2.0` });
    const app = await buildTestApp({ OIDC_ISSUER_URL: `${ENTRA}/organizations/v2.0`, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret, OIDC_TENANT_IDS: LISTED });
    app.clock.advance(Date.now() - app.clock.now().getTime());
    const toFake: CustomFetch = (url, init) => fetch(url.replace(ENTRA, entraOp.issuer), init as RequestInit);
    const oidcSignIn = new OidcSignIn(app.config.oidc, app.clock, app.services.ssoRequests, app.services.ssoLinking, attributeMapping('oidc', {}), toFake);
    const web = createApp({ ...app.services, oidcSignIn });
    try {
      await createPerson(app.db, app.clock, { name: 'Fake Person', email: 'fake.person@riverside.example' });
      const through = async (tid: string, iss: string) => {
        entraOp.mischief = { iss, claims: { tid } };
        const agent = newAgent(web);
        const login = await agent.get('/auth/oidc/login');
        expect(login.headers.location!.startsWith(`${ENTRA}/authorize?`)).toBe(true);
        const authorize = await fetch(login.headers.location!.replace(ENTRA, entraOp.issuer), { redirect: 'manual' });
        const back = new URL(authorize.headers.get('location')!);
        return agent.get(`${back.pathname}${back.search}`);
      };
      const reason = async () => String((JSON.parse((await app.db.selectFrom('audit_events').select('details').where('action', '=', 'sso.refused')
        .orderBy('id', 'desc').executeTakeFirstOrThrow()).details) as { check?: unknown }).check);

      expect((await through(OTHER, `${ENTRA}/${OTHER}/v2.0`)).status).toBe(403);
      expect(await reason()).toMatch(/^tenant-not-allowed/);
      expect((await through(LISTED, `${ENTRA}/${OTHER}/v2.0`)).status).toBe(403);
      expect(await reason()).toMatch(/^wrong-issuer/);
      expect((await through(LISTED, `${ENTRA}/${LISTED}/v2.0`)).status).toBe(303);
      const linked = await app.db.selectFrom('sso_identities').select(['issuer', 'subject']).execute();
      expect(linked).toEqual([{ issuer: `${ENTRA}/${LISTED}/v2.0`, subject: 'fake-subject-1' }]);
    } finally {
      await app.close();
      await entraOp.stop();
    }
  });
});
