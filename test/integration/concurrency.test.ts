import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { CORE_USER, scimClient, scimToken } from '../helpers/scim';
import { playLesson } from '../helpers/learner';

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

  // On PostgreSQL these run side by side and collide (issue 19): each must answer as on SQLite, never 500.
  test('10 SCIM creations of one userName at once: one 201, nine 409 uniqueness, one person', async () => {
    const scim = scimClient(t.app, (await scimToken(t, 'race')).token);
    const body = { schemas: [CORE_USER], userName: 'race@riverside.example', name: { givenName: 'Rae', familyName: 'Race' }, emails: [{ value: 'race@riverside.example', primary: true }], active: true };
    const results = await Promise.all(Array.from({ length: 10 }, () => scim.post('/Users', body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.scimType).toBe('uniqueness');
    expect(await t.db.selectFrom('users').select('id').where('email', '=', 'race@riverside.example').execute()).toHaveLength(1);
  });

  test('6 versions of one policy published at once: no 500, each its own place in the sequence, the hash chain intact', async () => {
    const token = csrfFrom((await admin.get('/admin/policies/new')).text);
    const form = (i: number) => ({
      _csrf: token, slug: 'race-policy', title: 'Race Policy', label: String(i + 1), text: `# Version ${i}\n\nText number ${i}.`,
      change_kind: 'material', change_note: `Version ${i}.`, min_read_seconds: '60', intent: 'publish',
    });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => admin.post('/admin/policies').type('form').send(form(i))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const published = statuses.filter((s) => s < 400).length;
    expect(published).toBeGreaterThanOrEqual(1);
    const versions = await t.db.selectFrom('policy_versions').innerJoin('policies', 'policies.id', 'policy_versions.policy_id')
      .select(['policy_versions.seq']).where('policies.slug', '=', 'race-policy').orderBy('policy_versions.seq').execute();
    expect(versions.map((v) => v.seq)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(await t.services.policies.verify()).toMatchObject({ ok: true, problems: [] });
  });

  test('5 quiz starts at once by one learner open one attempt, and every answer leads to it', async () => {
    await createPerson(t.db, t.clock, { email: 'starter@riverside.example' });
    const learner = newAgent(t.app);
    await signIn(learner, 'starter@riverside.example', GOOD_PASSWORD);
    const course = t.catalogue.courses[0]!;
    for (const l of course.lessons) await playLesson(learner, course, l.id, t.clock);
    const token = csrfFrom((await learner.get(`/courses/${course.id}/quiz`)).text);
    const results = await Promise.all(Array.from({ length: 5 }, () => learner.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: token })));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(303));
    expect(new Set(results.map((r) => r.headers.location)).size).toBe(1);
    const attempts = await t.db.selectFrom('quiz_attempts').innerJoin('users', 'users.id', 'quiz_attempts.user_id')
      .select('quiz_attempts.id').where('users.email', '=', 'starter@riverside.example').execute();
    expect(attempts).toHaveLength(1);
  });
});

