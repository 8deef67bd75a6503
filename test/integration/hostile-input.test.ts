import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

let t: TestApp;
let admin: Agent;
let token: string;
let victimId: number;

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
  victimId = (await createPerson(t.db, t.clock, { email: 'victim@riverside.example', name: 'Victor Ames' })).id;
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  token = csrfFrom((await admin.get('/admin/users/new')).text);
});
afterAll(async () => { await t.close(); });

const snapshot = async () => JSON.stringify(await t.db.selectFrom('users').selectAll().orderBy('id').execute());

const nasty: Record<string, string> = {
  huge: 'x'.repeat(12_000), // 7 fields stay under the 100 KB body limit, so the fields themselves are judged
  control: 'Ann\u0000Marie\u0007',
  bidi: 'Eve\u202Egnp.exe',
  sql: "Robert'); DROP TABLE users;--",
  sqlEmail: "a'@b.c' OR '1'='1",
  script: '<script>alert(1)</script>',
  unicode: '\uD83D\uDE00'.repeat(300),
};

describe('bad input never gives a 500 and changes nothing', () => {
  test.each(Object.entries(nasty))('user form with %s values in every field → 400', async (_name, value) => {
    const before = await snapshot();
    const res = await admin.post('/admin/users').type('form').send({
      _csrf: token, employee_id: value, email: value, name: value, role: value, department: value, manager_email: value, hire_date: value,
    });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(await snapshot()).toBe(before);
  });

  test('SQL-looking text in a valid field is stored as text, not run', async () => {
    const res = await admin.post('/admin/users').type('form').send({
      _csrf: token, employee_id: '', email: 'bobby@riverside.example', name: "Robert'); DROP TABLE users;--", role: 'learner', department: "Ops' OR 1=1", manager_email: '', hire_date: '',
    });
    expect(res.status).toBe(201);
    const row = await t.db.selectFrom('users').select('name').where('email', '=', 'bobby@riverside.example').executeTakeFirstOrThrow();
    expect(row.name).toBe("Robert'); DROP TABLE users;--");
    const list = await admin.get('/admin/users?q=' + encodeURIComponent("' OR 1=1 --"));
    expect(list.status).toBe(200);
    expect(list.text).toContain('0 people');
  });

  test('repeated fields (arrays where strings are expected) and prototype keys → 400', async () => {
    const before = await snapshot();
    const arr = await admin.post('/admin/users').type('form')
      .send(`_csrf=${encodeURIComponent(token)}&name=A&name=B&email=x%40riverside.example&role=learner`);
    expect(arr.status).toBe(400);
    expect(arr.text).toContain('Send this field once');
    const proto = await admin.post('/admin/users').type('form')
      .send(`_csrf=${encodeURIComponent(token)}&__proto__[role]=admin&constructor[prototype][x]=1&name=P&email=p%40riverside.example`);
    expect([201, 400]).toContain(proto.status);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    const created = await t.db.selectFrom('users').select('role').where('email', '=', 'p@riverside.example').executeTakeFirst();
    if (created) expect(created.role).toBe('learner');
    else expect(await snapshot()).toBe(before);
  });

  test('sign-in with arrays, huge values and control characters → 400 or 401, never 500', async () => {
    const agent = newAgent(t.app);
    const page = await agent.get('/login');
    const csrf = encodeURIComponent(csrfFrom(page.text));
    const bodies = [
      `_csrf=${csrf}&email=a&email=b&password=x`,
      `_csrf=${csrf}&email=${'a'.repeat(10_000)}&password=x`,
      `_csrf=${csrf}&email=victim%40riverside.example&password=${'p'.repeat(5000)}`,
      `_csrf=${csrf}&email=%00%01&password=%00`,
      `_csrf=${csrf}`,
    ];
    for (const body of bodies) {
      const res = await agent.post('/login').type('form').send(body);
      expect([400, 401]).toContain(res.status);
    }
  });

  test('unknown and malformed ids → 404', async () => {
    for (const id of ['999999', '0', '-1', 'abc', '1e3', '9'.repeat(40), "1' OR '1'='1"]) {
      expect((await admin.get(`/admin/users/${encodeURIComponent(id)}`)).status).toBe(404);
      const post = await admin.post(`/admin/users/${encodeURIComponent(id)}/deactivate`).type('form').send({ _csrf: token });
      expect(post.status).toBe(404);
    }
  });

  test('unknown paths and wrong methods → 403 (no CSRF token) or 404, never 500, and nothing changes', async () => {
    const before = await snapshot();
    expect((await admin.get('/no/such/page')).status).toBe(404);
    expect((await admin.put(`/admin/users/${victimId}`).send({})).status).toBe(403);
    expect((await admin.delete(`/admin/users/${victimId}`)).status).toBe(403);
    expect((await admin.put(`/admin/users/${victimId}`).type('form').send({ _csrf: token })).status).toBe(404);
    expect((await admin.delete(`/admin/users/${victimId}`).type('form').send({ _csrf: token })).status).toBe(404);
    expect((await admin.patch('/login')).status).toBe(403);
    expect(await snapshot()).toBe(before);
    expect((await admin.get(`/admin/users/${victimId}/deactivate`)).status).toBe(404);
  });

  test('query strings with arrays, junk pages and odd dates are ignored, not errors', async () => {
    for (const q of ['?page=-5', '?page=abc', '?page=99999999999', '?role[]=admin', '?q[a]=1', '?department=abc', '?status=%00']) {
      expect((await admin.get(`/admin/users${q}`)).status).toBe(200);
    }
    // The audit filters are a form (server/audit/requests.ts): a value that cannot be used is a 400 naming
    // the field, never a 500; repeated or unknown parameters are ignored.
    for (const q of ['?actor=-1', '?user[]=1', '?page=abc&page=2', '?subject[a]=1']) {
      const res = await admin.get(`/admin/audit${q}`);
      expect([q, res.status]).toEqual([q, q.startsWith('?page=abc') ? 400 : 200]);
    }
    for (const [q, says] of [['?from=2026-02-30', 'From: write a date'], ['?to=yesterday', 'To: write a date'], ['?action=%27%3B', 'Action: choose one']]) {
      const res = await admin.get(`/admin/audit${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.text).toContain(says);
    }
  });

  test('an oversize form body → 413 and nothing changes', async () => {
    const before = await snapshot();
    const res = await admin.post('/admin/users').type('form').send({ _csrf: token, name: 'x'.repeat(200 * 1024), email: 'big@riverside.example' });
    expect(res.status).toBe(413);
    expect(res.text).toContain('too large');
    expect(await snapshot()).toBe(before);
  });

  test('malformed bodies (broken urlencoding, JSON, broken multipart) → 4xx', async () => {
    const r1 = await admin.post('/admin/users').set('Content-Type', 'application/x-www-form-urlencoded').send('%E0%A4%A&_csrf=' + encodeURIComponent(token));
    expect(r1.status).toBeGreaterThanOrEqual(400);
    expect(r1.status).toBeLessThan(500);
    const r2 = await admin.post('/admin/users').set('Content-Type', 'application/json').send('{"name":');
    expect(r2.status).toBe(403);
    const r3 = await admin.post('/admin/import').set('Content-Type', 'multipart/form-data; boundary=XYZ').send('--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc');
    expect(r3.status).toBeGreaterThanOrEqual(400);
    expect(r3.status).toBeLessThan(500);
  });
});
