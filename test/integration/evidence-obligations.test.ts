import { parse } from 'csv-parse/sync';
import { obligatedCourses } from '../../server/training/obligations';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// An evidence pack reads the people's obligations a slice at a time (the rules once, each slice's
// history and exemptions in a few queries) instead of person by person. Over 450 people (three
// slices of 200) under two rules, each person's "no completion on record" lines must be exactly the
// courses the per-person function gives them.

const PEOPLE = 450;
let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
  for (let i = 0; i < PEOPLE; i += 1) lines.push(`H${1000 + i},h${i}@riverside.example,Hospital Person ${i},learner,Hospital/${i % 3 === 0 ? 'Nursing' : 'Pharmacy'},,2015-04-0${1 + (i % 9)}`);
  const page = await admin.get('/admin/import');
  expect((await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(lines.join('\n')), 'staff.csv')).status).toBe(200);
}, 60_000);
afterAll(async () => { await t.close(); });

test('a department evidence pack lists for each person exactly the courses their rules give them', async () => {
  const [first, second] = t.catalogue.courses;
  expect(second).toBeDefined();
  const departments = await t.services.people.departments();
  const nursing = departments.find((d) => d.name === 'Nursing')!;
  const hospital = departments.find((d) => d.name === 'Hospital')!;
  const actor = { id: null, label: 'test' };
  await t.services.assignments.create(actor, { name: 'All staff', target: { type: 'course', id: first!.id }, startsOn: '2026-11-02', rolloutDays: 60, endsOn: null, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] } });
  await t.services.assignments.create(actor, { name: 'Nursing only', target: { type: 'course', id: second!.id }, startsOn: '2026-11-02', rolloutDays: 60, endsOn: null, audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] } });

  const res = await admin.get(`/reports/evidence.csv?department=${hospital.id}`).buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  const rows = parse(res.body as Buffer, { bom: true, columns: true, relax_column_count: true, from_line: 4 }) as Record<string, string>[];
  const missing = new Map<string, string[]>();
  for (const r of rows) if (r.source === 'no completion on record') missing.set(r.email!, [...(missing.get(r.email!) ?? []), r.course_id!]);
  expect(missing.size).toBe(PEOPLE);
  // The assignment column names the rule that gives each line's course.
  const ruleOf = new Map(rows.filter((r) => r.source === 'no completion on record').map((r) => [r.course_id!, new Set<string>()]));
  for (const r of rows) if (r.source === 'no completion on record') ruleOf.get(r.course_id!)!.add(r.assignment!);
  expect(Object.fromEntries([...ruleOf].map(([c, names]) => [c, [...names]]))).toEqual({ [first!.id]: ['All staff'], [second!.id]: ['Nursing only'] });

  const people = await t.db.selectFrom('users').select(['id', 'email']).where('email', 'like', 'h%@riverside.example').execute();
  expect(people).toHaveLength(PEOPLE);
  let nurses = 0;
  for (const p of people) {
    const expected = (await obligatedCourses(t.training, t.catalogue, p, t.training.today())).map((c) => c.id);
    expect([p.email, missing.get(p.email)]).toEqual([p.email, expected]);
    if (expected.length === 2) nurses += 1;
  }
  // Both rules matter: nurses owe both courses, everyone else the first only.
  expect(nurses).toBe(PEOPLE / 3);
}, 60_000);
