import type { User } from '../../server/db/schema';
import { createDepartment } from '../../server/users/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { assertScim, auditOf, CORE_USER, ENTERPRISE, filterUrl, scimClient, scimToken, type Json } from '../helpers/scim';

// Microsoft Entra ID's documented provisioning sequence, replayed over real HTTP: create, get, get by
// filter (and the zero-result filter), PATCH of multi-valued and single-valued attributes in Entra's
// own forms ("Replace"/"Add" capitalised, emails[type eq "work"].value, name.familyName, the manager by
// its URN, booleans as strings), disable with active false, re-enable, delete. After each step: the
// answer against the SCIM schemas, the audit log (actor scim:entra) and the person's obligations.

let t: TestApp;
let scim: ReturnType<typeof scimClient>;
let manager: User;
let courseId: string;
let auditMark = 0;

/** Audit events appended since the last call, as "action by actor". */
async function newEvents(): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_events').select(['id', 'action', 'actor_label']).where('id', '>', auditMark).orderBy('id').execute();
  auditMark = rows.at(-1)?.id ?? auditMark;
  return rows.map((r) => `${r.action} by ${r.actor_label}`);
}

const obligations = async (id: number) => (await t.training.personObligations(id)).map((o) => `${o.target.type}:${o.target.id}`);
const indexed = async (id: number) => (await t.db.selectFrom('status_index').select('course_id').where('user_id', '=', id).execute()).map((r) => r.course_id);
const row = async (id: number) => t.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

beforeAll(async () => {
  t = await buildTestApp();
  const admin = await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  manager = await createPerson(t.db, t.clock, { email: 'marta.okafor@riverside.example', name: 'Marta Okafor', department: 'Nursing' });
  const actor = { id: admin.id, label: admin.email };
  await createDepartment(t.uow, t.clock, actor, ['Pharmacy']);
  const nursing = (await t.services.people.departments()).find((d) => d.path_key === 'nursing')!;
  courseId = t.catalogue.courses[0]!.id;
  // Only Nursing (with its sub-departments) is assigned the course: a move out of Nursing ends the obligation.
  await t.services.assignments.create(actor, {
    name: 'Nursing privacy', target: { type: 'course', id: courseId }, audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] },
    startsOn: '2026-10-01', rolloutDays: 30, endsOn: null,
  });
  scim = scimClient(t.app, (await scimToken(t, 'entra')).token);
  await newEvents();
});
afterAll(async () => { await t.close(); });

describe('Entra ID provisioning sequence', () => {
  let id = '';
  let userId = 0;
  const userName = 'Test_User_7d1c5b2e-43a0-4c19-9a3e-1f6b8e2d4c70';

  test('POST /Users creates the person with the enterprise extension: department path created, manager linked, obligations from the rules', async () => {
    const res = await scim.post('/Users', {
      schemas: [CORE_USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'priya.raman@riverside.example' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Priya Raman', familyName: 'Raman', givenName: 'Priya' },
      title: 'Staff nurse',
      phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
      addresses: [{ type: 'work', formatted: '1 River Road' }],
      roles: [],
      [ENTERPRISE]: { employeeNumber: 'E7001', department: 'Nursing/ICU', manager: { value: String(manager.id) } },
    });
    expect(res.status).toBe(201);
    expect(res.type).toMatch(/^application\/scim\+json/);
    assertScim('user', res.body);
    id = String(res.body.id);
    userId = Number(id);
    expect(res.body).toMatchObject({
      userName, externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', active: true, title: 'Staff nurse',
      name: { formatted: 'Priya Raman', givenName: 'Priya', familyName: 'Raman' },
      emails: [{ value: 'priya.raman@riverside.example', type: 'work', primary: true }],
      [ENTERPRISE]: { employeeNumber: 'E7001', department: 'Nursing/ICU', manager: { value: String(manager.id), displayName: 'Marta Okafor' } },
    });
    const u = await row(userId);
    expect(u).toMatchObject({ email: 'priya.raman@riverside.example', name: 'Priya Raman', employee_id: 'E7001', manager_id: manager.id, job_title: 'Staff nurse', role: 'learner', status: 'active', password_hash: null });
    expect(await newEvents()).toEqual(['department.created by scim:entra', 'user.created by scim:entra', 'scim.linked by scim:entra']);
    expect(await obligations(userId)).toEqual([`course:${courseId}`]);
    expect(await indexed(userId)).toEqual([courseId]);
  });

  test('GET /Users/:id and the filters Entra matches on find the person; reads write no audit event', async () => {
    const one = await scim.get(`/Users/${id}`);
    expect(one.status).toBe(200);
    assertScim('user', one.body);
    expect(one.body.id).toBe(id);
    for (const filter of [`userName eq "${userName}"`, `userName eq "${userName.toUpperCase()}"`, 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
      'emails[type eq "work"].value eq "priya.raman@riverside.example"']) {
      const list = await scim.get(filterUrl(filter));
      expect(list.status).toBe(200);
      assertScim('list', list.body, 'user');
      expect(list.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect((list.body.Resources as Json[])[0]!.id).toBe(id);
    }
    const none = await scim.get(filterUrl('userName eq "non-existent user"'));
    expect(none.status).toBe(200);
    assertScim('list', none.body);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect(await newEvents()).toEqual([]);
  });

  test('PATCH of multi-valued properties: Replace emails[type eq "work"].value and name.familyName', async () => {
    const res = await scim.patch(`/Users/${id}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'priya.raman-iyer@riverside.example' },
      { op: 'Replace', path: 'name.familyName', value: 'Raman-Iyer' },
    ]);
    expect(res.status).toBe(200);
    assertScim('user', res.body);
    expect(res.body).toMatchObject({ name: { formatted: 'Priya Raman-Iyer', givenName: 'Priya', familyName: 'Raman-Iyer' }, emails: [{ value: 'priya.raman-iyer@riverside.example' }] });
    expect(await row(userId)).toMatchObject({ email: 'priya.raman-iyer@riverside.example', name: 'Priya Raman-Iyer' });
    expect(await newEvents()).toEqual(['user.updated by scim:entra', 'scim.identity_changed by scim:entra']);
    const updated = (await auditOf(t, userId)).filter((e) => e.action === 'user.updated').at(-1)!;
    expect(updated.details).toEqual({
      email: { from: 'priya.raman@riverside.example', to: 'priya.raman-iyer@riverside.example' }, name: { from: 'Priya Raman', to: 'Priya Raman-Iyer' },
    });
    expect(await obligations(userId)).toEqual([`course:${courseId}`]);
  });

  test('PATCH of single-valued properties: Replace userName; Add of a work e-mail is read as the new address', async () => {
    const res = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'userName', value: 'priya.raman-iyer@riverside.example' }]);
    expect(res.status).toBe(200);
    assertScim('user', res.body);
    expect(res.body.userName).toBe('priya.raman-iyer@riverside.example');
    expect(await newEvents()).toEqual(['scim.identity_changed by scim:entra']);
    const found = await scim.get(filterUrl('userName eq "priya.raman-iyer@riverside.example"'));
    expect(found.body.totalResults).toBe(1);
    expect((await scim.get(filterUrl(`userName eq "${userName}"`))).body.totalResults).toBe(0);
    // Entra sends "Add" for a changed e-mail (a known quirk); the work address is replaced, not doubled.
    const add = await scim.patch(`/Users/${id}`, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'p.raman@riverside.example' }]);
    expect(add.status).toBe(200);
    expect(add.body.emails).toEqual([{ value: 'p.raman@riverside.example', type: 'work', primary: true }]);
    expect(await newEvents()).toEqual(['user.updated by scim:entra']);
  });

  test('a transfer by the department attribute moves the person: the Nursing obligation ends, the move is in their history', async () => {
    const res = await scim.patch(`/Users/${id}`, [
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Pharmacy' },
      { op: 'Remove', path: `${ENTERPRISE}:manager` },
    ]);
    expect(res.status).toBe(200);
    assertScim('user', res.body);
    expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: 'E7001', department: 'Pharmacy' });
    expect(await newEvents()).toEqual(['user.updated by scim:entra']);
    expect(await obligations(userId)).toEqual([]);
    expect(await indexed(userId)).toEqual([]);
    const history = await t.db.selectFrom('person_history').select(['effective_on', 'department_id']).where('user_id', '=', userId).orderBy('id').execute();
    expect(history.at(-1)!.effective_on).toBe('2026-11-02');
    // Back to Nursing with the manager as Entra sends it (a bare id string): the obligation returns.
    const back = await scim.patch(`/Users/${id}`, [
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Nursing/ICU' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: String(manager.id) },
    ]);
    expect(back.status).toBe(200);
    expect(back.body[ENTERPRISE]).toMatchObject({ department: 'Nursing/ICU', manager: { value: String(manager.id) } });
    expect(await obligations(userId)).toEqual([`course:${courseId}`]);
    expect(await indexed(userId)).toEqual([courseId]);
    await newEvents();
  });

  test('disable with Replace active "False" deactivates; the obligations and status rows are kept; "True" re-enables', async () => {
    const off = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(off.status).toBe(200);
    assertScim('user', off.body);
    expect(off.body.active).toBe(false);
    expect(await row(userId)).toMatchObject({ status: 'deactivated' });
    expect(await newEvents()).toEqual(['user.deactivated by scim:entra']);
    expect(await indexed(userId)).toEqual([courseId]);
    const filtered = await scim.get(filterUrl('userName eq "priya.raman-iyer@riverside.example"'));
    expect((filtered.body.Resources as Json[])[0]!.active).toBe(false);

    const on = await scim.patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    expect(await row(userId)).toMatchObject({ status: 'active', deactivated_at: null });
    expect(await newEvents()).toEqual(['user.reactivated by scim:entra']);
    expect(await obligations(userId)).toEqual([`course:${courseId}`]);
  });

  test('DELETE deactivates and keeps the person and their records; a second DELETE changes nothing', async () => {
    const res = await scim.delete(`/Users/${id}`);
    expect(res.status).toBe(204);
    expect(await row(userId)).toMatchObject({ status: 'deactivated', email: 'p.raman@riverside.example' });
    expect(await newEvents()).toEqual(['user.deactivated by scim:entra']);
    expect(await indexed(userId)).toEqual([courseId]);
    const again = await scim.delete(`/Users/${id}`);
    expect(again.status).toBe(204);
    expect(await newEvents()).toEqual([]);
    const read = await scim.get(`/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.active).toBe(false);
  });

  test('the token records its last use; the audit log names the token on every change', async () => {
    const token = (await t.services.scimTokens.list())[0]!;
    expect(token.last_used_at).toBe(t.clock.now().toISOString());
    const actors = new Set((await auditOf(t, userId)).map((e) => e.actor));
    expect(actors).toEqual(new Set(['scim:entra']));
  });
});
