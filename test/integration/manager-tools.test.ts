import { parse } from 'csv-parse/sync';
import type { User } from '../../server/db/schema';
import { recordInPerson } from '../../server/training/record';
import { buildTestApp, type TestApp } from '../helpers/app';
import { downloadName } from '../helpers/download-name';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';
import { playLesson } from '../helpers/learner';
import { pdfText } from '../helpers/pdf-text';

// Issue 14, manager tools: Reports in reach, evidence-pack buttons, lesson progress beside every status,
// descriptive download names, the CSV in the on-screen order, one date style.
// Today is 2 Nov 2026 in Chicago (the test clock). Rolling cycle: 30 days to onboard.

const TODAY = '2026-11-02';
let t: TestApp;
let admin: User;
let manager: Agent;
let adminAgent: Agent;
const people: Record<string, User> = {};

async function as(email: string): Promise<Agent> {
  const a = newAgent(t.app);
  await signIn(a, email, GOOD_PASSWORD);
  return a;
}

async function binary(agent: Agent, url: string) {
  return agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

/** The ids of the people on a report page, in the order shown. */
const pageIds = (html: string) => [...html.matchAll(/<a href="\/team\/people\/(\d+)">/g)].map((m) => Number(m[1]));

beforeAll(async () => {
  t = await buildTestApp();
  const course = t.catalogue.courses[0]!;
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01', employeeId: null });
  await createPerson(t.db, t.clock, { email: 'mgr@riverside.example', role: 'manager', name: 'Nora Manager', department: 'Nursing', hireDate: '2020-01-01' });
  const mk = async (key: string, spec: Parameters<typeof createPerson>[2]) => {
    people[key] = await createPerson(t.db, t.clock, { email: `${key}@riverside.example`, ...spec });
  };
  // Half-way and late: hired in June, due in July, three lessons done.
  await mk('half', { name: 'Hal Halfway', department: 'Nursing/ICU', hireDate: '2026-06-01', employeeId: 'E-200' });
  await mk('wang', { name: '王秀英', department: 'Nursing/ICU', hireDate: '2026-10-20', employeeId: null });
  await mk('maria', { name: 'María Fernández-Villanueva', department: 'Nursing/Ward 4', hireDate: '2026-10-25', employeeId: 'E-050' });
  await mk('quote', { name: 'Zed "Quote" O’Brien', department: null, hireDate: '2026-09-01', employeeId: 'E-900' });
  await mk('done', { name: 'Dee Done', department: 'Pharmacy', hireDate: '2025-01-01', employeeId: 'E-100' });
  await mk('also', { name: 'Al Also', department: 'Pharmacy', hireDate: '2025-03-01', employeeId: null });
  for (const [key, day] of [['done', '2026-10-03'], ['also', '2026-09-12']] as const) {
    await recordInPerson(t.training, { id: admin.id, label: 'admin@riverside.example' }, people[key]!, course, { course_id: course.id, completed_on: day, trainer: 'Aisha Rahman', reason: 'Ward session' });
  }
  const half = await as('half@riverside.example');
  for (const lesson of course.lessons.slice(0, 3)) await playLesson(half, course, lesson.id, t.clock);
  manager = await as('mgr@riverside.example');
  adminAgent = await as('admin@riverside.example');
}, 60_000);
afterAll(async () => { await t.close(); });

const nursingIcu = async () => (await t.db.selectFrom('departments').select('id').where('path_key', '=', 'nursing/icu').executeTakeFirstOrThrow()).id;

describe('lesson progress wherever a status is shown', () => {
  const lessons = () => t.catalogue.courses[0]!.lessons.length;

  test('the report shows an overdue person half-way through as overdue and in progress, with the lessons done', async () => {
    const res = await manager.get('/reports?sort=name');
    expect(res.status).toBe(200);
    const row = /<tr><td[^>]*><a href="\/team\/people\/\d+">Hal Halfway<\/a>[\s\S]*?<\/tr>/.exec(res.text)![0];
    expect(row).toContain('Overdue');
    expect(row).toContain(`in progress, 3 of ${lessons()} lessons`);
    // Nobody else has begun: no progress words on their rows.
    expect(res.text.match(/class="lesson-progress"/g)).toHaveLength(1);
  });

  test('the team page\'s overdue list and the person page say the same, not "No completions yet."', async () => {
    const team = await manager.get('/team');
    expect(team.text).toContain(`in progress, 3 of ${lessons()} lessons`);
    const person = await manager.get(`/team/people/${people.half!.id}`);
    expect(person.status).toBe(200);
    expect(person.text).toMatch(new RegExp(`Overdue</span>\\s*<span class="lesson-progress">in progress, 3 of ${lessons()} lessons</span>`));
    expect(person.text).toContain(`No completion yet; in progress: 3 of ${lessons()} lessons of HIPAA &amp; social media`);
    expect(person.text).not.toContain('No completions yet.');
    const adminPage = await adminAgent.get(`/admin/users/${people.half!.id}`);
    expect(adminPage.text).toContain(`in progress, 3 of ${lessons()} lessons`);
  });

  test('the learner\'s own home page shows the lessons done while overdue', async () => {
    const home = await (await as('half@riverside.example')).get('/');
    expect(home.text).toContain('Overdue');
    expect(home.text).toContain(`3 of ${lessons()} lessons done`);
  });
});

describe('evidence-pack buttons', () => {
  test('a person\'s page links to their pack; the PDF is named for them and holds their record', async () => {
    const page = await manager.get(`/team/people/${people.maria!.id}`);
    const href = /<a class="button" href="(\/reports\/evidence\.pdf\?person=\d+)">Evidence pack \(PDF\)/.exec(page.text)?.[1];
    expect(href).toBe(`/reports/evidence.pdf?person=${people.maria!.id}`);
    expect(page.text).toContain(`href="/reports/evidence.csv?person=${people.maria!.id}"`);
    const res = await binary(manager, href!);
    expect(res.status).toBe(200);
    expect(downloadName(res.headers['content-disposition'])).toEqual({
      utf8: `evidence-María-Fernández-Villanueva-${TODAY}.pdf`, ascii: `evidence-Maria-Fernandez-Villanueva-${TODAY}.pdf`,
    });
    expect((await pdfText(res.body as Buffer)).text).toContain('Fernández-Villanueva');
  });

  test('the admin\'s person page has the buttons too, and a Chinese name keeps its characters in the file name', async () => {
    const page = await adminAgent.get(`/admin/users/${people.wang!.id}`);
    expect(page.text).toContain(`href="/reports/evidence.pdf?person=${people.wang!.id}"`);
    const res = await binary(adminAgent, `/reports/evidence.csv?person=${people.wang!.id}`);
    expect(downloadName(res.headers['content-disposition'])).toEqual({ utf8: `evidence-王秀英-${TODAY}.csv`, ascii: `evidence-${TODAY}.csv` });
  });

  test('the report filtered to a department offers that department\'s pack, named for it; unfiltered, it says how to get one', async () => {
    const dept = await nursingIcu();
    const report = await manager.get(`/reports?department=${dept}`);
    expect(report.text).toContain(`<a class="button" href="/reports/evidence.pdf?department=${dept}">Evidence pack (PDF)`);
    const res = await binary(manager, `/reports/evidence.pdf?department=${dept}`);
    expect(res.status).toBe(200);
    expect(downloadName(res.headers['content-disposition']).utf8).toBe(`evidence-Nursing-ICU-${TODAY}.pdf`);
    const text = (await pdfText(res.body as Buffer)).text;
    expect(text).toContain('Hal Halfway');
    expect(text).not.toContain('Dee Done');
    expect((await manager.get('/reports')).text).toContain('Choose a department above for its evidence pack');
    // The team page's department bars link to each department's pack.
    expect((await manager.get('/team')).text).toContain(`href="/reports/evidence.pdf?department=${dept}"`);
  });
});

describe('the CSV export', () => {
  const emailToId = async () => new Map((await t.db.selectFrom('users').select(['id', 'email']).execute()).map((u) => [u.email, u.id]));

  test.each([
    'sort=name&dir=asc', 'sort=name&dir=desc', 'sort=employee_id&dir=asc', 'sort=employee_id&dir=desc', 'sort=department&dir=asc',
    'sort=department&dir=desc', 'sort=status&dir=asc', 'sort=due_on&dir=desc', 'sort=completed_on&dir=asc', 'sort=completed_on&dir=desc',
    `sort=name&dir=desc&as_of=${TODAY}`, `sort=due_on&dir=asc&as_of=${TODAY}`,
  ])('lists people in the order the report page shows them (%s)', async (query) => {
    const page = await adminAgent.get(`/reports?${query}`);
    expect(page.status).toBe(200);
    const shown = pageIds(page.text);
    expect(shown.length).toBeGreaterThanOrEqual(7);
    const csv = await binary(adminAgent, `/reports/export.csv?${query}`);
    const rows = parse((csv.body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const ids = await emailToId();
    expect(rows.map((r) => ids.get(r.email!))).toEqual(shown);
  });

  test('is named for its filters and day, and keeps ISO dates (YYYY-MM-DD) for spreadsheets', async () => {
    const dept = await nursingIcu();
    const csv = await binary(manager, `/reports/export.csv?department=${dept}&status=overdue`);
    // With several courses in the catalogue the name says which course the report is about.
    expect(downloadName(csv.headers['content-disposition']).utf8).toBe(`training-report-${t.catalogue.courses[0]!.id}-Nursing-ICU-overdue-${TODAY}.csv`);
    const rows = parse((csv.body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.name, r.due_on])).toEqual([['Hal Halfway', '2026-07-01']]);
    const all = await binary(manager, '/reports/export.csv');
    expect(downloadName(all.headers['content-disposition']).utf8).toBe(`training-report-${t.catalogue.courses[0]!.id}-${TODAY}.csv`);
  });
});

describe('one date style on the pages', () => {
  test('report, team and person pages write days as "1 Jul 2026", never YYYY-MM-DD', async () => {
    const report = await adminAgent.get('/reports?sort=name');
    expect(report.text).toContain('<td data-label="Due">1 Jul 2026</td>');
    expect(report.text).toContain('<td data-label="Completed">3 Oct 2026</td>');
    const cells = (html: string) => [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
    for (const url of ['/reports?sort=name', '/team', `/team/people/${people.done!.id}`, `/admin/users/${people.done!.id}`]) {
      const html = (await adminAgent.get(url)).text;
      expect([url, cells(html).filter((c) => /\d{4}-\d{2}-\d{2}/.test(c!))]).toEqual([url, []]);
    }
    const person = await adminAgent.get(`/team/people/${people.done!.id}`);
    expect(person.text).toContain('<dd>1 Jan 2025</dd>');
    expect(person.text).toContain('<td data-label="Completed">3 Oct 2026</td><td data-label="Valid until">3 Oct 2027</td>');
  });

  test('a completed course says when it is next due', async () => {
    const home = await (await as('done@riverside.example')).get('/');
    expect(home.text).toContain('Next due 3 Oct 2027: your certificate from 3 Oct 2026 is valid for 365 days.');
  });
});

describe('navigation', () => {
  test('managers, auditors and admins find Reports in the navigation; learners do not', async () => {
    const nav = (html: string) => /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(html)![1]!;
    expect(nav((await manager.get('/')).text)).toContain('<a href="/reports">Reports</a>');
    expect(nav((await adminAgent.get('/')).text)).toContain('<a href="/reports">Reports</a>');
    expect(nav((await (await as('half@riverside.example')).get('/')).text)).not.toContain('/reports');
  });
});
