import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

let t: TestApp;
let admin: Agent;
beforeAll(async () => {
  // Room for all 20 imports at once: this file is about exactly-once writes, not the limit on heavy
  // requests (test/probe/event-loop.test.ts covers that).
  t = await buildTestApp({ HEAVY_REQUESTS_MAX: '20', HEAVY_REQUESTS_PER_PERSON: '20' });
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => { await t.close(); });

describe('concurrency', () => {
  test('20 identical imports at once create each person exactly once', async () => {
    const csv = ['employee_id,email,name,role,department,manager_email,hire_date',
      ...Array.from({ length: 25 }, (_, i) => `C${i},c${i}@riverside.example,Person ${i},learner,Lab/Night,,2026-10-01`)].join('\n');
    const page = await admin.get('/admin/import');
    const token = csrfFrom(page.text);
    const results = await Promise.all(Array.from({ length: 20 }, () =>
      admin.post('/admin/import').field('_csrf', token).attach('file', Buffer.from(csv), 'same.csv')));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await t.db.selectFrom('users').select('id').where('email', 'like', 'c%@riverside.example').execute()).toHaveLength(25);
    expect(await t.db.selectFrom('departments').select('id').execute()).toHaveLength(2);
    const created = await t.db.selectFrom('audit_events').select('id').where('action', '=', 'user.created').execute();
    expect(created).toHaveLength(25 + 1);
    const imports = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'users.imported').execute();
    expect(imports).toHaveLength(20);
    expect(imports.map((e) => JSON.parse(e.details).created as number).reduce((a, b) => a + b, 0)).toBe(25);
    expect(await t.db.selectFrom('one_time_tokens').select('id').where('purpose', '=', 'set-password').execute()).toHaveLength(25);
  });

  test('20 identical "add a person" forms at once create one person; the rest are told the email is taken', async () => {
    const page = await admin.get('/admin/users/new');
    const token = csrfFrom(page.text);
    const fields = { _csrf: token, employee_id: 'D-1', email: 'dup@riverside.example', name: 'Dee Duplicate', role: 'learner', department: '', manager_email: '', hire_date: '' };
    const results = await Promise.all(Array.from({ length: 20 }, () => admin.post('/admin/users').type('form').send(fields)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    expect(results.find((r) => r.status === 400)!.text).toContain('already belongs to another person');
    expect(await t.db.selectFrom('users').select('id').where('email', '=', 'dup@riverside.example').execute()).toHaveLength(1);
  });
});
