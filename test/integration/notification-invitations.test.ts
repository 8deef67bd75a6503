import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { LINK_TOKEN_PLACEHOLDER } from '../../server/notifications/outbox';
import { csrfFrom, newAgent, signIn, submitForm, type Agent } from '../helpers/http';

// A person created on the admin screen or by import is invited by e-mail: the outbox gets one
// invitation (key invitation:<id>), queued in the same unit of work. It holds a placeholder where the
// link's token goes, never the token the admin is shown (the sender makes the e-mailed link when it sends).
let t: TestApp;
let admin: Agent;
beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'hr-admin@riverside.example', role: 'admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'hr-admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => { await t.close(); });

const invitation = (userId: number) => t.db.selectFrom('outbox').selectAll().where('key', '=', `invitation:${userId}`).executeTakeFirst();

test('adding a person queues their invitation with a placeholder for the link; the link shown to the admin works', async () => {
  const res = await submitForm(admin, '/admin/users/new', '/admin/users', {
    name: 'Nia Brooks', email: 'nia@riverside.example', role: 'learner', employee_id: '', department: '', manager_email: '', hire_date: '', job_code: '', job_title: '',
  });
  expect(res.status).toBe(201);
  const shown = /http:\/\/127\.0\.0\.1:3000(\/password\/[A-Za-z0-9_-]{43})/.exec(res.text)![1]!;
  const user = await t.db.selectFrom('users').select('id').where('email', '=', 'nia@riverside.example').executeTakeFirstOrThrow();
  const row = (await invitation(user.id))!;
  expect(row).toMatchObject({ stage: 'invitation', to_address: 'nia@riverside.example', state: 'queued', subject: 'Your Riverside General training account' });
  expect(row.text_body).toContain(`http://127.0.0.1:3000/password/${LINK_TOKEN_PLACEHOLDER}`);
  expect(row.html_body).toContain(`<a href="http://127.0.0.1:3000/password/${LINK_TOKEN_PLACEHOLDER}">`);
  expect(row.text_body + row.html_body).not.toContain(shown);
  const page = await newAgent(t.app).get(shown);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Set password');
  expect(page.text).toContain('nia@riverside.example');
});

test('an import queues one invitation per new person, none for people updated', async () => {
  const csv = 'employee_id,email,name,role,department,manager_email,hire_date\nE1,nia@riverside.example,Nia Brooks,learner,,,\nE2,omar@riverside.example,Omar Diaz,learner,,,\n';
  const page = await admin.get('/admin/import');
  const done = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(csv), 'staff.csv');
  expect(done.status).toBe(200);
  const rows = await t.db.selectFrom('outbox').select(['key', 'to_address']).where('stage', '=', 'invitation').orderBy('id').execute();
  expect(rows.map((r) => r.to_address)).toEqual(['nia@riverside.example', 'omar@riverside.example']);
  const omar = await t.db.selectFrom('users').select('id').where('email', '=', 'omar@riverside.example').executeTakeFirstOrThrow();
  const omarRow = (await invitation(omar.id))!;
  expect(omarRow.text_body).toContain(`/password/${LINK_TOKEN_PLACEHOLDER}`);
  expect(omarRow.text_body + omarRow.html_body).not.toMatch(/\/password\/[A-Za-z0-9_-]{43}/);
});

test('an import that is refused queues no invitation (they are saved with the people, or not at all)', async () => {
  const before = await t.db.selectFrom('outbox').select('id').execute();
  const csv = 'employee_id,email,name,role,department,manager_email,hire_date\nE3,pia@riverside.example,Pia Lund,learner,,,\nE4,not-an-address,Bad Row,learner,,,\n';
  const page = await admin.get('/admin/import');
  const res = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(csv), 'staff.csv');
  expect(res.status).toBe(400);
  expect(await t.db.selectFrom('outbox').select('id').execute()).toEqual(before);
  expect(await t.db.selectFrom('users').select('id').where('email', '=', 'pia@riverside.example').executeTakeFirst()).toBeUndefined();
});
