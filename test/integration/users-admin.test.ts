import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, submitForm, type Agent } from '../helpers/http';

let t: TestApp;
let admin: Agent;
let adminId: number;
beforeEach(async () => {
  t = await buildTestApp();
  adminId = (await createPerson(t.db, t.clock, { email: 'root@riverside.example', role: 'admin', name: 'Priya Raman' })).id;
  admin = newAgent(t.app);
  await signIn(admin, 'root@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const blank = { employee_id: '', email: '', name: '', role: 'learner', department: '', manager_email: '', hire_date: '' };
const actions = async () => (await t.db.selectFrom('audit_events').select('action').orderBy('id').execute()).map((e) => e.action);

describe('admin: people', () => {
  test('adding a person creates them with their department path and shows a one-time set-password link', async () => {
    const res = await submitForm(admin, '/admin/users/new', '/admin/users', {
      ...blank, employee_id: 'N-204', email: 'Zoe.OBrien@Riverside.example', name: "Zoë O'Brien-Łukasiewicz",
      department: 'Nursing / Cardiac ICU', hire_date: '2026-11-16',
    });
    // The answer itself shows the link (nothing keeps it for a redirect), with the way on to the person.
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('Zoë O&#39;Brien-Łukasiewicz was added.');
    const link = /http:\/\/127\.0\.0\.1:3000\/password\/([A-Za-z0-9_-]{43})/.exec(res.text);
    expect(link).not.toBeNull();
    const user = await t.db.selectFrom('users').selectAll().where('employee_id', '=', 'N-204').executeTakeFirstOrThrow();
    expect(res.text).toContain(`href="/admin/users/${user.id}"`);
    // Shown once only: the person page does not have it.
    expect((await admin.get(`/admin/users/${user.id}`)).text).not.toContain(link![1]);
    expect(user.email_normalized).toBe('zoe.obrien@riverside.example');
    const depts = await t.db.selectFrom('departments').select(['name', 'path_key']).orderBy('id').execute();
    expect(depts).toEqual([{ name: 'Nursing', path_key: 'nursing' }, { name: 'Cardiac ICU', path_key: 'nursing/cardiac icu' }]);
    expect(await actions()).toEqual(expect.arrayContaining(['department.created', 'user.created', 'user.password_link_issued']));

    // The link sets a password once; a weak one is refused first.
    const person = newAgent(t.app);
    const form = await person.get(`/password/${link![1]}`);
    expect(form.status).toBe(200);
    const weak = await person.post(`/password/${link![1]}`).type('form').send({ _csrf: csrfFrom(form.text), password: 'zoe.obrien-is-great', confirm: 'zoe.obrien-is-great' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('Do not use your email address');
    const mismatch = await person.post(`/password/${link![1]}`).type('form').send({ _csrf: csrfFrom(form.text), password: GOOD_PASSWORD, confirm: `${GOOD_PASSWORD}x` });
    expect(mismatch.status).toBe(400);
    const ok = await person.post(`/password/${link![1]}`).type('form').send({ _csrf: csrfFrom(form.text), password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(ok.status).toBe(303);
    expect((await signIn(newAgent(t.app), 'zoe.obrien@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    expect((await newAgent(t.app).get(`/password/${link![1]}`)).status).toBe(410);
  });

  test('a set-password link expires after 72 hours', async () => {
    const res = await submitForm(admin, '/admin/users/new', '/admin/users', { ...blank, email: 'late@riverside.example', name: 'Late Starter' });
    const token = /\/password\/([A-Za-z0-9_-]{43})/.exec(res.text)![1];
    t.clock.advance(72 * 3_600_000 - 60_000);
    expect((await newAgent(t.app).get(`/password/${token}`)).status).toBe(200);
    t.clock.advance(120_000);
    expect((await newAgent(t.app).get(`/password/${token}`)).status).toBe(410);
  });

  test('invalid fields re-render the form with 400, the typed values and a message per field, and create nothing', async () => {
    const before = await t.db.selectFrom('users').selectAll().execute();
    const res = await submitForm(admin, '/admin/users/new', '/admin/users', {
      ...blank, email: 'not-an-email', name: '', role: 'superuser', hire_date: '2026-02-30', department: 'Nursing//ICU', employee_id: 'has space',
    });
    expect(res.status).toBe(400);
    for (const msg of ['valid email', 'full name', 'Role must be one of', 'real date', 'no empty parts', 'letters, digits']) expect(res.text).toContain(msg);
    expect(res.text).toContain('value="not-an-email"');
    expect(await t.db.selectFrom('users').selectAll().execute()).toHaveLength(before.length);
  });

  test('an email or employee ID already in use is refused', async () => {
    await createPerson(t.db, t.clock, { email: 'taken@riverside.example', employeeId: 'E-1' });
    const res = await submitForm(admin, '/admin/users/new', '/admin/users', { ...blank, email: 'TAKEN@riverside.example', name: 'Dup', employee_id: 'E-1' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('already belongs to another person');
    expect(res.text).toContain('Employee ID E-1 already belongs');
  });

  test('editing a person records what changed; a role change is its own audit event', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'sam@riverside.example', name: 'Sam Lee' });
    const res = await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}`, {
      ...blank, employee_id: p.employee_id!, email: 'sam@riverside.example', name: 'Samuel Lee', role: 'manager', department: 'Pharmacy',
    });
    expect(res.status).toBe(303);
    const events = await t.db.selectFrom('audit_events').selectAll().where('subject_id', '=', String(p.id)).orderBy('id').execute();
    const updated = events.find((e) => e.action === 'user.updated')!;
    expect(JSON.parse(updated.details)).toMatchObject({ name: { from: 'Sam Lee', to: 'Samuel Lee' }, role: { from: 'learner', to: 'manager' } });
    expect(JSON.parse(events.find((e) => e.action === 'user.role_changed')!.details)).toEqual({ from: 'learner', to: 'manager' });
    // Saving the same values again changes nothing and writes no event.
    const n = events.length;
    await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}`, {
      ...blank, employee_id: p.employee_id!, email: 'sam@riverside.example', name: 'Samuel Lee', role: 'manager', department: 'Pharmacy',
    });
    expect(await t.db.selectFrom('audit_events').selectAll().where('subject_id', '=', String(p.id)).execute()).toHaveLength(n);
  });

  test('deactivating keeps the record, ends their sessions, and they can be reactivated', async () => {
    const p = await createPerson(t.db, t.clock, { email: 'tess@riverside.example' });
    const tess = newAgent(t.app);
    await signIn(tess, 'tess@riverside.example', GOOD_PASSWORD);
    expect((await tess.get('/')).status).toBe(200);
    const res = await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}/deactivate`, {});
    expect(res.status).toBe(303);
    expect((await tess.get('/')).status).toBe(303);
    const row = await t.db.selectFrom('users').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('deactivated');
    await submitForm(admin, `/admin/users/${p.id}`, `/admin/users/${p.id}/reactivate`, {});
    expect((await t.db.selectFrom('users').select('status').where('id', '=', p.id).executeTakeFirstOrThrow()).status).toBe('active');
    expect(await actions()).toEqual(expect.arrayContaining(['user.deactivated', 'user.reactivated']));
  });

  test('the only admin cannot deactivate or demote themselves', async () => {
    const self = await submitForm(admin, `/admin/users/${adminId}`, `/admin/users/${adminId}/deactivate`, {});
    expect(self.status).toBe(303);
    expect((await admin.get(`/admin/users/${adminId}`)).text).toContain('cannot deactivate your own account');
    const demote = await submitForm(admin, `/admin/users/${adminId}`, `/admin/users/${adminId}`, {
      ...blank, email: 'root@riverside.example', name: 'Priya Raman', role: 'learner', employee_id: '',
    });
    expect(demote.status).toBe(400);
    expect(demote.text).toContain('only active admin');
    expect((await t.db.selectFrom('users').select(['role', 'status']).where('id', '=', adminId).executeTakeFirstOrThrow())).toEqual({ role: 'admin', status: 'active' });
  });

  test('search, role filter, department filter (with sub-departments) and paging', async () => {
    await createPerson(t.db, t.clock, { name: 'Nguyễn Thị Ánh', email: 'anh@riverside.example', department: 'Nursing/ICU' });
    await createPerson(t.db, t.clock, { name: 'José Ñúñez', email: 'jose@riverside.example', department: 'Pharmacy', role: 'manager' });
    for (let i = 0; i < 55; i += 1) await createPerson(t.db, t.clock, { name: `Bulk ${String(i).padStart(2, '0')}`, email: `bulk${i}@riverside.example`, department: 'Nursing', password: null });
    const nursing = await t.db.selectFrom('departments').select('id').where('path_key', '=', 'nursing').executeTakeFirstOrThrow();
    const byDept = await admin.get(`/admin/users?department=${nursing.id}`);
    expect(byDept.text).toContain('56 people');
    expect(byDept.text).toContain('Page 1 of 2');
    const page2 = await admin.get(`/admin/users?department=${nursing.id}&page=2`);
    expect(page2.text).toContain('Nguyễn Thị Ánh');
    const search = await admin.get(`/admin/users?q=${encodeURIComponent('josé')}`);
    expect(search.text).toContain('José Ñúñez');
    expect(search.text).toContain('1 person');
    const managers = await admin.get('/admin/users?role=manager');
    expect(managers.text).toContain('1 person');
    const like = await admin.get('/admin/users?q=%25');
    expect(like.text).toContain('0 people');
  });

  test('departments: create a nested path; duplicates are not created twice', async () => {
    const res = await submitForm(admin, '/admin/departments', '/admin/departments', { path: 'Surgery/Orthopedics' });
    expect(res.status).toBe(303);
    await submitForm(admin, '/admin/departments', '/admin/departments', { path: 'surgery / orthopedics' });
    expect(await t.db.selectFrom('departments').selectAll().execute()).toHaveLength(2);
    const bad = await submitForm(admin, '/admin/departments', '/admin/departments', { path: '/' });
    expect(bad.status).toBe(400);
    const page = await admin.get('/admin/departments');
    expect(page.text).toContain('Orthopedics');
  });
});
