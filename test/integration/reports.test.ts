import { parse } from 'csv-parse/sync';
import { pdfText } from '../helpers/pdf-text';
import type { User } from '../../server/db/schema';
import { recordInPerson } from '../../server/training/record';
import { revokeCertificate } from '../../server/certificates/service';
import { addDays } from '../../server/dates';
import { setUserStatus } from '../../server/users/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { lastEventId, untilAudited } from '../helpers/audit-wait';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';
import { storedZipEntries } from '../helpers/zip';

// Today is 2 Nov 2026 (Chicago). Rolling cycle: 30 days to onboard, a 60-day refresher window, 365-day validity.
const TODAY = '2026-11-02';
let t: TestApp;
let admin: User;
const people: Record<string, User> = {};
const SYS = { id: null, label: 'test' };

async function binary(agent: Agent, url: string) {
  return agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

async function as(email: string): Promise<Agent> {
  const a = newAgent(t.app);
  await signIn(a, email, GOOD_PASSWORD);
  return a;
}

async function completeOn(key: string, day: string) {
  await recordInPerson(t.training, { ...SYS, id: admin.id }, people[key]!, t.catalogue.courses[0]!, { course_id: t.catalogue.courses[0]!.id, completed_on: day, trainer: 'Aisha Rahman', reason: 'Test history' });
}

/** Names on the report page, in order. */
const names = (html: string) => [...html.matchAll(/<a href="\/team\/people\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

beforeAll(async () => {
  t = await buildTestApp();
  const course = t.catalogue.courses[0]!;
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'auditor@riverside.example', role: 'auditor', name: 'Aud Itor', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'nurse.mgr@riverside.example', role: 'manager', name: 'Nora Manager', department: 'Nursing', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'pharm.mgr@riverside.example', role: 'manager', name: 'Phil Manager', department: 'Pharmacy', hireDate: '2020-01-01' });
  const mk = async (key: string, name: string, department: string, hireDate: string, extra: Parameters<typeof createPerson>[2] = {}) => {
    people[key] = await createPerson(t.db, t.clock, { email: `${key}@riverside.example`, name, department, hireDate, employeeId: `E-${key}`, ...extra });
  };
  await mk('fresh', 'Fay Fresh', 'Nursing/ICU', '2026-10-30');            // not started, due 29 Nov
  await mk('busy', 'Bo Busy', 'Nursing/ICU', '2026-10-20');                // in progress
  await mk('late', 'Lou Late', 'Nursing/Ward 4', '2026-09-01');            // overdue since 1 Oct
  await mk('done', 'Dee Done', 'Nursing/Ward 4', '2025-01-01');            // completed 3 Oct 2026
  await mk('soon', 'Sol Soon', 'Pharmacy', '2024-01-01');                  // completed 25 Nov 2025 → due 25 Nov 2026
  await mk('gone', 'Exp Ired', 'Pharmacy', '2023-01-01');                  // completed 1 Oct 2025 → expired 2 Oct 2026
  await mk('formula', '=HYPERLINK("http://evil.example","x")', 'Pharmacy', '2026-10-30', { employeeId: '+1-555' });
  await completeOn('done', '2026-10-03');
  await completeOn('soon', '2025-11-25');
  await completeOn('gone', '2025-10-01');
  const busy = newAgent(t.app);
  await signIn(busy, 'busy@riverside.example', GOOD_PASSWORD);
  // Opening the first lesson is what puts this person in progress.
  expect((await busy.get(`/courses/${course.id}/lessons/${course.lessons[0]!.id}/play`)).status).toBe(200);
});
afterAll(async () => { await t.close(); });

describe('reports', () => {
  test('every status appears where expected, computed for today', async () => {
    const a = await as('admin@riverside.example');
    const expectStatus = async (status: string, expected: string[]) => {
      const res = await a.get(`/reports?status=${status}&sort=name`);
      expect(res.status).toBe(200);
      expect(names(res.text)).toEqual(expected);
    };
    await expectStatus('not-started', ['=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)', 'Fay Fresh']);
    await expectStatus('in-progress', ['Bo Busy']);
    await expectStatus('overdue', ['Ada Admin', 'Aud Itor', 'Lou Late', 'Nora Manager', 'Phil Manager']);
    await expectStatus('completed', ['Dee Done']);
    await expectStatus('due-soon', ['Sol Soon']);
    await expectStatus('expired', ['Exp Ired']);
  });

  test('filters: department with sub-departments, role, search, cycle, due between, several statuses; sorting', async () => {
    const a = await as('admin@riverside.example');
    const nursing = await t.db.selectFrom('departments').select('id').where('path_key', '=', 'nursing').executeTakeFirstOrThrow();
    expect(names((await a.get(`/reports?department=${nursing.id}&sort=name`)).text)).toEqual(['Bo Busy', 'Dee Done', 'Fay Fresh', 'Lou Late', 'Nora Manager']);
    expect(names((await a.get('/reports?role=manager&sort=name')).text)).toEqual(['Nora Manager', 'Phil Manager']);
    expect(names((await a.get('/reports?q=e-late')).text)).toEqual(['Lou Late']);
    expect(names((await a.get('/reports?cycle=annual-2026&sort=name')).text)).toEqual(['Exp Ired', 'Sol Soon']);
    expect(names((await a.get('/reports?due_from=2026-11-20&due_to=2026-11-30&sort=due_on')).text)).toEqual(['Sol Soon', 'Fay Fresh', '=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)']);
    expect(names((await a.get('/reports?status=due-soon&status=expired&sort=name&dir=desc')).text)).toEqual(['Sol Soon', 'Exp Ired']);
    const page = await a.get('/reports?status=overdue');
    expect(page.text).toContain('<strong>5</strong> people match');
    for (const bad of ['?status=nope', '?due_from=2026-13-01', '?sort=password_hash', '?as_of=2030-01-01', '?department=abc', '?cycle=annual-26', '?due_from=2026-12-01&due_to=2026-11-01']) {
      const r = await a.get(`/reports${bad}`);
      expect(r.status).toBe(400);
      expect(r.text).toContain('could not be used');
    }
    expect((await a.get('/reports?department=99999')).status).toBe(404);
  });

  test('managers see only their scope; another department gives 403, a person outside it 404 (like a missing id); learners get 403', async () => {
    const m = await as('nurse.mgr@riverside.example');
    const report = await m.get('/reports?sort=name');
    expect(names(report.text)).toEqual(['Bo Busy', 'Dee Done', 'Fay Fresh', 'Lou Late', 'Nora Manager']);
    const pharmacy = await t.db.selectFrom('departments').select('id').where('path_key', '=', 'pharmacy').executeTakeFirstOrThrow();
    expect((await m.get(`/reports?department=${pharmacy.id}`)).status).toBe(403);
    expect((await m.get(`/reports/export.csv?department=${pharmacy.id}`)).status).toBe(403);
    expect((await m.get(`/reports/evidence.pdf?department=${pharmacy.id}`)).status).toBe(403);
    expect((await m.get(`/reports/evidence.pdf?person=${people.soon!.id}`)).status).toBe(404);
    expect((await m.get(`/team/people/${people.soon!.id}`)).status).toBe(404);
    const team = await m.get('/team');
    expect(team.text).toContain('5 people in your scope');
    expect(team.text).toContain('Lou Late');
    expect(team.text).not.toContain('Exp Ired');
    const learner = await as('fresh@riverside.example');
    expect((await learner.get('/reports')).status).toBe(403);
    expect((await learner.get('/reports/export.csv')).status).toBe(403);
  });

  test('My team shows counts, compliance by department and the overdue list sorted by days late', async () => {
    const a = await as('admin@riverside.example');
    const team = await a.get('/team');
    expect(team.text).toContain('11 people in your scope');
    expect(team.text).toMatch(/Overdue<\/span>\s*<\/a><\/th><td>5<\/td><td>45%<\/td>/);
    expect(team.text).toMatch(/Nursing\/Ward 4<\/a><\/span>[\s\S]*?50% \(1 of 2\)/);
    expect(team.text).toMatch(/Pharmacy<\/a><\/span>[\s\S]*?25% \(1 of 4\)/);
    const overdueSection = team.text.slice(team.text.indexOf('id="overdue-h"'));
    const order = [...overdueSection.matchAll(/people\/\d+">([^<]+)</g)].map((m) => m[1]);
    expect(order).toEqual(expect.arrayContaining(['Exp Ired', 'Lou Late']));
    const daysLate = [...overdueSection.matchAll(/<td[^>]*>(\d+)<\/td><\/tr>/g)].map((m) => Number(m[1]));
    expect(daysLate).toHaveLength(6);
    // Admins and managers hired in 2020 (due 31 Jan 2020) first; Lou and Exp, due 1 Oct 2026, 32 days late.
    expect(daysLate).toEqual([...daysLate].sort((x, y) => y - x));
    expect(daysLate.at(-1)).toBe(32);
  });

  test('CSV export: exactly the filtered rows, documented columns, formula injection neutralised, audited', async () => {
    const a = await as('admin@riverside.example');
    const since = await lastEventId(t.db);
    const res = await binary(a, '/reports/export.csv?sort=name&department=&status=not-started&status=completed&status=expired');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const text = (res.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(['employee_id', 'name', 'email', 'department', 'manager_email', 'role', 'cycle', 'status', 'due_on', 'completed_on', 'expires_on', 'score', 'certificate_code', 'content_version', 'recorded_by', 'pace', 'course_id', 'assignment', 'policy_version', 'exempt_reason']);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(rows).toHaveLength(4);
    expect(byName.get('Dee Done')).toMatchObject({ employee_id: 'E-done', email: 'done@riverside.example', department: 'Nursing/Ward 4', role: 'learner', cycle: 'annual-2027', status: 'completed', due_on: '2027-10-03', completed_on: '2026-10-03', expires_on: '2027-10-03', score: '', recorded_by: 'admin@riverside.example (in person)', pace: '' });
    expect(byName.get('Dee Done')!.certificate_code).toMatch(/^PR-/);
    expect(byName.get('Exp Ired')).toMatchObject({ status: 'expired', due_on: '2026-10-01', completed_on: '2025-10-01' });
    expect(byName.get('Fay Fresh')).toMatchObject({ status: 'not-started', cycle: 'onboarding', due_on: '2026-11-29', completed_on: '', certificate_code: '' });
    const evil = rows.find((r) => r.email === 'formula@riverside.example')!;
    expect(evil.name).toBe('\'=HYPERLINK("http://evil.example","x")');
    expect(evil.employee_id).toBe("'+1-555");
    await untilAudited(t.db, 'report.exported', since);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'report.exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(admin.id);
    expect(JSON.parse(audit.details)).toEqual({ format: 'csv', filters: { status: ['not-started', 'completed', 'expired'], sort: 'name' }, rows: 4, complete: true });
  });

  test('ZIP of the filtered rows\u2019 certificates', async () => {
    const a = await as('auditor@riverside.example');
    const since = await lastEventId(t.db);
    const res = await binary(a, '/reports/certificates.zip?status=completed&status=due-soon&status=expired');
    expect(res.status).toBe(200);
    const entries = storedZipEntries(res.body as Buffer);
    expect(entries.map((e) => e.name.replace(/-PR-.*$/, '')).sort()).toEqual(['E-done-Dee Done', 'E-gone-Exp Ired', 'E-soon-Sol Soon']);
    for (const e of entries) {
      expect(e.data.subarray(0, 5).toString()).toBe('%PDF-');
      const pdf = await pdfText(e.data);
      expect(pdf.text).toContain(e.name.match(/PR-[0-9A-Z-]+(?=\.pdf)/)![0]);
    }
    await untilAudited(t.db, 'report.exported', since);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'report.exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details)).toMatchObject({ format: 'zip', rows: 3, complete: true });
  });

  test('evidence pack for a person and a department: PDF citing 164.530(b)(2) and (j), CSV with the same lines', async () => {
    const a = await as('admin@riverside.example');
    const since = await lastEventId(t.db);
    const pdf = await binary(a, `/reports/evidence.pdf?person=${people.done!.id}`);
    expect(pdf.status).toBe(200);
    const text = (await pdfText(pdf.body as Buffer)).text.replace(/\s+/g, ' ');
    for (const s of ['HIPAA workforce training evidence', 'Person: Dee Done (E-done)', '45 CFR 164.530(b)(2)', '45 CFR 164.530(j)', 'Ada Admin', '2026-10-03', 'in-person']) expect(text).toContain(s);
    const wardId = (await t.db.selectFrom('departments').select('id').where('path_key', '=', 'nursing').executeTakeFirstOrThrow()).id;
    const csv = await binary(a, `/reports/evidence.csv?department=${wardId}`);
    const lines = parse((csv.body as Buffer).toString('utf8'), { bom: true, relax_column_count: true }) as string[][];
    expect(lines[0]![0]).toContain('Department: Nursing (including sub-departments)');
    expect(lines[1]![0]).toContain('164.530(b)(2)');
    expect(lines[2]![0]).toMatch(/Generated .* by Ada Admin <admin@riverside\.example>/);
    // Columns read by position, as a spreadsheet import made before issue 16 does: course_id and assignment were added at the end.
    expect(lines[3]).toEqual(['employee_id', 'name', 'email', 'account_status', 'course', 'cycle', 'completed_on', 'valid_until', 'source', 'score', 'content_version', 'attestation', 'certificates', 'course_id', 'assignment']);
    // With no assignment rule every course falls to everyone: each person has a line per course, sorted by
    // name, the completion first; then the policy section, empty here (no policy published).
    const [social, desk] = t.catalogue.courses.map((c) => [c.id, c.title] as const);
    const none = (id: string | null, name: string, email: string, [courseId, title]: readonly [string, string]) =>
      [id ?? '', name, email, 'active', title, '', '', '', 'no completion on record', '', '', '', '', courseId, ''];
    const deeCertificate = await t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
      .select('certificates.code').where('completions.user_id', '=', people.done!.id).executeTakeFirstOrThrow();
    const nora = (await t.db.selectFrom('users').select('employee_id').where('email', '=', 'nurse.mgr@riverside.example').executeTakeFirstOrThrow()).employee_id;
    expect(lines.slice(4)).toEqual([
      none('E-busy', 'Bo Busy', 'busy@riverside.example', social!), none('E-busy', 'Bo Busy', 'busy@riverside.example', desk!),
      ['E-done', 'Dee Done', 'done@riverside.example', 'active', social![1], 'onboarding', '2026-10-03', '2027-10-03', 'in-person', '', '', '', `${deeCertificate.code} (valid)`, social![0], ''],
      none('E-done', 'Dee Done', 'done@riverside.example', desk!),
      none('E-fresh', 'Fay Fresh', 'fresh@riverside.example', social!), none('E-fresh', 'Fay Fresh', 'fresh@riverside.example', desk!),
      none('E-late', 'Lou Late', 'late@riverside.example', social!), none('E-late', 'Lou Late', 'late@riverside.example', desk!),
      none(nora, 'Nora Manager', 'nurse.mgr@riverside.example', social!), none(nora, 'Nora Manager', 'nurse.mgr@riverside.example', desk!),
      ['# Policy versions (the sha256 covers the title, the version and the exact text)'],
      ['policy', 'version', 'title', 'change', 'note', 'published_at', 'superseded_at', 'text_sha256', 'text'],
      ['# Policy acknowledgements (each sha256 chains the version text hash to the signature)'],
      ['employee_id', 'name', 'email', 'policy', 'version', 'signed_as', 'acknowledged_at', 'text_sha256', 'acknowledgement_sha256'],
      ['# Policy signatures outstanding (what the assignment rules require and is not signed)'],
      ['employee_id', 'name', 'email', 'policy', 'version_to_sign', 'status', 'due_on', 'reason'],
    ]);
    expect(lines.find((l) => l[1] === 'Lou Late')![8]).toBe('no completion on record');
    await untilAudited(t.db, 'report.exported', since, 2);
    const events = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'report.exported').orderBy('id', 'desc').limit(2).execute();
    expect(events.map((e) => JSON.parse(e.details).format)).toEqual(['evidence-csv', 'evidence-pdf']);
    expect((await a.get('/reports/evidence.pdf')).status).toBe(400);
  });

  test('compliant as of a past date is computed from the history', async () => {
    const a = await as('admin@riverside.example');
    // On 1 Oct 2026: Dee had not completed yet (hired 2025 → onboarding overdue); Exp Ired's certificate ran to
    // that very day (due soon); Sol's refresher window had opened on 26 Sept (due soon); Fay and Bo were not yet hired.
    const res = await a.get('/reports?as_of=2026-10-01&sort=name');
    expect(res.status).toBe(200);
    const csv = parse(((await binary(a, '/reports/export.csv?as_of=2026-10-01')).body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const status = Object.fromEntries(csv.map((r) => [r.name, r.status]));
    expect(status['Dee Done']).toBe('overdue');
    expect(status['Exp Ired']).toBe('due-soon');
    expect(status['Sol Soon']).toBe('due-soon');
    expect(status['Ada Admin']).toBe('overdue');
    // Hired 1 Sept, due 1 Oct: not yet late on the due date itself.
    expect(status['Lou Late']).toBe('not-started');
    expect(status['Fay Fresh']).toBeUndefined();
    expect(status['Bo Busy']).toBeUndefined();
    expect(names(res.text)).not.toContain('Fay Fresh');
  });

  test('as of: a later revocation or deactivation does not rewrite the past', async () => {
    const c = await t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
      .select('certificates.id').where('completions.user_id', '=', people.soon!.id).executeTakeFirstOrThrow();
    await revokeCertificate(t.training, { ...SYS, id: admin.id }, c.id, 'Issued in error');
    await setUserStatus(t.uow, t.clock, { ...SYS, id: admin.id }, people.late!.id, 'deactivated');
    const a = await as('admin@riverside.example');
    const past = parse(((await binary(a, '/reports/export.csv?as_of=2026-10-15')).body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const status = Object.fromEntries(past.map((r) => [r.name, r.status]));
    expect(status['Sol Soon']).toBe('due-soon');
    expect(status['Lou Late']).toBe('overdue');
    const now = parse(((await binary(a, '/reports/export.csv')).body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const nowStatus = Object.fromEntries(now.map((r) => [r.name, r.status]));
    expect(nowStatus['Sol Soon']).toBe('overdue');
    expect(nowStatus['Lou Late']).toBeUndefined();
    expect(addDays(TODAY, 0)).toBe(TODAY);
  });
});
