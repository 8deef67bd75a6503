import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, submitForm, type Agent } from '../helpers/http';
import { downloadPdf } from '../helpers/pdf';

let t: TestApp;
let admin: Agent;
beforeEach(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const COURSE = 'hipaa-social-media';

describe('admin-recorded completions', () => {
  test('an in-person session creates a completion and certificate flagged as admin-recorded, audited', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'maria@riverside.example', name: 'María Gómez', hireDate: '2026-10-01' });
    const res = await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}/completions`, { course_id: COURSE, completed_on: '2026-10-28', trainer: 'Aisha Rahman', reason: 'No computer access on night shift' });
    expect(res.status).toBe(303);
    const c = await t.db.selectFrom('completions').selectAll().where('user_id', '=', p.id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ source: 'in-person', cycle: 'onboarding', score: null, attempt_id: null, valid_until: '2027-10-28' });
    expect(JSON.parse(c.details)).toEqual({ trainer: 'Aisha Rahman', reason: 'No computer access on night shift' });
    const cert = await t.db.selectFrom('certificates').selectAll().where('completion_id', '=', c.id).executeTakeFirstOrThrow();
    const pdf = await downloadPdf(admin, `/certificates/${cert.id}.pdf`);
    expect(pdf.text.replace(/\s+/g, ' ')).toContain('Recorded by an administrator for an in-person session');
    expect(pdf.text).toContain('Completed on 28 Oct 2026');
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'completion.recorded').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details)).toMatchObject({ source: 'in-person', trainer: 'Aisha Rahman' });
    const page = await admin.get(`/admin/users/${p.id}`);
    expect(page.text).toContain('In person (Aisha Rahman)');
    // A second one for the same cycle is refused.
    const again = await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}/completions`, { course_id: COURSE, completed_on: '2026-10-29', trainer: 'X', reason: 'Y' });
    expect(again.status).toBe(303);
    expect((await admin.get(`/admin/users/${p.id}`)).text).toContain('already up to date');
    expect(await t.db.selectFrom('completions').selectAll().execute()).toHaveLength(1);
  });

  test('bad in-person input records nothing: future date, unknown course, missing trainer', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'li@riverside.example' });
    for (const fields of [
      { course_id: COURSE, completed_on: '2030-01-01', trainer: 'T', reason: 'R' },
      { course_id: 'nope', completed_on: '2026-10-01', trainer: 'T', reason: 'R' },
      { course_id: COURSE, completed_on: '2026-10-01', trainer: '', reason: 'R' },
      { course_id: COURSE, completed_on: '2026-02-30', trainer: 'T', reason: 'R' },
    ]) {
      expect((await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}/completions`, fields)).status).toBe(303);
    }
    expect(await t.db.selectFrom('completions').selectAll().execute()).toHaveLength(0);
    expect((await admin.get(`/admin/users/${p.id}`)).text).toContain('Nothing was recorded');
  });

  test('historical completions import: all rows or none, with row reporting, and idempotent', async () => {
    const a = await createPerson(t.db, t.clock, { email: 'a@riverside.example', employeeId: 'H1', hireDate: '2020-01-01' });
    await createPerson(t.db, t.clock, { email: 'b@riverside.example', employeeId: 'H2', hireDate: '2020-01-01' });
    const upload = async (csv: string) => {
      const page = await admin.get('/admin/completions/import');
      return admin.post('/admin/completions/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(csv), 'history.csv');
    };
    const bad = await upload(['employee_id,course_id,completed_at,expires_at,source',
      'H1,hipaa-social-media,2025-12-01,,HealthStream', 'H9,hipaa-social-media,2025-12-01,,HealthStream',
      'H2,unknown-course,2025-12-01,,HealthStream', 'H2,hipaa-social-media,2099-01-01,,HealthStream', 'H2,hipaa-social-media,2025-06-01,2025-05-01,'].join('\n'));
    expect(bad.status).toBe(400);
    const problems = [...bad.text.matchAll(/<tr><td[^>]*>(\d+)<\/td><td[^>]*>([a-z_]*)<\/td>/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(problems).toEqual(['3:employee_id', '4:course_id', '5:completed_at', '6:expires_at', '6:source']);
    expect(await t.db.selectFrom('completions').selectAll().execute()).toHaveLength(0);

    const good = ['employee_id,course_id,completed_at,source', 'H1,hipaa-social-media,2025-12-01,HealthStream 2025', 'H2,hipaa-social-media,2024-11-15T09:00:00Z,Paper sign-in sheet'].join('\r\n');
    expect((await upload(good)).status).toBe(303);
    expect((await upload(good)).status).toBe(303);
    const rows = await t.db.selectFrom('completions').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.source, r.valid_until])).toEqual([['import', '2026-12-01'], ['import', '2025-11-15']]);
    const events = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'completions.imported').orderBy('id').execute();
    expect(events.map((e) => JSON.parse(e.details))).toEqual([expect.objectContaining({ added: 2, present: 0 }), expect.objectContaining({ added: 0, present: 2 })]);
    // The imported completion counts: H1 is up to date until the refresher window.
    const learner = newAgent(t.app);
    await signIn(learner, 'a@riverside.example', GOOD_PASSWORD);
    expect((await learner.get('/')).text).toContain('Due 1 Dec 2026: your certificate from 1 Dec 2025');
    expect(a.id).toBeGreaterThan(0);
  });
});
