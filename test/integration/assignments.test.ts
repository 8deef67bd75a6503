import { parse } from 'csv-parse/sync';
import { addDays } from '../../server/dates';
import type { User } from '../../server/db/schema';
import { reasonFor } from '../../server/training/present';
import { parseUserCsv } from '../../server/users/import';
import { recordInPerson } from '../../server/training/record';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';

// Today is 2 Nov 2026 (Chicago). Rolling cycle: 30 days to onboard, 60-day roll-out window by default.
const TODAY = '2026-11-02';
const DAY = 86_400_000;
let t: TestApp;
let admin: User;
const hired: User[] = [];

async function csv(url: string): Promise<Record<string, string>[]> {
  // Signed in afresh each time: the tests move the clock past the session's idle limit.
  const agent: Agent = newAgent(t.app);
  await signIn(agent, 'admin@riverside.example', GOOD_PASSWORD);
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  return parse((res.body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
}

const actor = () => ({ id: admin.id, label: admin.email });
const course = () => t.catalogue.courses[0]!;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2019-01-01' });
  // 300 people hired evenly from 2005 to today, in two departments.
  const first = Date.parse('2005-01-01');
  const span = Date.parse(TODAY) - first;
  for (let i = 0; i < 300; i += 1) {
    const hireDate = new Date(first + Math.round((span * i) / 299 / DAY) * DAY).toISOString().slice(0, 10);
    hired.push(await createPerson(t.db, t.clock, { email: `p${i}@riverside.example`, name: `Person ${i}`, department: i % 2 ? 'Nursing' : 'Pharmacy', hireDate, password: null }));
  }
}, 180_000);
afterAll(async () => { await t.close(); });

describe('assignments: go-live, transfer, exemption, CSV columns', () => {
  test('going live with 300 people hired since 2005: nobody is overdue on day one; existing staff get the roll-out window, today\'s hires onboarding', async () => {
    // Before any rule, every course falls to everyone from their start: the old hires are all overdue.
    const before = await csv('/reports/export.csv');
    expect(before.filter((r) => r.status === 'overdue').length).toBeGreaterThan(290);

    const id = await t.services.assignments.create(actor(), {
      name: 'Everyone — privacy basics', target: { type: 'course', id: course().id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] },
      startsOn: TODAY, rolloutDays: 60, endsOn: null,
    });
    const rows = await csv('/reports/export.csv');
    expect(rows).toHaveLength(301);
    expect(rows.filter((r) => r.status === 'overdue' || r.status === 'expired')).toEqual([]);
    const due = new Map<string, number>();
    for (const r of rows) due.set(r.due_on!, (due.get(r.due_on!) ?? 0) + 1);
    // Everyone employed before today: 60 days after the start; the person hired today: 30 days after their start.
    expect(Object.fromEntries(due)).toEqual({ [addDays(TODAY, 60)]: 300, [addDays(TODAY, 30)]: 1 });
    expect(new Set(rows.map((r) => r.assignment))).toEqual(new Set(['Everyone — privacy basics']));
    expect(new Set(rows.map((r) => r.course_id))).toEqual(new Set([course().id]));
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['course_id', 'assignment', 'policy_version', 'exempt_reason']));
    // The sentence names the roll-out.
    const a = await t.training.currentAssignment(hired[0]!, course());
    expect(a.reason).toBe('Due 1 Jan 2027: 60 days after this training was rolled out to everyone on 2 Nov 2026.');
    // The admin's first rule replaced the default; the report filters by it.
    expect(await csv(`/reports/export.csv?assignment=${id}`)).toHaveLength(301);
    expect(await csv(`/reports/export.csv?assignment=${id + 1000}`)).toHaveLength(0);
    // Someone with a certificate still valid keeps their own cycle.
    await recordInPerson(t.training, actor(), hired[5]!, course(), { course_id: course().id, completed_on: '2026-09-01', trainer: 'Aisha Rahman', reason: 'Trained before go-live' });
    expect((await t.training.currentAssignment(hired[5]!, course())).dueOn).toBe('2027-09-01');
  });

  test('an exemption shows as exempt with its reason in the CSV, then expires with a fresh due date', async () => {
    const [rule] = await t.services.assignments.list();
    const p = hired[10]!;
    await t.services.assignments.grantExemption(actor(), 'Ada Admin', { userId: p.id, assignmentId: rule!.id, reason: 'Trained at Lakeside General in October.', until: '2026-11-12' });
    const row = (await csv('/reports/export.csv')).find((r) => r.email === p.email)!;
    expect(row).toMatchObject({ status: 'exempt', exempt_reason: 'Trained at Lakeside General in October.' });
    expect((await csv('/reports/export.csv?status=exempt')).map((r) => r.email)).toEqual([p.email]);
    expect((await t.training.currentAssignment(p, course())).reason).toBe('Exempt until 12 Nov 2026: Trained at Lakeside General in October.');
    const events = await t.db.selectFrom('audit_events').select('action').where('action', 'like', 'exemption.%').execute();
    expect(events.map((e) => e.action)).toEqual(['exemption.granted']);

    t.clock.advance(11 * DAY); // 13 Nov: the exemption ended yesterday
    const after = (await csv('/reports/export.csv')).find((r) => r.email === p.email)!;
    expect(after).toMatchObject({ status: 'not-started', due_on: '2027-01-12', exempt_reason: '' });
    expect((await t.training.currentAssignment(p, course())).reason).toBe('Due 12 Jan 2027: 60 days from 13 Nov 2026, the day after your exemption ended.');
    // The report as of a day inside the exemption still says exempt.
    const past = (await csv('/reports/export.csv?as_of=2026-11-05')).find((r) => r.email === p.email)!;
    expect(past).toMatchObject({ status: 'exempt', exempt_reason: 'Trained at Lakeside General in October.' });
    t.clock.advance(-11 * DAY);
  });

  test('a transfer into an audience adds the obligation from that day; moving out removes it and keeps the records', async () => {
    const nursing = (await t.services.people.departments()).find((d) => d.name === 'Nursing')!;
    const pharmacy = (await t.services.people.departments()).find((d) => d.name === 'Pharmacy')!;
    const id = await t.services.assignments.create(actor(), {
      name: 'Nursing — bedside privacy', target: { type: 'course', id: course().id }, audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] },
      startsOn: '2026-11-01', rolloutDays: 30, endsOn: null,
    });
    const p = hired[20]!; // Pharmacy
    expect((await csv(`/reports/export.csv?assignment=${id}`)).some((r) => r.email === p.email)).toBe(false);
    t.clock.advance(3 * DAY); // 5 Nov
    await t.services.assignments.move(actor(), p.id, { departmentId: nursing.id, role: 'learner', jobCode: 'RN2', jobTitle: 'Registered nurse', effectiveOn: '2026-11-04' });
    const moved = (await csv(`/reports/export.csv?assignment=${id}`)).find((r) => r.email === p.email)!;
    // The Nursing rule (30 days from the move) comes due before the everyone rule (60 days from 2 Nov).
    expect(moved).toMatchObject({ due_on: '2026-12-04', department: 'Nursing', assignment: 'Everyone — privacy basics; Nursing — bedside privacy' });
    const a = await t.training.currentAssignment(p, course());
    expect(a.reason).toBe('Due 4 Dec 2026: 30 days after you joined Nursing on 4 Nov 2026.');
    expect(reasonFor(t.training.policy(course()), a, true, 'their')).toBe('Due 4 Dec 2026: 30 days after they joined Nursing on 4 Nov 2026.');
    // As of the day before the move, the Nursing rule did not cover them.
    expect((await csv(`/reports/export.csv?assignment=${id}&as_of=2026-11-03`)).some((r) => r.email === p.email)).toBe(false);

    await recordInPerson(t.training, actor(), p, course(), { course_id: course().id, completed_on: '2026-11-05', trainer: 'Aisha Rahman', reason: 'Ward induction' });
    await t.services.assignments.move(actor(), p.id, { departmentId: pharmacy.id, role: 'learner', jobCode: null, jobTitle: null, effectiveOn: '2026-11-05' });
    expect((await csv(`/reports/export.csv?assignment=${id}`)).some((r) => r.email === p.email)).toBe(false);
    expect(await t.db.selectFrom('completions').select('id').where('user_id', '=', p.id).execute()).toHaveLength(1);
    const history = await t.db.selectFrom('person_history').select(['effective_on', 'department_id']).where('user_id', '=', p.id).orderBy('effective_on').execute();
    expect(history).toEqual([
      { effective_on: '0000-01-01', department_id: pharmacy.id }, { effective_on: '2026-11-04', department_id: nursing.id }, { effective_on: '2026-11-05', department_id: pharmacy.id },
    ]);
    t.clock.advance(-3 * DAY);
  });

  test('a preview counts who a rule would match and who would be due within 14 days', async () => {
    const nursing = (await t.services.people.departments()).find((d) => d.name === 'Nursing')!;
    const preview = await t.services.assignments.preview({
      name: 'Nursing refresher', target: { type: 'course', id: course().id }, audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] },
      startsOn: TODAY, rolloutDays: 10, endsOn: null,
    });
    // 150 in Nursing. Not due within 14 days: the one holding a certificate valid until 2027 (recorded
    // above), and the one hired today, who is a new hire with 30 days.
    expect(preview.matches).toBe(150);
    expect(preview.dueWithin14).toBe(148);
    expect(preview.sentence).toBe('This rule matches 150 people; 148 would be due within 14 days.');
  });

  test('the import carries job codes; a job-code rule assigns by them; an import that moves someone records the move in their history', async () => {
    const file = await parseUserCsv('email,name,department,hire_date,job_code,job_title\r\nrn@riverside.example,Rosa Nurse,Nursing,2012-04-01,RN2,Registered nurse\r\nclerk@riverside.example,Carl Clerk,Nursing,2012-04-01,CLK1,Ward clerk\r\n');
    expect(file.errors).toEqual([]);
    await t.services.peopleImporter.run(actor(), file, 'hr.csv');
    const rn = await t.db.selectFrom('users').selectAll().where('email', '=', 'rn@riverside.example').executeTakeFirstOrThrow();
    expect([rn.job_code, rn.job_title]).toEqual(['RN2', 'Registered nurse']);
    const bad = await parseUserCsv('email,name,job_code\r\nx@riverside.example,X,=cmd|calc\r\n');
    expect(bad.errors.map((e) => e.reason).join(' ')).toContain('Job code may use letters, digits');

    const id = await t.services.assignments.create(actor(), {
      name: 'RN2 — medication privacy', target: { type: 'course', id: course().id }, audience: { everyone: false, departmentIds: [], roles: [], jobCodes: ['rn2'] },
      startsOn: TODAY, rolloutDays: 45, endsOn: null,
    });
    expect((await csv(`/reports/export.csv?assignment=${id}`)).map((r) => r.email)).toEqual(['rn@riverside.example']);

    const pharmacyFile = await parseUserCsv('email,name,department,hire_date,job_code,job_title\r\nrn@riverside.example,Rosa Nurse,Pharmacy,2012-04-01,PH1,Pharmacist\r\n');
    await t.services.peopleImporter.run(actor(), pharmacyFile, 'hr2.csv');
    expect((await csv(`/reports/export.csv?assignment=${id}`)).map((r) => r.email)).toEqual([]);
    const history = await t.db.selectFrom('person_history').select(['effective_on', 'job_code']).where('user_id', '=', rn.id).orderBy('effective_on').execute();
    expect(history).toEqual([{ effective_on: '0000-01-01', job_code: 'RN2' }, { effective_on: TODAY, job_code: 'PH1' }]);
  });

  test('peopleObligatedTo lists who a target binds on a day, with why; obligationsOf gives a person\'s list with due dates', async () => {
    const seen: { userId: number; kind: string }[] = [];
    for await (const batch of t.services.assignments.peopleObligatedTo({ type: 'course', id: course().id }, TODAY)) {
      for (const x of batch) seen.push({ userId: x.userId, kind: x.obligation.start.kind });
    }
    // The 300, the admin and the two imported people, all active, all under the everyone rule.
    expect(seen).toHaveLength(303);
    expect(seen.find((x) => x.userId === hired[0]!.id)).toEqual({ userId: hired[0]!.id, kind: 'rollout' });
    expect(seen.find((x) => x.userId === hired[299]!.id)).toEqual({ userId: hired[299]!.id, kind: 'hire' });
    const mine = await t.services.assignments.obligationsOf(hired[0]!.id, TODAY);
    expect(mine).toEqual([expect.objectContaining({
      target: { type: 'course', id: course().id }, since: TODAY, dueOn: addDays(TODAY, 60),
      reason: 'Due 1 Jan 2027: 60 days after this training was rolled out to everyone on 2 Nov 2026.',
    })]);
    expect(await t.services.assignments.obligationsOf(hired[0]!.id, '2026-11-01')).toEqual([]);
  });
});
