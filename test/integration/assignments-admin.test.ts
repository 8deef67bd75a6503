import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// The admin screens of issue 16 over real HTTP: a rule previewed then saved, an exemption granted and ended.
let t: TestApp;
let admin: Agent;
let nurse: User;

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  nurse = await createPerson(t.db, t.clock, { email: 'nurse@riverside.example', name: 'Nia Nurse', department: 'Nursing', hireDate: '2015-03-01', password: null });
  await createPerson(t.db, t.clock, { email: 'pharm@riverside.example', name: 'Phil Pharm', department: 'Pharmacy', hireDate: '2026-10-30', password: null });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => { await t.close(); });

const form = (page: string, fields: Record<string, string>) => ({ _csrf: csrfFrom(page), ...fields });

test('the assignments page says the default, previews a rule without saving it, then saves it', async () => {
  const page = await admin.get('/admin/assignments');
  expect(page.status).toBe(200);
  expect(page.text).toContain('No assignment rules yet, so every course and every published policy falls to everyone');
  const nursing = (await t.services.people.departments()).find((d) => d.name === 'Nursing')!;
  const fields = { name: 'Nursing privacy', target: `course:${t.catalogue.courses[0]!.id}`, department: String(nursing.id), role: '', job_codes: '', starts_on: '2026-11-02', rollout_days: '10', ends_on: '' };
  const preview = await admin.post('/admin/assignments').type('form').send(form(page.text, { ...fields, action: 'preview' }));
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('This rule matches 1 person; 1 would be due within 14 days.');
  expect(await t.db.selectFrom('assignments').select('id').execute()).toEqual([]);

  const bad = await admin.post('/admin/assignments').type('form').send(form(page.text, { ...fields, action: 'save', rollout_days: '0', ends_on: '2026-01-01' }));
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Roll-out days are a whole number from 1 to 730.');
  expect(await t.db.selectFrom('assignments').select('id').execute()).toEqual([]);

  const saved = await admin.post('/admin/assignments').type('form').send(form(page.text, { ...fields, action: 'save' }));
  expect(saved.status).toBe(303);
  const list = await admin.get('/admin/assignments');
  expect(list.text).toContain('Nursing privacy');
  expect(list.text).toContain('Nursing</td>');
  // Only Nursing is assigned now; Pharmacy left the report with the default.
  const rows = await t.db.selectFrom('status_index').select('user_id').execute();
  expect(rows.map((r) => r.user_id)).toEqual([nurse.id]);
});

test('an exemption is granted on the person page with its reason, shown with their sentence, and ended', async () => {
  const page = await admin.get(`/admin/users/${nurse.id}/assignments`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Due 12 Nov 2026: 10 days after this training was rolled out to Nursing on 2 Nov 2026.');
  const [rule] = await t.services.assignments.list();
  const missing = await admin.post('/admin/exemptions').type('form').send(form(page.text, { person: String(nurse.id), assignment: String(rule!.id), reason: ' ', until: '' }));
  expect(missing.status).toBe(400);
  expect(missing.text).toContain('Give the reason');
  const exe = await admin.post('/admin/exemptions').field('_csrf', csrfFrom(page.text)).field('person', String(nurse.id)).field('assignment', String(rule!.id))
    .field('reason', 'Agency nurse, trained by the agency.').field('until', '').attach('file', Buffer.from('MZ'), { filename: 'tool.exe', contentType: 'application/octet-stream' });
  expect(exe.status).toBe(400);
  expect(exe.text).toContain('The evidence file must be a PDF, PNG, JPEG, text or CSV file.');
  expect(await t.db.selectFrom('exemptions').select('id').execute()).toEqual([]);
  const pdf = Buffer.from('%PDF-1.4 agency certificate');
  const granted = await admin.post('/admin/exemptions').field('_csrf', csrfFrom(page.text)).field('person', String(nurse.id)).field('assignment', String(rule!.id))
    .field('reason', 'Agency nurse, trained by the agency.').field('until', '').attach('file', pdf, { filename: 'agency-certificate.pdf', contentType: 'application/pdf' });
  expect(granted.status).toBe(303);
  const after = await admin.get(`/admin/users/${nurse.id}/assignments`);
  expect(after.text).toContain('Exempt: Agency nurse, trained by the agency. They are exempt until an administrator ends it.');
  const e = await t.db.selectFrom('exemptions').select(['id', 'approver_name']).executeTakeFirstOrThrow();
  expect(e.approver_name).toBe('Ada Admin');
  expect(after.text).toContain(`href="/admin/exemptions/${e.id}/evidence"`);
  const file = await admin.get(`/admin/exemptions/${e.id}/evidence`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(file.status).toBe(200);
  expect(file.headers['content-disposition']).toContain('attachment');
  expect(file.headers['content-type']).toBe('application/pdf');
  expect((file.body as Buffer).equals(pdf)).toBe(true);
  const ended = await admin.post(`/admin/exemptions/${e.id}/end`).type('form').send(form(after.text, {}));
  expect(ended.status).toBe(303);
  const again = await admin.post(`/admin/exemptions/${e.id}/end`).type('form').send(form(after.text, {}));
  expect(again.status).toBe(409);
  const actions = (await t.db.selectFrom('audit_events').select('action').where('action', 'like', 'exemption.%').orderBy('id').execute()).map((r) => r.action);
  expect(actions).toEqual(['exemption.granted', 'exemption.ended']);
});

test('start-up computes people never looked at, and leaves alone those with no obligation', async () => {
  // Phil (Pharmacy) has no obligation under the Nursing rule: he has a recheck marker, not rows.
  expect(await t.training.statusIndex.refreshStale(t.db)).toBe(0);
  const phil = await t.db.selectFrom('users').select('id').where('email', '=', 'pharm@riverside.example').executeTakeFirstOrThrow();
  await t.db.deleteFrom('status_recheck').where('user_id', '=', phil.id).execute();
  await t.db.deleteFrom('status_index').where('user_id', '=', nurse.id).execute();
  await t.db.deleteFrom('status_recheck').where('user_id', '=', nurse.id).execute();
  expect(await t.training.statusIndex.refreshStale(t.db)).toBe(2);
  expect((await t.db.selectFrom('status_index').select('user_id').execute()).map((r) => r.user_id)).toEqual([nurse.id]);
});

test('a move recorded on the person page with an earlier day takes them out of the rule from that day, keeping their history', async () => {
  const page = await admin.get(`/admin/users/${nurse.id}/assignments`);
  const pharmacy = (await t.services.people.departments()).find((d) => d.name === 'Pharmacy')!;
  const future = await admin.post(`/admin/users/${nurse.id}/move`).type('form').send(form(page.text, { department: String(pharmacy.id), role: 'learner', job_code: 'PH1', job_title: '', effective_on: '2026-12-01' }));
  expect(future.status).toBe(400);
  expect(future.text).toContain('A move is recorded on or after the day it happens: choose today or an earlier day.');
  const moved = await admin.post(`/admin/users/${nurse.id}/move`).type('form').send(form(page.text, { department: String(pharmacy.id), role: 'learner', job_code: 'PH1', job_title: 'Pharmacist', effective_on: '2026-11-01' }));
  expect(moved.status).toBe(303);
  const after = await admin.get(`/admin/users/${nurse.id}/assignments`);
  expect(after.text).toContain('No assignment applies to them today.');
  const history = await t.db.selectFrom('person_history').select(['effective_on', 'job_code']).where('user_id', '=', nurse.id).orderBy('effective_on').execute();
  expect(history).toEqual([{ effective_on: '0000-01-01', job_code: null }, { effective_on: '2026-11-01', job_code: 'PH1' }]);
});
