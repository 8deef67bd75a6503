import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn } from '../helpers/http';
import { assertScim, auditOf, CORE_USER, ENTERPRISE, filterUrl, scimClient, scimToken, type Json } from '../helpers/scim';

// Okta's SCIM 2.0 test sequence over real HTTP: the Users endpoint paged, a lookup that finds no one,
// create, read back, the userName filter (case-insensitive), a duplicate refused with 409, a profile
// update by PUT, deactivation and reactivation by PATCH with a value object and no path, an unknown id;
// then the discovery documents and Groups. Every answer is checked against the SCIM schemas.

let t: TestApp;
let scim: ReturnType<typeof scimClient>;
let courseId: string;

const obligations = async (id: number) => (await t.training.personObligations(id)).map((o) => `${o.target.type}:${o.target.id}`);

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  courseId = t.catalogue.courses[0]!.id;
  scim = scimClient(t.app, (await scimToken(t, 'okta')).token);
});
afterAll(async () => { await t.close(); });

const okta = (userName: string, given: string, family: string): Json => ({
  schemas: [CORE_USER], userName, name: { givenName: given, familyName: family },
  emails: [{ primary: true, value: userName, type: 'work' }], displayName: `${given} ${family}`, locale: 'en-US', externalId: `00u${given.toLowerCase()}`,
  groups: [], password: 'Tr0ub4dor&3-not-kept', active: true,
});

describe('Okta SCIM 2.0 test sequence', () => {
  let id = '';
  const userName = 'joseph.adeyemi@riverside.example';

  test('GET /Users?count=1&startIndex=1 answers a ListResponse page', async () => {
    const res = await scim.get('/Users?count=1&startIndex=1');
    expect(res.status).toBe(200);
    assertScim('list', res.body, 'user');
    expect(res.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect((res.body.Resources as Json[])[0]!.userName).toBe('ada.admin@riverside.example');
  });

  test('a random userName is not found', async () => {
    const res = await scim.get(filterUrl('userName eq "not-a-person-9f1c@riverside.example"'));
    expect(res.status).toBe(200);
    assertScim('list', res.body);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  test('POST /Users creates the person (the password Okta sends is not kept); with no rules, every course falls to them', async () => {
    const res = await scim.post('/Users', okta(userName, 'Joseph', 'Adeyemi'));
    expect(res.status).toBe(201);
    assertScim('user', res.body);
    id = String(res.body.id);
    expect(res.body).toMatchObject({ userName, active: true, externalId: '00ujoseph', name: { formatted: 'Joseph Adeyemi' }, emails: [{ value: userName, type: 'work', primary: true }] });
    const row = await t.db.selectFrom('users').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ password_hash: null, name: 'Joseph Adeyemi', role: 'learner' });
    expect((await auditOf(t, Number(id))).map((e) => `${e.action} by ${e.actor}`)).toEqual(['user.created by scim:okta', 'scim.linked by scim:okta']);
    expect(await obligations(Number(id))).toEqual(t.catalogue.courses.map((c) => `course:${c.id}`));
    expect(await obligations(Number(id))).toContain(`course:${courseId}`);
  });

  test('the new person reads back by id and by userName in any case', async () => {
    const one = await scim.get(`/Users/${id}`);
    expect(one.status).toBe(200);
    assertScim('user', one.body);
    for (const name of [userName, userName.toUpperCase()]) {
      const res = await scim.get(filterUrl(`userName eq "${name}"`));
      assertScim('list', res.body, 'user');
      expect(res.body.totalResults).toBe(1);
      expect((res.body.Resources as Json[])[0]!.id).toBe(id);
    }
  });

  test('creating the same userName again is refused with 409 uniqueness, and nothing is written', async () => {
    const before = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await scim.post('/Users', okta(userName.toUpperCase(), 'Joseph', 'Adeyemi'));
    expect(res.status).toBe(409);
    assertScim('error', res.body);
    expect(res.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    // The same e-mail under another userName is refused too.
    const other = await scim.post('/Users', { ...okta('jadeyemi', 'Joseph', 'Adeyemi'), emails: [{ value: userName, type: 'work', primary: true }] });
    expect(other.status).toBe(409);
    assertScim('error', other.body);
    const after = await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await scim.get('/Users')).body.totalResults).toBe(2);
  });

  test('PUT /Users/:id updates the profile (Okta sends the whole User); a PUT without active keeps the status', async () => {
    const current = (await scim.get(`/Users/${id}`)).body;
    const name = { givenName: 'Joe', familyName: 'Adeyemi', formatted: 'Joe Adeyemi' };
    const res = await scim.put(`/Users/${id}`, { ...current, name, title: 'Porter', [ENTERPRISE]: { department: 'Facilities/Portering', employeeNumber: 'P-204' } });
    expect(res.status).toBe(200);
    assertScim('user', res.body);
    expect(res.body).toMatchObject({ name, title: 'Porter', [ENTERPRISE]: { department: 'Facilities/Portering', employeeNumber: 'P-204' } });
    const events = (await auditOf(t, Number(id))).map((e) => e.action);
    expect(events.slice(-2)).toEqual(['user.updated', 'scim.identity_changed']);
    const { active: _active, ...withoutActive } = res.body;
    const kept = await scim.put(`/Users/${id}`, withoutActive);
    expect(kept.status).toBe(200);
    expect(kept.body.active).toBe(true);
  });

  test('PATCH {"op":"replace","value":{"active":false}} deactivates; {"active":true} reactivates; each audited once', async () => {
    const off = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
    expect(off.status).toBe(200);
    assertScim('user', off.body);
    expect(off.body.active).toBe(false);
    const on = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    const events = (await auditOf(t, Number(id))).map((e) => `${e.action} by ${e.actor}`);
    expect(events.slice(-2)).toEqual(['user.deactivated by scim:okta', 'user.reactivated by scim:okta']);
    expect(await obligations(Number(id))).toContain(`course:${courseId}`);
    // Okta's profile push: a value object naming attributes with dotted paths.
    const push = await scim.patch(`/Users/${id}`, [{ op: 'replace', value: { 'name.givenName': 'Joseph', 'name.familyName': 'Adeyemi' } }]);
    expect(push.status).toBe(200);
    expect(push.body.name).toEqual({ formatted: 'Joseph Adeyemi', givenName: 'Joseph', familyName: 'Adeyemi' });
  });

  test('an unknown id answers 404 in SCIM form', async () => {
    for (const bad of ['999999', 'not-an-id', '0']) {
      const res = await scim.get(`/Users/${bad}`);
      expect(res.status).toBe(404);
      assertScim('error', res.body);
    }
  });

  test('startIndex and count page through everyone in a stable order; count=0 gives only the total', async () => {
    for (const n of ['Amara', 'Bola', 'Chidi']) expect((await scim.post('/Users', okta(`${n.toLowerCase()}@riverside.example`, n, 'Test'))).status).toBe(201);
    const all = await scim.get('/Users?count=200');
    expect(all.body.totalResults).toBe(5);
    const ids = (all.body.Resources as Json[]).map((r) => r.id);
    const page = await scim.get('/Users?startIndex=2&count=2');
    assertScim('list', page.body, 'user');
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect((page.body.Resources as Json[]).map((r) => r.id)).toEqual(ids.slice(1, 3));
    const tail = await scim.get('/Users?startIndex=5&count=10');
    expect((tail.body.Resources as Json[]).map((r) => r.id)).toEqual(ids.slice(4));
    const none = await scim.get('/Users?count=0');
    assertScim('list', none.body);
    expect(none.body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    const silly = await scim.get('/Users?startIndex=-4&count=100000');
    expect(silly.body).toMatchObject({ startIndex: 1, itemsPerPage: 5 });
  });
});

describe('a person imported before SCIM', () => {
  test('is found by their e-mail as userName and linked, not duplicated; deactivation by SCIM signs them out', async () => {
    const nia = await createPerson(t.db, t.clock, { email: 'nia.brooks@riverside.example', name: 'Nia Brooks', department: 'Nursing', employeeId: 'N-17' });
    const agent = newAgent(t.app);
    await signIn(agent, 'nia.brooks@riverside.example', GOOD_PASSWORD);
    expect((await agent.get('/')).status).toBe(200);

    const found = await scim.get(filterUrl('userName eq "Nia.Brooks@riverside.example"'));
    assertScim('list', found.body, 'user');
    expect(found.body.totalResults).toBe(1);
    const resource = (found.body.Resources as Json[])[0]!;
    expect(resource).toMatchObject({ id: String(nia.id), userName: 'nia.brooks@riverside.example', [ENTERPRISE]: { employeeNumber: 'N-17', department: 'Nursing' } });
    const linked = await scim.patch(`/Users/${nia.id}`, [{ op: 'replace', value: { externalId: '00unia', active: false } }]);
    expect(linked.status).toBe(200);
    assertScim('user', linked.body);
    expect(linked.body).toMatchObject({ externalId: '00unia', active: false });
    expect((await auditOf(t, nia.id)).map((e) => `${e.action} by ${e.actor}`).slice(-2)).toEqual(['scim.linked by scim:okta', 'user.deactivated by scim:okta']);
    const after = await agent.get('/');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
    expect(await t.db.selectFrom('sessions').select('sid').where('user_id', '=', nia.id).execute()).toEqual([]);
  });
});

describe('discovery and Groups', () => {
  test('ServiceProviderConfig says PATCH and filter yes; bulk, sort, etag and password changes no', async () => {
    const res = await scim.get('/ServiceProviderConfig');
    expect(res.status).toBe(200);
    assertScim('serviceProviderConfig', res.body);
    expect(res.body).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 200 }, sort: { supported: false }, etag: { supported: false } });
  });

  test('ResourceTypes and Schemas list User (with the enterprise extension) and Group, each readable by id', async () => {
    const types = await scim.get('/ResourceTypes');
    assertScim('list', types.body, 'resourceType');
    expect((types.body.Resources as Json[]).map((r) => r.id)).toEqual(['User', 'Group']);
    const user = await scim.get('/ResourceTypes/User');
    assertScim('resourceType', user.body);
    expect(user.body.schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = await scim.get('/Schemas');
    assertScim('list', schemas.body, 'schema');
    expect((schemas.body.Resources as Json[]).map((r) => r.id)).toEqual([CORE_USER, ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
    const ext = await scim.get(`/Schemas/${ENTERPRISE}`);
    assertScim('schema', ext.body);
    expect((ext.body.attributes as Json[]).map((a) => a.name)).toEqual(['employeeNumber', 'department', 'manager']);
    const missing = await scim.get('/Schemas/urn:nothing');
    expect(missing.status).toBe(404);
    assertScim('error', missing.body);
  });

  test('Groups: the list is empty and writes answer 501 (departments come from the enterprise department attribute)', async () => {
    const list = await scim.get('/Groups');
    expect(list.status).toBe(200);
    assertScim('list', list.body);
    expect(list.body.totalResults).toBe(0);
    const create = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Nursing' });
    expect(create.status).toBe(501);
    assertScim('error', create.body);
    expect(create.body.detail).toMatch(/department/);
    expect((await scim.get('/Groups/1')).status).toBe(404);
  });
});
