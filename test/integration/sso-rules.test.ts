import type { SsoProfile } from '../../server/identity/sso-linking';
import { setUserStatus } from '../../server/users/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

// The configurable linking rules (SSO_LINK_PRIVILEGED, SSO_LINK_BY, SSO_JIT, SSO_ROLE_MAP) and the mapped
// attributes at each sign-in, each over its own app (real SQLite, composed services).

const ISSUER = 'https://idp.riverside.example/saml/metadata';
const SYSTEM = { id: null, label: 'test' };

function profile(p: Partial<SsoProfile> & { subject: string }): SsoProfile {
  return {
    protocol: 'saml', issuer: ISSUER, email: null, emailVerified: false, name: null, employeeId: null,
    departmentPath: null, jobTitle: null, managerRef: null, groups: [], ...p,
  };
}

const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await buildTestApp(env);
  apps.push(t);
  return t;
}
afterAll(async () => { for (const t of apps) await t.close(); });

/** The audit actions written after the mark (all when no mark). */
async function actionsAfter(t: TestApp, mark: number): Promise<{ action: string; details: Record<string, unknown> }[]> {
  const rows = await t.db.selectFrom('audit_events').select(['id', 'action', 'details']).where('id', '>', mark).orderBy('id').execute();
  return rows.map((r) => ({ action: r.action, details: JSON.parse(r.details) as Record<string, unknown> }));
}
const lastAuditId = async (t: TestApp) => (await t.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirst())?.id ?? 0;

test('SSO_LINK_PRIVILEGED=true links an admin by verified e-mail', async () => {
  const t = await app({ SSO_LINK_PRIVILEGED: 'true' });
  const admin = await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin' });
  const auditor = await createPerson(t.db, t.clock, { email: 'aud.itor@riverside.example', role: 'auditor' });
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'ada', email: admin.email, emailVerified: true }), { ip: null }))
    .toEqual({ kind: 'signed-in', userId: admin.id, linkedNow: true, createdNow: false });
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'aud', email: auditor.email, emailVerified: true }), { ip: null }))
    .toMatchObject({ kind: 'signed-in', userId: auditor.id });
  // Still never by an unverified e-mail.
  const other = await createPerson(t.db, t.clock, { email: 'bo.admin@riverside.example', role: 'admin' });
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'bo', email: other.email, emailVerified: false }), { ip: null }))
    .toMatchObject({ kind: 'refused', reason: 'email-not-verified' });
});

test('an inactive person is refused, whether already linked or found by e-mail', async () => {
  const t = await app();
  await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin' });
  const linked = await createPerson(t.db, t.clock, { email: 'kai.linked@riverside.example' });
  const unlinked = await createPerson(t.db, t.clock, { email: 'uma.unlinked@riverside.example' });
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'kai', email: linked.email, emailVerified: true }), { ip: null })).toMatchObject({ kind: 'signed-in' });
  await setUserStatus(t.uow, t.clock, SYSTEM, linked.id, 'deactivated');
  await setUserStatus(t.uow, t.clock, SYSTEM, unlinked.id, 'deactivated');
  const mark = await lastAuditId(t);
  const a = await t.services.ssoLinking.signIn(profile({ subject: 'kai', email: linked.email, emailVerified: true }), { ip: '10.1.1.1' });
  const b = await t.services.ssoLinking.signIn(profile({ subject: 'uma', email: unlinked.email, emailVerified: true }), { ip: null });
  expect(a).toMatchObject({ kind: 'refused', reason: 'inactive' });
  expect(b).toMatchObject({ kind: 'refused', reason: 'inactive' });
  expect(a.kind === 'refused' && a.message).toMatch(/deactivated/);
  const events = await actionsAfter(t, mark);
  expect(events.map((e) => `${e.action} ${String(e.details.reason)}`)).toEqual(['sso.refused inactive', 'sso.refused inactive']);
  expect(await t.db.selectFrom('sso_identities').select('subject').where('user_id', '=', unlinked.id).execute()).toEqual([]);
});

test('SSO_LINK_BY=employee_id links by the employee ID, not by e-mail', async () => {
  const t = await app({ SSO_LINK_BY: 'employee_id' });
  const p = await createPerson(t.db, t.clock, { email: 'rosa.diaz@riverside.example', employeeId: 'RG-4471' });
  const q = await createPerson(t.db, t.clock, { email: 'sam.lee@riverside.example', employeeId: 'RG-5000' });
  // The e-mail matches Sam but the employee ID is Rosa's: Rosa is linked (and keeps her own e-mail, as Sam has that one).
  const out = await t.services.ssoLinking.signIn(profile({ subject: 'rosa', employeeId: 'RG-4471', email: q.email, emailVerified: true }), { ip: null });
  expect(out).toMatchObject({ kind: 'signed-in', userId: p.id, linkedNow: true });
  expect((await t.db.selectFrom('users').select('email').where('id', '=', p.id).executeTakeFirstOrThrow()).email).toBe(p.email);
  // No employee ID sent: nobody to link to (and no JIT).
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'sam', email: q.email, emailVerified: true }), { ip: null }))
    .toMatchObject({ kind: 'refused', reason: 'unknown-person' });
});

test('SSO_LINK_BY=none never links automatically', async () => {
  const t = await app({ SSO_LINK_BY: 'none' });
  const p = await createPerson(t.db, t.clock, { email: 'tom.west@riverside.example', employeeId: 'RG-1' });
  expect(await t.services.ssoLinking.signIn(profile({ subject: 'tom', email: p.email, emailVerified: true, employeeId: 'RG-1' }), { ip: null }))
    .toMatchObject({ kind: 'refused', reason: 'unknown-person' });
  expect(await t.db.selectFrom('sso_identities').selectAll().execute()).toEqual([]);
});

describe('JIT and mapped attributes (SSO_JIT=true, SSO_ROLE_MAP)', () => {
  let t: TestApp;
  let nursingCourse: string;
  beforeAll(async () => {
    t = await app({ SSO_JIT: 'true', SSO_ROLE_MAP: 'Charge Nurses=manager,Training Admins=admin' });
    const admin = await createPerson(t.db, t.clock, { email: 'ada.admin@riverside.example', role: 'admin' });
    await createPerson(t.db, t.clock, { email: 'marta.okafor@riverside.example', name: 'Marta Okafor', employeeId: 'RG-900', department: 'Nursing' });
    await createPerson(t.db, t.clock, { email: 'hal.ames@riverside.example', name: 'Hal Ames', employeeId: 'RG-901', department: 'Pharmacy' });
    const nursing = (await t.services.people.departments()).find((d) => d.path_key === 'nursing')!;
    nursingCourse = t.catalogue.courses[0]!.id;
    await t.services.assignments.create({ id: admin.id, label: admin.email }, {
      name: 'Nursing privacy', target: { type: 'course', id: nursingCourse }, audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] },
      startsOn: '2026-10-01', rolloutDays: 30, endsOn: null,
    });
  });
  const obligations = async (id: number) => (await t.training.personObligations(id)).map((o) => `${o.target.type}:${o.target.id}`);
  const person = (id: number) => t.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  let jitId = 0;
  test('an unknown person is created with the mapped attributes and gets the obligations of their department', async () => {
    const mark = await lastAuditId(t);
    const out = await t.services.ssoLinking.signIn(profile({
      subject: 'priya', email: 'priya.raman@riverside.example', emailVerified: true, name: 'Priya Raman', employeeId: 'RG-2001',
      departmentPath: 'Nursing/ICU', jobTitle: 'Staff Nurse', managerRef: 'marta.okafor@riverside.example', groups: ['Charge Nurses', 'All Staff'],
    }), { ip: '10.0.0.9' });
    expect(out).toMatchObject({ kind: 'signed-in', linkedNow: true, createdNow: true });
    jitId = out.kind === 'signed-in' ? out.userId : 0;
    const row = await person(jitId);
    const dept = await t.db.selectFrom('departments').select('path_key').where('id', '=', row.department_id!).executeTakeFirstOrThrow();
    const manager = await t.db.selectFrom('users').select('email').where('id', '=', row.manager_id!).executeTakeFirstOrThrow();
    expect({ name: row.name, email: row.email, employee_id: row.employee_id, role: row.role, job_title: row.job_title, dept: dept.path_key, manager: manager.email, password: row.password_hash })
      .toEqual({ name: 'Priya Raman', email: 'priya.raman@riverside.example', employee_id: 'RG-2001', role: 'manager', job_title: 'Staff Nurse', dept: 'nursing/icu', manager: 'marta.okafor@riverside.example', password: null });
    expect(await obligations(jitId)).toEqual([`course:${nursingCourse}`]);
    const actions = (await actionsAfter(t, mark)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'sso.created', 'sso.signed_in']));
    expect(actions.indexOf('sso.created')).toBeLessThan(actions.indexOf('sso.signed_in'));
  });

  test('at the next sign-in the mapped changes are applied through the people service, audited, and obligations follow the move', async () => {
    t.clock.advance(24 * 3_600_000);
    const mark = await lastAuditId(t);
    const out = await t.services.ssoLinking.signIn(profile({
      subject: 'priya', email: 'priya.raman@riverside.example', emailVerified: true, name: 'Priya Raman-Shah', employeeId: 'RG-2001',
      departmentPath: 'Pharmacy', jobTitle: 'Pharmacist', managerRef: 'RG-901', groups: ['All Staff'],
    }), { ip: null });
    expect(out).toEqual({ kind: 'signed-in', userId: jitId, linkedNow: false, createdNow: false });
    const row = await person(jitId);
    const manager = await t.db.selectFrom('users').select('email').where('id', '=', row.manager_id!).executeTakeFirstOrThrow();
    // Out of the manager group, so back to learner; the map manages that role.
    expect({ name: row.name, role: row.role, job_title: row.job_title, manager: manager.email }).toEqual({ name: 'Priya Raman-Shah', role: 'learner', job_title: 'Pharmacist', manager: 'hal.ames@riverside.example' });
    expect(await obligations(jitId)).toEqual([]);
    const events = await actionsAfter(t, mark);
    expect(events.map((e) => e.action)).toEqual(['user.updated', 'user.role_changed', 'sso.attributes_changed', 'sso.signed_in']);
    expect(events[2]!.details).toEqual({ changed: ['name', 'role', 'department_id', 'manager_id', 'job_title'] });
    // The move is in the person's history, as an admin-screen edit would record it.
    const history = await t.db.selectFrom('person_history').selectAll().where('user_id', '=', jitId).execute();
    expect(history.length).toBeGreaterThanOrEqual(2);
  });

  test('an attribute the rules refuse is skipped and reported; the sign-in still works', async () => {
    const mark = await lastAuditId(t);
    const out = await t.services.ssoLinking.signIn(profile({
      subject: 'priya', email: 'priya.raman@riverside.example', emailVerified: true, employeeId: 'RG-900', departmentPath: 'Pharmacy', groups: [],
    }), { ip: null });
    expect(out).toMatchObject({ kind: 'signed-in', userId: jitId });
    expect((await person(jitId)).employee_id).toBe('RG-2001');
    const changed = (await actionsAfter(t, mark)).find((e) => e.action === 'sso.attributes_changed');
    expect(changed?.details).toEqual({ changed: [], skipped: { employee_id: 'Employee ID RG-900 already belongs to another person.' } });
  });

  test('the admin role comes only from an explicit SSO_ROLE_MAP entry', async () => {
    const out = await t.services.ssoLinking.signIn(profile({ subject: 'nico', email: 'nico.vale@riverside.example', emailVerified: true, name: 'Nico Vale', groups: ['Admins', 'admin', 'Administrators'] }), { ip: null });
    expect(out.kind).toBe('signed-in');
    const nico = out.kind === 'signed-in' ? out.userId : 0;
    expect((await person(nico)).role).toBe('learner');
    await t.services.ssoLinking.signIn(profile({ subject: 'nico', groups: ['training admins'] }), { ip: null });
    expect((await person(nico)).role).toBe('admin');
  });

  test('without SSO_ROLE_MAP sign-in never changes a role', async () => {
    const plain = await app({ SSO_JIT: 'true' });
    const out = await plain.services.ssoLinking.signIn(profile({ subject: 'x', email: 'xia.chen@riverside.example', emailVerified: true, groups: ['Training Admins', 'admin'] }), { ip: null });
    expect(out).toMatchObject({ kind: 'signed-in', createdNow: true });
    const row = await plain.db.selectFrom('users').select(['role', 'name']).where('email_normalized', '=', 'xia.chen@riverside.example').executeTakeFirstOrThrow();
    // No name sent: the part of the e-mail before the @ stands in.
    expect(row).toEqual({ role: 'learner', name: 'xia.chen' });
  });

  test('JIT refuses a profile with no e-mail, and an existing person\'s unverified e-mail is not a way in', async () => {
    const mark = await lastAuditId(t);
    expect(await t.services.ssoLinking.signIn(profile({ subject: 'ghost', name: 'No Mail' }), { ip: null })).toMatchObject({ kind: 'refused', reason: 'invalid-profile' });
    expect(await t.services.ssoLinking.signIn(profile({ subject: 'fake-marta', email: 'marta.okafor@riverside.example', emailVerified: false, name: 'M' }), { ip: null }))
      .toMatchObject({ kind: 'refused', reason: 'email-not-verified' });
    expect((await actionsAfter(t, mark)).map((e) => e.action)).toEqual(['sso.refused', 'sso.refused']);
    expect(await t.db.selectFrom('sso_identities').select('subject').where('subject', 'in', ['ghost', 'fake-marta']).execute()).toEqual([]);
  });
});
