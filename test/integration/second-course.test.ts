import { parse } from 'csv-parse/sync';
import type { Course } from '../../server/content/catalogue';
import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { downloadName } from '../helpers/download-name';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { completeCourse, passCourseQuiz } from '../helpers/learner';
import { downloadPdf } from '../helpers/pdf';
import { pdfText } from '../helpers/pdf-text';
import { storedZipEntries } from '../helpers/zip';

// Issue 16: a second course ("Minimum necessary at the front desk") beside the first, taken end to end
// over HTTP — dashboard, course page, lessons, quiz, its own policy at attestation, certificate PDF and
// verify page — and the exports that must cover every course: certificate ZIP and evidence packs.

let t: TestApp;
let frontDesk: Course;
let social: Course;
let admin: Agent;
let learner: { agent: Agent; user: User };

async function bytes(agent: Agent, url: string): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  return { status: res.status, body: res.body as Buffer, headers: res.headers as Record<string, string> };
}

/**
 * Signs the admin in on a fresh agent. Lessons have a minimum reading time and the helpers move the
 * clock on by it: the learners' work in between takes longer than the 30-minute idle limit, which signs
 * out an admin who sent no request meanwhile, as it would in a browser.
 */
async function adminSignsIn(): Promise<void> {
  admin = newAgent(t.app);
  const res = await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  expect([res.status, res.headers.location]).toEqual([303, '/']);
}

const csvRows = (b: Buffer) => parse(b.toString('utf8'), { bom: true, columns: true, relax_column_count: true, from_line: 4 }) as Record<string, string>[];

beforeAll(async () => {
  // 2 Nov 2026, 14:00 UTC; Chicago time.
  t = await buildTestApp();
  frontDesk = t.catalogue.get('minimum-necessary-front-desk')!;
  social = t.catalogue.get('hipaa-social-media')!;
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01' });
  await adminSignsIn();
  const user = await createPerson(t.db, t.clock, { email: 'tam@riverside.example', name: 'Tamar Okonjo', hireDate: '2026-11-02', department: 'Front Desk', employeeId: 'FD-7' });
  const agent = newAgent(t.app);
  await signIn(agent, 'tam@riverside.example', GOOD_PASSWORD);
  learner = { agent, user };
});
afterAll(async () => { await t.close(); });

describe('two courses in the catalogue', () => {
  test('both load, the second with its own policy, quiz size and validity', () => {
    expect(t.catalogue.courses.map((c) => c.id)).toEqual(['hipaa-social-media', 'minimum-necessary-front-desk']);
    expect(frontDesk).toMatchObject({ title: 'Minimum necessary at the front desk', questionsPerAttempt: 8, certificateValidityDays: 365 });
    expect(frontDesk.policy.title).toBe('Front Desk Privacy Policy');
    expect(frontDesk.policy.title).not.toBe(social.policy.title);
    for (const lesson of frontDesk.lessons) expect(frontDesk.questions.filter((q) => q.lesson === lesson.id).length).toBeGreaterThanOrEqual(8);
  });

  test('the dashboard lists each obligation with its status and the sentence saying why it is due', async () => {
    const home = (await learner.agent.get('/')).text;
    expect(home).toContain('2 trainings are assigned to you: 2 are still to do.');
    for (const c of [social, frontDesk]) expect(home).toContain(`<a href="/courses/${c.id}">${html(c.title)}</a>`);
    // One status and one due sentence per course card.
    expect(home.match(/Not started/g)).toHaveLength(2);
    expect(home.match(/Due 2 Dec 2026: 30 days after your start date\./g)).toHaveLength(2);
  });
});

describe('the second course end to end', () => {
  let certificateId: number;
  let code: string;

  beforeAll(async () => {
    const page = await learner.agent.get(`/courses/${frontDesk.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(html(frontDesk.lessons[0]!.title));
    const attemptId = await completeCourse(learner.agent, frontDesk, 'Tamar Okonjo', t.clock);
    const completion = await t.db.selectFrom('completions').selectAll().where('user_id', '=', learner.user.id).executeTakeFirstOrThrow();
    expect(completion).toMatchObject({ course_id: frontDesk.id, attempt_id: attemptId, source: 'quiz', score: 100, content_hash: frontDesk.contentHash });
    const cert = await t.db.selectFrom('certificates').selectAll().where('completion_id', '=', completion.id).executeTakeFirstOrThrow();
    certificateId = cert.id;
    code = cert.code;
  });

  test('the learner signs the second course\'s own policy, not the first course\'s', async () => {
    const att = await t.db.selectFrom('attestations').selectAll().where('user_id', '=', learner.user.id).executeTakeFirstOrThrow();
    expect(att).toMatchObject({ course_id: frontDesk.id, policy_title: 'Front Desk Privacy Policy', policy_version: frontDesk.policy.version, typed_name: 'Tamar Okonjo' });
  });

  test('the dashboard shows the second course done and the first still to do', async () => {
    const home = (await learner.agent.get('/')).text;
    expect(home).toContain('2 trainings are assigned to you: 1 is still to do.');
    expect(home).toContain('Completed');
    expect(home).toContain('Not started');
  });

  test('its certificate PDF, parsed back, names the person, the course, its policy and the code', async () => {
    const pdf = await downloadPdf(learner.agent, `/certificates/${certificateId}.pdf`);
    expect(pdf.status).toBe(200);
    const text = pdf.text.replace(/\s+/g, ' ');
    for (const s of ['Tamar Okonjo', frontDesk.title, `Course version ${frontDesk.version}`, 'Front Desk Privacy Policy', 'Valid until 2 Nov 2027', 'Quiz score 100%', code]) {
      expect(text).toContain(s);
    }
    expect(text).not.toContain(social.title);
  });

  test('the public verify page confirms the certificate for the second course', async () => {
    const page = await newAgent(t.app).get(`/verify/${code}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Tamar Okonjo');
    expect(page.text).toContain(html(frontDesk.title));
  });

  test('the transcript lists the completion under the second course', async () => {
    const page = (await learner.agent.get('/transcript')).text;
    expect(page).toContain(html(frontDesk.title));
    expect(page).toContain(code);
  });
});

describe('exports cover every course', () => {
  beforeAll(async () => {
    // The first course too, so the ZIP has one certificate of each.
    await completeCourse(learner.agent, social, 'Tamar Okonjo', t.clock);
    const other = await createPerson(t.db, t.clock, { email: 'raf@riverside.example', name: 'Rafe Lindholm', hireDate: '2026-11-02', department: 'Front Desk', employeeId: 'FD-8' });
    const agent = newAgent(t.app);
    await signIn(agent, 'raf@riverside.example', GOOD_PASSWORD);
    await completeCourse(agent, frontDesk, 'Rafe Lindholm', t.clock);
    expect(other.id).toBeGreaterThan(learner.user.id);
    // Three courses' lessons (over 40 minutes of reading) later, the idle admin's session has ended.
    const idle = await admin.get('/reports');
    expect([idle.status, idle.headers.location]).toEqual([303, '/login?next=%2Freports']);
    await adminSignsIn();
  });

  test('the certificate ZIP for every course has a folder per course, each PDF for its course', async () => {
    const zip = await bytes(admin, '/reports/certificates.zip?every_course=1');
    expect(zip.status).toBe(200);
    expect(downloadName(zip.headers['content-disposition']).utf8).toMatch(/^certificates-every-course-2026-11-02\.zip$/);
    const entries = storedZipEntries(zip.body);
    const names = entries.map((e) => e.name).sort();
    expect(names).toHaveLength(3);
    expect(names.filter((n) => n.startsWith(`${frontDesk.id}/`))).toHaveLength(2);
    expect(names.filter((n) => n.startsWith(`${social.id}/`))).toHaveLength(1);
    for (const e of entries) {
      const text = (await pdfText(e.data)).text.replace(/\s+/g, ' ');
      const course = e.name.startsWith(`${frontDesk.id}/`) ? frontDesk : social;
      expect([e.name, text.includes(course.title), text.includes(course.policy.title)]).toEqual([e.name, true, true]);
    }
    // The ZIP of one course still holds only that course's certificates, without folders.
    const one = storedZipEntries((await bytes(admin, `/reports/certificates.zip?course=${frontDesk.id}`)).body).map((e) => e.name);
    expect(one).toHaveLength(2);
    expect(one.every((n) => !n.includes('/'))).toBe(true);
  });

  test('the report page offers both ZIPs and names the course', async () => {
    const page = (await admin.get(`/reports?course=${frontDesk.id}`)).text;
    expect(page).toContain(html(`/reports/certificates.zip?course=${frontDesk.id}&every_course=1`));
    expect(page).toContain(html(`for ${frontDesk.title}`));
  });

  test('the team page shows each course\'s figures, switches course, and its links keep the course shown', async () => {
    const page = (await admin.get(`/team?course=${frontDesk.id}`)).text;
    expect(page).toContain(html(`${frontDesk.title}:`));
    expect(page).toContain(`<strong aria-current="page">${html(frontDesk.title)}</strong>`);
    expect(page).toContain(`<a href="/team?course=${social.id}">${html(social.title)}</a>`);
    expect(page).toContain(html(`/reports?course=${frontDesk.id}&status=overdue&status=expired`));
    // By course: 3 people in scope (the admin too); the front-desk course done by 2, the first course by 1.
    const row = (c: Course) => new RegExp(`${html(c.title).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</a></th><td data-label="People">(\\d+)</td><td data-label="Compliant">(\\d+)% \\((\\d+)\\)</td>`).exec(page)?.slice(1);
    expect(row(frontDesk)).toEqual(['3', '67', '2']);
    expect(row(social)).toEqual(['3', '33', '1']);
  });

  test('a bad every_course value is read as "this course", never a 500', async () => {
    const res = await bytes(admin, `/reports/certificates.zip?course=${frontDesk.id}&every_course=yes`);
    expect(res.status).toBe(200);
    expect(storedZipEntries(res.body)).toHaveLength(2);
  });

  test('the evidence CSV of a department has a line per course for each person, with course_id, and says what is missing', async () => {
    const dept = (await t.db.selectFrom('departments').select('id').where('name', '=', 'Front Desk').executeTakeFirstOrThrow()).id;
    const csv = await bytes(admin, `/reports/evidence.csv?department=${dept}`);
    expect(csv.status).toBe(200);
    const all = csvRows(csv.body);
    // The policy section (issue 16) follows the lines, under a "# Policy versions" line; no policy is
    // published here, so it holds only its three marker lines and their headers.
    const section = all.findIndex((r) => r.employee_id!.startsWith('# Policy versions'));
    expect(all.slice(section).map((r) => r.employee_id)).toEqual([
      '# Policy versions (the sha256 covers the title, the version and the exact text)', 'policy',
      '# Policy acknowledgements (each sha256 chains the version text hash to the signature)', 'employee_id',
      '# Policy signatures outstanding (what the assignment rules require and is not signed)', 'employee_id',
    ]);
    const rows = all.slice(0, section);
    const lines = rows.map((r) => [r.name, r.course_id, r.course, r.source, r.attestation?.split(',')[0]]);
    expect(lines).toEqual(expect.arrayContaining([
      ['Tamar Okonjo', frontDesk.id, frontDesk.title, 'quiz', `${frontDesk.policy.title} v${frontDesk.policy.version}`],
      ['Tamar Okonjo', social.id, social.title, 'quiz', `${social.policy.title} v${social.policy.version}`],
      ['Rafe Lindholm', frontDesk.id, frontDesk.title, 'quiz', `${frontDesk.policy.title} v${frontDesk.policy.version}`],
      ['Rafe Lindholm', social.id, social.title, 'no completion on record', ''],
    ]));
    expect(rows).toHaveLength(4);
  });

  test('the evidence PDF of a person names both courses', async () => {
    const pdf = await downloadPdf(admin, `/reports/evidence.pdf?person=${learner.user.id}`);
    expect(pdf.status).toBe(200);
    const text = pdf.text.replace(/\s+/g, ' ');
    expect(text).toContain('2 lines');
    for (const c of [social, frontDesk]) expect(text).toContain(c.policy.title);
  });
});

describe('each course signs its own policy', () => {
  // Each test has learners take a course, which moves the clock past the admin's idle limit.
  beforeEach(adminSignsIn);
  const savePolicy = async (fields: Record<string, string>) => {
    const page = await admin.get(`/admin/settings?course=${encodeURIComponent(fields.course_id ?? '')}`);
    return admin.post('/admin/settings/policy').type('form').send({ _csrf: csrfFrom(page.text), ...fields });
  };
  const attestPageFor = async (email: string, name: string, course: Course) => {
    await createPerson(t.db, t.clock, { email, name, hireDate: '2026-11-02' });
    const agent = newAgent(t.app);
    await signIn(agent, email, GOOD_PASSWORD);
    const attemptId = await passCourseQuiz(agent, course, t.clock);
    return (await agent.get(`/courses/${course.id}/attest/${attemptId}`)).text;
  };

  test('the settings page edits one course\'s policy at a time, starting from that course\'s file', async () => {
    const page = (await admin.get(`/admin/settings?course=${frontDesk.id}`)).text;
    expect(page).toContain(`<input type="hidden" name="course_id" value="${frontDesk.id}">`);
    expect(page).toContain('value="Front Desk Privacy Policy"');
    expect(page).toContain(html(`/admin/settings?course=${social.id}`));
    // An unknown course in the address shows the first course's policy, not an error.
    expect((await admin.get('/admin/settings?course=nope')).text).toContain(`<input type="hidden" name="course_id" value="${social.id}">`);
  });

  test('a version saved for the first course is not shown at the second course\'s attestation, and the reverse', async () => {
    const saved = await savePolicy({ course_id: social.id, policy_title: 'Lakeside Social Media Policy', policy_text: 'No posts about patients.' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/admin/settings?course=${social.id}`);
    const deskPage = await attestPageFor('desk@riverside.example', 'Dee Desk', frontDesk);
    expect(deskPage).toContain('Front Desk Privacy Policy');
    expect(deskPage).not.toContain('Lakeside Social Media Policy');

    expect((await savePolicy({ course_id: frontDesk.id, policy_title: 'Lakeside Front Desk Policy', policy_text: 'Sign-in sheets show names and times.' })).status).toBe(303);
    const rows = await t.db.selectFrom('policy_texts').select(['version', 'course_id', 'title']).orderBy('version').execute();
    expect(rows).toEqual([
      { version: 1, course_id: social.id, title: 'Lakeside Social Media Policy' },
      { version: 2, course_id: frontDesk.id, title: 'Lakeside Front Desk Policy' },
    ]);
    const socialPage = await attestPageFor('soc@riverside.example', 'Sol Social', social);
    expect(socialPage).toContain('Lakeside Social Media Policy');
    expect(socialPage).not.toContain('Lakeside Front Desk Policy');
    const deskAgain = await attestPageFor('desk2@riverside.example', 'Dora Desk', frontDesk);
    expect(deskAgain).toContain('Sign-in sheets show names and times.');
    expect(deskAgain).toContain('(version 2)');
    const audit = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'settings.policy_changed').orderBy('id').execute();
    expect(audit.map((e) => (JSON.parse(e.details) as { course_id: string }).course_id)).toEqual([social.id, frontDesk.id]);
  });

  test('a policy for a course that does not exist is refused with a message and saves nothing', async () => {
    const before = await t.db.selectFrom('policy_texts').select('version').execute();
    const res = await savePolicy({ course_id: 'no-such-course', policy_title: 'X Policy', policy_text: 'Text.' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('that course was not found');
    expect(await t.db.selectFrom('policy_texts').select('version').execute()).toEqual(before);
  });
});
