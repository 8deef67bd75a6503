import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../server/config';
import { start } from '../../server/main';
import { buildTestApp, TEST_AUDIT_KEY, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { openDatabaseOf } from '../helpers/open-test-db';

// Issue 16 at hospital size: saving a rule commits the rule and marks everyone stale in one short unit
// of work, then recomputes the status rows a slice (500 people) per transaction. Here over 3,000
// imported people: every row follows right after the save; pages say when a catch-up is under way and
// exports wait for it; a catch-up stopped after one slice is finished by the next start-up.

const PEOPLE = 3000;
const SLICE = 500;
let t: TestApp;
let admin: Agent;
let closed = false;

const ENV = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check', AUDIT_KEY: TEST_AUDIT_KEY,
  BASE_URL: 'http://127.0.0.1:3000', ORG_NAME: 'Riverside General', TIME_ZONE: 'America/Chicago',
};

function staffCsv(): string {
  const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
  const units = ['Nursing/ICU', 'Nursing/Wards', 'Pharmacy', 'Radiology'];
  // Hired between 2010 and 2019: everyone is employed before the rules start, so each rule rolls out to them.
  for (let i = 0; i < PEOPLE; i += 1) lines.push(`S${10000 + i},staff${i}@riverside.example,Staff Person ${i},learner,${units[i % units.length]},,${2010 + (i % 10)}-0${1 + (i % 9)}-15`);
  return lines.join('\n');
}

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2012-01-09' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  const page = await admin.get('/admin/import');
  const imported = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(staffCsv(), 'utf8'), 'staff.csv');
  expect(imported.status).toBe(200);
}, 120_000);
afterAll(async () => { if (!closed) await t.close(); });

const everyoneCount = async () => Number((await t.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

test('a rule saved over 3,000 people: every status row names it right afterwards, and the CSV agrees', async () => {
  const everyone = await everyoneCount();
  expect(everyone).toBe(PEOPLE + 1);
  const page = await admin.get('/admin/assignments');
  const saved = await admin.post('/admin/assignments').type('form').send({
    _csrf: csrfFrom(page.text), action: 'save', name: 'Everyone privacy', target: `course:${t.catalogue.courses[0]!.id}`,
    department: '', role: '', job_codes: '', starts_on: '2026-11-02', rollout_days: '60', ends_on: '',
  });
  expect(saved.status).toBe(303);
  const [rule] = await t.services.assignments.list();

  // The export waits for any catch-up still running, then every person has one row naming the rule,
  // due 60 days after the roll-out (nobody overdue on the day it starts).
  const csv = await admin.get(`/reports/export.csv?course=${t.catalogue.courses[0]!.id}`);
  expect(csv.status).toBe(200);
  const rows = parse(csv.text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  expect(rows).toHaveLength(everyone);
  expect(rows.every((r) => r.assignment === 'Everyone privacy' && r.due_on === '2027-01-01' && r.status !== 'overdue')).toBe(true);

  // And in the index itself: nobody left stale, a row per person, each naming the rule.
  expect(await t.training.statusIndex.staleCount(t.db)).toBe(0);
  const index = await t.db.selectFrom('status_index').select(['user_id', 'assignment_ids']).where('course_id', '=', t.catalogue.courses[0]!.id).execute();
  expect(index).toHaveLength(everyone);
  expect(index.every((r) => r.assignment_ids === `,${rule!.id},`)).toBe(true);
  const audited = await t.db.selectFrom('audit_events').select('action').where('action', '=', 'assignment.created').execute();
  expect(audited).toHaveLength(1);
}, 120_000);

test('a catch-up stopped after one slice: pages say they are being updated, and the next start-up finishes it', async () => {
  const course = t.catalogue.courses[0]!.id;
  const everyone = await everyoneCount();
  const nursing = (await t.services.people.departments()).find((d) => d.name === 'Nursing')!;
  const { id, upToDate } = await t.services.assignments.createWithStatus({ id: null, label: 'test' }, {
    name: 'Nursing refresher', target: { type: 'course', id: course }, startsOn: '2026-11-02', rolloutDays: 30, endsOn: null,
    audience: { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] },
  }, { waitMs: 0 });
  expect(upToDate).toBe(false);
  // As a shutdown does: the catch-up stops after the slice it is in. The rule and the marks are committed.
  await t.training.statusIndex.stop();
  expect(await t.training.statusIndex.staleCount(t.db)).toBe(everyone - SLICE);
  const named = async () => new Map((await t.db.selectFrom('status_index').select(['user_id', 'assignment_names'])
    .where('course_id', '=', course).execute()).map((r) => [r.user_id, r.assignment_names]));
  const nurses = new Set((await t.db.selectFrom('users').innerJoin('departments', 'departments.id', 'users.department_id')
    .select('users.id').where('departments.path_key', 'like', 'nursing%').execute()).map((r) => r.id));
  expect(nurses.size).toBe(PEOPLE / 2);
  const before = await named();
  const done = [...before].filter(([, names]) => names.includes('Nursing refresher')).map(([userId]) => userId);
  // Only the first slice's nurses have it so far.
  expect(done.length).toBeGreaterThan(0);
  expect(done.length).toBeLessThan(nurses.size);

  // A person's own pages never show a stale row: someone the catch-up has not reached is computed afresh.
  const waiting = (await t.db.selectFrom('users').selectAll().where('id', 'in', [...nurses].filter((n) => !done.includes(n))).limit(1).execute())[0]!;
  const courseOf = t.catalogue.get(course)!;
  const stale = await t.db.selectFrom('status_index').select(['due_on', 'assignment_names']).where('user_id', '=', waiting.id).where('course_id', '=', course).executeTakeFirstOrThrow();
  expect(stale.assignment_names).toBe('Everyone privacy');
  const shown = await t.training.currentAssignment(waiting, courseOf);
  expect(shown).toEqual(await t.training.assignment(waiting, courseOf));
  expect(shown.dueOn).not.toBe(stale.due_on);

  // The pages read the rows as they are and say an update is under way; the numbers are the people left.
  const report = await admin.get(`/reports?course=${course}`);
  expect(report.status).toBe(200);
  expect(report.text).toContain(`Due dates are being updated after a change to the assignments: ${(everyone - SLICE).toLocaleString('en-US')} people are still to do`);
  const team = await admin.get(`/team?course=${course}`);
  expect(team.text).toContain('Due dates are being updated');

  // A restart (the server's own start-up, over the same data folder) finishes the work before listening.
  const dataDir = t.dir;
  await t.services.close();
  closed = true;
  const restarted = await start(loadConfig({ ...ENV, ...t.databaseEnv, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' }));
  await restarted.stop();
  const database = openDatabaseOf(dataDir, t.databaseEnv);
  try {
    const db = database.db;
    const stale = await db.selectFrom('status_recheck').select('user_id').where('on_day', '<=', '2026-11-02').execute();
    expect(stale).toEqual([]);
    const rows = await db.selectFrom('status_index').select(['user_id', 'assignment_ids']).where('course_id', '=', course).execute();
    expect(rows).toHaveLength(everyone);
    for (const r of rows) {
      const ids = r.assignment_ids.split(',').filter(Boolean).map(Number);
      expect([r.user_id, ids.includes(id)]).toEqual([r.user_id, nurses.has(r.user_id)]);
    }
  } finally {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
