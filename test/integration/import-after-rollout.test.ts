import { parse } from 'csv-parse/sync';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// Issue 16: "Importing or creating people with old hire dates after roll-out never makes them overdue on
// day one." A rule for everyone rolls the course out on 2 Nov 2026 (60 days); four months later HR imports
// people hired in 2008, 2019 and last month, and an admin creates one by hand: each gets the full window
// from the day their record was added, and says so.

const DAY = 86_400_000;
let t: TestApp;
let admin: Agent;

const signedInAdmin = async () => {
  admin = newAgent(t.app);
  await signIn(admin, 'hr-admin@riverside.example', GOOD_PASSWORD);
};
const reportCsv = async () => parse((await admin.get('/reports/export.csv')).text, { bom: true, columns: true }) as Record<string, string>[];

beforeAll(async () => {
  t = await buildTestApp();
  const hr = await createPerson(t.db, t.clock, { email: 'hr-admin@riverside.example', role: 'admin', name: 'Hana Reyes', hireDate: '2018-01-01' });
  await t.services.assignments.create({ id: hr.id, label: hr.email }, {
    name: 'Everyone', target: { type: 'course', id: t.catalogue.courses[0]!.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] },
    startsOn: t.services.training.today(), rolloutDays: 60, endsOn: null,
  });
});
afterAll(async () => { await t.close(); });

test('people imported four months after the roll-out are due 60 days after the import, none overdue on day one', async () => {
  t.clock.advance(120 * DAY);
  await signedInAdmin();
  const today = t.services.training.today();
  expect(today).toBe('2027-03-02');
  const file = [
    'employee_id,email,name,role,department,manager_email,hire_date',
    'E1,vera@riverside.example,Vera Lindqvist,learner,Nursing,,2008-02-11',
    'E2,tomas@riverside.example,Tomás Ibarra,learner,Radiology,,2019-07-01',
    'E3,amara@riverside.example,Amara Eze,learner,Nursing,,2027-02-01',
  ].join('\n');
  const page = await admin.get('/admin/import');
  const res = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(file), 'staff.csv');
  expect(res.status).toBe(200);
  const rows = (await reportCsv()).filter((r) => r.email !== 'hr-admin@riverside.example');
  expect(rows.map((r) => [r.email, r.status, r.due_on]).sort()).toEqual([
    ['amara@riverside.example', 'not-started', '2027-04-01'],
    ['tomas@riverside.example', 'not-started', '2027-05-01'],
    ['vera@riverside.example', 'not-started', '2027-05-01'],
  ]);
  // The hire from last month keeps onboarding's 30 days (due 1 Apr), counted from the day she was added.
  const user = await t.db.selectFrom('users').select('id').where('email', '=', 'vera@riverside.example').executeTakeFirstOrThrow();
  const person = (await admin.get(`/admin/users/${user.id}/assignments`)).text;
  expect(person).toContain('Due 1 May 2027: 60 days after their record was added on 2 Mar 2027, after this training was rolled out.');
});

test('the day after the window ends, they are overdue like anyone else', async () => {
  t.clock.advance(61 * DAY);
  await signedInAdmin();
  const rows = (await reportCsv()).filter((r) => r.email === 'vera@riverside.example');
  expect(rows.map((r) => r.status)).toEqual(['overdue']);
});
