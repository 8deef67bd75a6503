import fc from 'fast-check';
import request from 'supertest';
import { scimApp } from '../../server/identity/scim-routes';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { assertScim, CORE_USER, ENTERPRISE, filterUrl, PATCH_OP, scimClient, scimToken, type Json } from '../helpers/scim';

// Refusals: no token, a wrong or revoked token (401); bad JSON, a huge or unsupported filter, unknown or
// read-only attribute paths, invalid values, oversized bodies (400/413, SCIM error JSON, nothing
// changed); the per-token rate limit (429); and random bodies never answering 5xx.

let t: TestApp;
let scim: ReturnType<typeof scimClient>;
let token: string;
let personId = '';

/** Everything a refused request must leave as it was: the people and the audit log. */
async function snapshot(): Promise<string> {
  const [users, events] = await Promise.all([
    t.db.selectFrom('users').selectAll().orderBy('id').execute(),
    t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return JSON.stringify({ users, events: Number(events.n) });
}

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  token = (await scimToken(t, 'entra')).token;
  scim = scimClient(t.app, token);
  const res = await scim.post('/Users', {
    schemas: [CORE_USER, ENTERPRISE], userName: 'lena.fischer@riverside.example', name: { givenName: 'Lena', familyName: 'Fischer' },
    emails: [{ type: 'work', value: 'lena.fischer@riverside.example', primary: true }], [ENTERPRISE]: { department: 'Radiology' },
  });
  expect(res.status).toBe(201);
  personId = String(res.body.id);
});
afterAll(async () => { await t.close(); });

test('the JSON Schemas catch a malformed answer (so the checks elsewhere can fail)', () => {
  expect(() => assertScim('user', { schemas: [CORE_USER], id: 1, userName: 'x', meta: {} })).toThrow(/does not match/);
  expect(() => assertScim('error', { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: 400 })).toThrow(/does not match/);
  expect(() => assertScim('list', { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 2 })).toThrow(/does not match/);
});

describe('tokens', () => {
  test('no token, a malformed one or an unknown one: 401 with a SCIM error and a Bearer challenge', async () => {
    for (const auth of [undefined, 'Bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer prscim_' + 'A'.repeat(43), `Bearer ${token}x`, `bearer  ${token}`]) {
      let r = request(t.app).get('/scim/v2/Users');
      if (auth !== undefined) r = r.set('Authorization', auth);
      const res = await r;
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="scim"');
      assertScim('error', JSON.parse(res.text));
    }
  });

  test('a revoked token stops working at once; another token keeps working; the token is stored only as a hash', async () => {
    const other = await scimToken(t, 'okta');
    const client = scimClient(t.app, other.token);
    expect((await client.get('/Users')).status).toBe(200);
    const rows = await t.db.selectFrom('scim_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(other.token.slice(7));
    await t.services.scimTokens.revoke({ id: null, label: 'cli' }, other.id);
    const res = await client.get('/Users');
    expect(res.status).toBe(401);
    assertScim('error', res.body);
    expect((await client.post('/Users', { schemas: [CORE_USER], userName: 'x@riverside.example' })).status).toBe(401);
    expect((await scim.get('/Users')).status).toBe(200);
    const events = await t.db.selectFrom('audit_events').select(['action', 'details']).where('action', 'like', 'scim.token_%').orderBy('id').execute();
    expect(events.map((e) => e.action)).toEqual(['scim.token_created', 'scim.token_created', 'scim.token_revoked']);
  });

  test('requests per token are rate limited with a SCIM 429; another token has its own allowance', async () => {
    const limited = scimApp(t.services, { perMinute: 3 });
    // Fresh tokens: the counts are in the database (issue 19), so the main app's requests with `token`
    // in this minute of the test clock count against this app's limit too.
    const first = (await scimToken(t, 'limit-a')).token;
    const second = (await scimToken(t, 'limit-b')).token;
    const get = (tok: string) => request(limited).get('/Users').set('Authorization', `Bearer ${tok}`);
    for (let i = 0; i < 3; i += 1) expect((await get(first)).status).toBe(200);
    const over = await get(first);
    expect(over.status).toBe(429);
    assertScim('error', JSON.parse(over.text));
    expect((await get(second)).status).toBe(200);
  });
});

describe('hostile input changes nothing', () => {
  const refusals: [string, () => Promise<{ status: number; body: Json }>, number, string | undefined][] = [
    ['bad JSON', async () => {
      const res = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send('{"userName": "x",');
      return { status: res.status, body: JSON.parse(res.text) as Json };
    }, 400, 'invalidSyntax'],
    ['a body that is not JSON at all (text/plain)', async () => {
      const res = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('userName=x');
      return { status: res.status, body: JSON.parse(res.text) as Json };
    }, 400, 'invalidSyntax'],
    ['a body over the size limit', async () => {
      const res = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json')
        .send(JSON.stringify({ schemas: [CORE_USER], userName: 'big@riverside.example', nickName: 'x'.repeat(300_000) }));
      return { status: res.status, body: JSON.parse(res.text) as Json };
    }, 413, undefined],
    ['a huge filter', () => scim.get(filterUrl(`userName eq "${'a'.repeat(5000)}"`)), 400, 'invalidFilter'],
    ['an unsupported filter operator', () => scim.get(filterUrl('userName co "lena"')), 400, 'invalidFilter'],
    ['a filter on an unsupported attribute', () => scim.get(filterUrl('title eq "Nurse"')), 400, 'invalidFilter'],
    ['two filters joined with or', () => scim.get(filterUrl('userName eq "a" or userName eq "b"')), 400, 'invalidFilter'],
    ['the filter given twice', () => scim.get('/Users?filter=userName%20eq%20%22a%22&filter=userName%20eq%20%22b%22'), 400, 'invalidFilter'],
    ['a PATCH to an unknown attribute after a valid one', () => scim.patch(`/Users/${personId}`, [
      { op: 'Replace', path: 'name.familyName', value: 'Changed' }, { op: 'Replace', path: 'favouriteColour', value: 'teal' }]), 400, 'invalidPath'],
    ['a PATCH to an unknown sub-attribute', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: 'name.nickname', value: 'x' }]), 400, 'invalidPath'],
    ['a PATCH to an unknown enterprise attribute', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: `${ENTERPRISE}:salary`, value: '1' }]), 400, 'invalidPath'],
    ['a PATCH to __proto__', () => scim.patch(`/Users/${personId}`, [{ op: 'add', path: '__proto__', value: { polluted: true } }]), 400, 'invalidPath'],
    ['a no-path PATCH naming an unknown attribute', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', value: { active: false, constructor: 'x' } }]), 400, 'invalidPath'],
    ['a PATCH to the read-only id', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: 'id', value: '1' }]), 400, 'mutability'],
    ['a PATCH with an unknown op', () => scim.patch(`/Users/${personId}`, [{ op: 'merge', path: 'title', value: 'x' }]), 400, 'invalidSyntax'],
    ['a PATCH without the PatchOp schema', async () => {
      const res = await request(t.app).patch(`/scim/v2/Users/${personId}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json')
        .send(JSON.stringify({ Operations: [{ op: 'replace', value: { active: false } }] }));
      return { status: res.status, body: JSON.parse(res.text) as Json };
    }, 400, 'invalidSyntax'],
    ['too many operations', () => scim.patch(`/Users/${personId}`, Array.from({ length: 101 }, () => ({ op: 'replace', path: 'title', value: 'x' }))), 400, 'tooMany'],
    ['an e-mail that is not one', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'not-an-address' }]), 400, 'invalidValue'],
    ['an employee number with spaces', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: 'E 1' }]), 400, 'invalidValue'],
    ['a department with a look-alike slash', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Nursing\u2215ICU' }]), 400, 'invalidValue'],
    ['a manager who does not exist', () => scim.patch(`/Users/${personId}`, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: '999999' }]), 400, 'invalidValue'],
    ['the person as their own manager', () => scim.patch(`/Users/${personId}`, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: personId }]), 400, 'invalidValue'],
    ['active as a number', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: 'active', value: 0 }]), 400, 'invalidValue'],
    ['a name with control characters', () => scim.patch(`/Users/${personId}`, [{ op: 'replace', path: 'name.formatted', value: 'Lena\u0000Fischer' }]), 400, 'invalidValue'],
    ['a User without userName', () => scim.post('/Users', { schemas: [CORE_USER], emails: [{ value: 'no.name@riverside.example' }] }), 400, 'invalidValue'],
    ['a User without any e-mail', () => scim.post('/Users', { schemas: [CORE_USER], userName: 'nobody' }), 400, 'invalidValue'],
    ['a JSON array instead of a User', () => scim.post('/Users', [1, 2, 3]), 400, 'invalidSyntax'],
    ['remove without a path', () => scim.patch(`/Users/${personId}`, [{ op: 'remove' }]), 400, 'noTarget'],
  ];

  test.each(refusals)('%s', async (_label, send, status, scimType) => {
    const before = await snapshot();
    const res = await send();
    expect(res.status).toBe(status);
    assertScim('error', res.body);
    expect(res.body.status).toBe(String(status));
    expect(res.body.scimType).toBe(scimType);
    expect(await snapshot()).toBe(before);
    expect(({} as Json).polluted).toBeUndefined();
  });

  test('an unknown address under /scim/v2 answers a SCIM 404, not the HTML error page', async () => {
    const res = await scim.get('/Nope');
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/scim\+json/);
    assertScim('error', res.body);
  });

  test('random JSON bodies and PATCH operations never answer 5xx, and a refusal changes nothing', async () => {
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.boolean(), fc.integer(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }));
    const path = fc.oneof(fc.constantFrom('userName', 'active', 'name.givenName', 'emails[type eq "work"].value', `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`,
      'emails[type eq "work"]', 'phoneNumbers[type eq "mobile"].value', 'name', 'title', 'externalId'), fc.string({ maxLength: 40 }));
    const op = fc.record({ op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'delete'), path, value }, { requiredKeys: ['op'] });
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
      const before = await snapshot();
      const res = await request(t.app).patch(`/scim/v2/Users/${personId}`).set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json').send(JSON.stringify({ schemas: [PATCH_OP], Operations: ops }));
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) {
        assertScim('error', JSON.parse(res.text));
        expect(await snapshot()).toBe(before);
      } else {
        assertScim('user', JSON.parse(res.text));
      }
    }), { numRuns: 60, seed: 20261218 });
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
      const res = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
      expect(res.status).toBeLessThan(500);
      assertScim(res.status === 201 ? 'user' : 'error', JSON.parse(res.text));
    }), { numRuns: 60, seed: 20261219 });
  });
});
