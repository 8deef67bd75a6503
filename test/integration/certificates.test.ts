import type { Course } from '../../server/content/catalogue';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, submitForm, type Agent } from '../helpers/http';
import { completeCourse, passCourseQuiz } from '../helpers/learner';
import { downloadPdf } from '../helpers/pdf';

let t: TestApp;
let course: Course;
const DAY = 86_400_000;

async function person(email: string, name: string, extra: Parameters<typeof createPerson>[2] = {}): Promise<{ agent: Agent; id: number }> {
  const u = await createPerson(t.db, t.clock, { email, name, ...extra });
  const agent = newAgent(t.app);
  await signIn(agent, email, GOOD_PASSWORD);
  return { agent, id: u.id };
}

async function certificateOf(userId: number) {
  return t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
    .selectAll('certificates').where('completions.user_id', '=', userId).orderBy('certificates.id', 'desc').executeTakeFirstOrThrow();
}

beforeEach(async () => {
  // 2 Nov 2026, 14:00 UTC; Chicago time.
  t = await buildTestApp();
  course = t.catalogue.get('hipaa-social-media')!;
});
afterEach(async () => { await t.close(); });

describe('completion and certificate', () => {
  test('a new hire sees why the course is due, passes, attests and gets exactly one completion and certificate', async () => {
    const { agent, id } = await person('anh@riverside.example', 'Nguyễn Thị Ánh', { hireDate: '2026-11-02', department: 'Nursing' });
    const home = await agent.get('/');
    expect(home.text).toContain('Not started');
    expect(home.text).toContain('Due 2 Dec 2026: 30 days after your start date.');

    const attemptId = await completeCourse(agent, course, 'nguyễn  thị ánh', t.clock);
    const completions = await t.db.selectFrom('completions').selectAll().where('user_id', '=', id).execute();
    expect(completions).toHaveLength(1);
    expect(completions[0]).toMatchObject({ cycle: 'onboarding', due_on: '2026-12-02', attempt_id: attemptId, score: 100, source: 'quiz', content_hash: course.contentHash, valid_until: '2027-11-02' });
    const attestation = await t.db.selectFrom('attestations').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow();
    expect(attestation).toMatchObject({ policy_title: course.policy.title, policy_version: course.policy.version, typed_name: 'nguyễn  thị ánh' });
    expect(attestation.policy_hash).toMatch(/^[0-9a-f]{64}$/);
    const cert = await certificateOf(id);
    expect(cert.code).toMatch(/^PR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const actions = (await t.db.selectFrom('audit_events').select('action').execute()).map((e) => e.action);
    expect(actions.filter((a) => a === 'completion.recorded')).toHaveLength(1);
    expect(actions.filter((a) => a === 'certificate.issued')).toHaveLength(1);

    const after = await agent.get('/');
    expect(after.text).toContain('Completed');
    expect(after.text).toContain('Your next refresher opens on 3 Sep 2027');
    // Nothing to take until the window opens.
    expect((await agent.get(`/courses/${course.id}/lessons/${course.lessons[0]!.id}/play`)).status).toBe(409);
  });

  test('the PDF carries name, course, version, dates, score, attestation, code and verification URL; rendering is repeatable', async () => {
    const { agent, id } = await person('zoe@riverside.example', "Zoë O'Brien-Łukasiewicz");
    await completeCourse(agent, course, "Zoë O'Brien-Łukasiewicz", t.clock);
    const cert = await certificateOf(id);
    const first = await downloadPdf(agent, `/certificates/${cert.id}.pdf`);
    expect(first.status).toBe(200);
    expect(first.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = first.text.replace(/\s+/g, ' ');
    for (const s of ["Zoë O'Brien-Łukasiewicz", course.title, 'Riverside General', 'Completed on 2 Nov 2026', 'Valid until 2 Nov 2027', 'Quiz score 100%',
      `Course version ${course.version}`, course.policy.title, cert.code, `http://127.0.0.1:3000/verify/${cert.code}`]) {
      expect(text).toContain(s);
    }
    // Tagged, titled, in English, with the font embedded.
    const raw = first.bytes.toString('latin1');
    for (const marker of ['/StructTreeRoot', '/MarkInfo', '/Lang (en-US)', '/DisplayDocTitle true', '/FontFile2']) expect(raw).toContain(marker);
    const second = await downloadPdf(agent, `/certificates/${cert.id}.pdf`);
    expect(second.text).toBe(first.text);
  });

  test('the signed line prints the name as it is on record, not as it was typed', async () => {
    const { agent, id } = await person('thu@riverside.example', 'Trần Thị Thu');
    await completeCourse(agent, course, 'trần  thị thu', t.clock);
    const { text } = await downloadPdf(agent, `/certificates/${(await certificateOf(id)).id}.pdf`);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('signed "Trần Thị Thu"');
    expect(flat).not.toContain('trần');
  });

  test.each([['José Ñúñez'], ['Nguyễn Thị Ánh'], ['Αλέξανδρος Παπαδόπουλος'], ['Ольга Смирнова']])('the name %s prints as typed', async (name) => {
    const { agent, id } = await person('n@riverside.example', name);
    await completeCourse(agent, course, name, t.clock);
    const { text } = await downloadPdf(agent, `/certificates/${(await certificateOf(id)).id}.pdf`);
    expect(text).toContain(name);
  });

  test('attestation needs the box ticked and the name on record; nothing is recorded until then', async () => {
    const { agent, id } = await person('kai@riverside.example', 'Kai Nakamura');
    const attemptId = await passCourseQuiz(agent, course, t.clock);
    const result = await agent.get(`/courses/${course.id}/quiz/attempts/${attemptId}/result`);
    expect(result.text).toContain(`/courses/${course.id}/attest/${attemptId}`);
    const page = await agent.get(`/courses/${course.id}/attest/${attemptId}`);
    expect(page.text).toContain(html(course.policy.title));
    const noBox = await agent.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(page.text), typed_name: 'Kai Nakamura' });
    expect(noBox.status).toBe(400);
    expect(noBox.text).toContain('Tick the box');
    const wrongName = await agent.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(page.text), agree: 'yes', typed_name: 'Somebody Else' });
    expect(wrongName.status).toBe(400);
    expect(wrongName.text).toContain('exactly as it is on your record');
    expect(await t.db.selectFrom('completions').selectAll().where('user_id', '=', id).execute()).toHaveLength(0);
    expect(await t.db.selectFrom('attestations').selectAll().execute()).toHaveLength(0);
  });

  test('a repeated or concurrent finish yields exactly one completion and one certificate', async () => {
    const { agent, id } = await person('dup@riverside.example', 'Dana Upton');
    const attemptId = await passCourseQuiz(agent, course, t.clock);
    const page = await agent.get(`/courses/${course.id}/attest/${attemptId}`);
    const finish = () => agent.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(page.text), agree: 'yes', typed_name: 'Dana Upton' });
    const results = await Promise.all([finish(), finish(), finish(), finish()]);
    expect(results.every((r) => r.status === 303)).toBe(true);
    expect(await finish()).toHaveProperty('status', 303);
    expect(await t.db.selectFrom('completions').selectAll().where('user_id', '=', id).execute()).toHaveLength(1);
    expect(await t.db.selectFrom('certificates').selectAll().execute()).toHaveLength(1);
    expect(await t.db.selectFrom('attestations').selectAll().execute()).toHaveLength(1);
  });

  test('who may download: owner, their manager, admins and auditors; anyone else gets 404', async () => {
    await createPerson(t.db, t.clock, { email: 'boss@riverside.example', role: 'manager', department: 'Nursing' });
    const owner = await person('owner@riverside.example', 'Olu Owner', { department: 'Nursing/ICU' });
    await completeCourse(owner.agent, course, 'Olu Owner', t.clock);
    const url = `/certificates/${(await certificateOf(owner.id)).id}.pdf`;
    const as = async (email: string, role: 'learner' | 'manager' | 'admin' | 'auditor', department: string | null = null) => {
      await createPerson(t.db, t.clock, { email, role, department });
      const a = newAgent(t.app);
      await signIn(a, email, GOOD_PASSWORD);
      return (await a.get(url)).status;
    };
    expect((await owner.agent.get(url)).status).toBe(200);
    const boss = newAgent(t.app);
    await signIn(boss, 'boss@riverside.example', GOOD_PASSWORD);
    expect((await boss.get(url)).status).toBe(200);
    expect(await as('admin@riverside.example', 'admin')).toBe(200);
    expect(await as('auditor@riverside.example', 'auditor')).toBe(200);
    expect(await as('peer@riverside.example', 'learner', 'Nursing/ICU')).toBe(404);
    expect(await as('othermgr@riverside.example', 'manager', 'Pharmacy')).toBe(404);
    expect((await newAgent(t.app).get(url)).status).toBe(303);
    expect((await owner.agent.get('/certificates/999999.pdf')).status).toBe(404);
    expect((await owner.agent.get('/certificates/abc.pdf')).status).toBe(404);
  });
});

describe('verification and the next cycle', () => {
  test('valid, then expired after the validity passes; the dashboard shows the refresher due and a second cycle keeps the first intact', async () => {
    const { agent, id } = await person('ruth@riverside.example', 'Ruth Adeyemi', { hireDate: '2026-10-20' });
    await completeCourse(agent, course, 'Ruth Adeyemi', t.clock);
    const cert1 = await certificateOf(id);
    const pub = newAgent(t.app);
    const valid = await pub.get(`/verify/${cert1.code}`);
    expect(valid.status).toBe(200);
    expect(valid.text).toContain('Valid certificate');
    expect(valid.text).toContain('Ruth Adeyemi');
    expect(valid.text).toContain('2 Nov 2027');
    expect(valid.text).not.toContain('ruth@riverside.example');
    // Typed loosely: lower case, no hyphens, O for 0.
    const loose = cert1.code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o');
    const typed = await pub.get(`/verify?code=${encodeURIComponent(loose)}`);
    expect(typed.status).toBe(303);
    expect(typed.headers.location).toBe(`/verify/${cert1.code}`);

    // Ten months on the refresher window is open (a new sign-in: the old session has long timed out).
    t.clock.advance(305 * DAY);
    await signIn(agent, 'ruth@riverside.example', GOOD_PASSWORD);
    let home = await agent.get('/');
    expect(home.text).toContain('Due soon');
    expect(home.text).toContain('Due 2 Nov 2027: your certificate from 2 Nov 2026 is valid for 365 days.');
    // A year and a day on, it has expired.
    t.clock.advance(61 * DAY);
    expect((await pub.get(`/verify/${cert1.code}`)).text).toContain('Expired certificate');
    await signIn(agent, 'ruth@riverside.example', GOOD_PASSWORD);
    home = await agent.get('/');
    expect(home.text).toContain('Expired');

    // The refresher starts afresh: lessons are not started in the new cycle.
    expect(home.text).toContain(`0 of ${course.lessons.length} lessons done`);
    await completeCourse(agent, course, 'Ruth Adeyemi', t.clock);
    const completions = await t.db.selectFrom('completions').selectAll().where('user_id', '=', id).orderBy('id').execute();
    expect(completions.map((c) => c.cycle)).toEqual(['onboarding', 'annual-2027']);
    const certs = await t.db.selectFrom('certificates').selectAll().orderBy('id').execute();
    expect(certs).toHaveLength(2);
    expect(certs[0]).toEqual(cert1);
    expect((await downloadPdf(agent, `/certificates/${cert1.id}.pdf`)).status).toBe(200);
    const transcript = await agent.get('/transcript');
    expect(transcript.text).toContain(cert1.code);
    expect(transcript.text).toContain(certs[1]!.code);
    expect((await agent.get('/')).text).toContain('Completed');
  });

  test('revoke shows revoked with its date and the training no longer counts; reissue after a name correction replaces the old code', async () => {
    await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
    const admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    const { agent, id } = await person('jon@riverside.example', 'Jon Smyth');
    await completeCourse(agent, course, 'Jon Smyth', t.clock);
    const first = await certificateOf(id);

    // Name corrected by HR, then reissued.
    await submitForm(admin, `/admin/users/${id}`, `/admin/users/${id}`, { employee_id: '', email: 'jon@riverside.example', name: 'Jon Smith', role: 'learner', department: '', manager_email: '', hire_date: '' });
    const reissue = await submitForm(admin, `/admin/users/${id}`, `/admin/certificates/${first.id}/reissue`, {});
    expect(reissue.status).toBe(303);
    const second = await certificateOf(id);
    expect(second.id).not.toBe(first.id);
    expect(second.learner_name).toBe('Jon Smith');
    const old = await newAgent(t.app).get(`/verify/${first.code}`);
    expect(old.text).toContain('Replaced by a newer certificate');
    expect((await downloadPdf(agent, `/certificates/${second.id}.pdf`)).text).toContain('Jon Smith');

    const noReason = await submitForm(admin, `/admin/users/${id}`, `/admin/certificates/${second.id}/revoke`, { reason: '' });
    expect(noReason.status).toBe(303);
    expect((await certificateOf(id)).status).toBe('valid');
    t.clock.advance(3 * DAY);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    await signIn(agent, 'jon@riverside.example', GOOD_PASSWORD);
    await submitForm(admin, `/admin/users/${id}`, `/admin/certificates/${second.id}/revoke`, { reason: 'Quiz taken by someone else' });
    const revoked = await newAgent(t.app).get(`/verify/${second.code}`);
    expect(revoked.text).toContain('Revoked certificate');
    expect(revoked.text).toContain('revoked on 5 Nov 2026.');
    // The completion no longer counts: the onboarding cycle is open again.
    expect((await agent.get('/')).text).not.toContain('You are up to date');
    const actions = (await t.db.selectFrom('audit_events').select('action').execute()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['certificate.reissued', 'certificate.revoked']));
    // A second revoke is refused.
    expect((await submitForm(admin, `/admin/users/${id}`, `/admin/certificates/${second.id}/revoke`, { reason: 'again' })).status).toBe(409);
  });

  test('unknown or malformed codes are not found, without error', async () => {
    const pub = newAgent(t.app);
    expect((await pub.get('/verify/PR-0000-0000-0000-0000')).status).toBe(404);
    expect((await pub.get(`/verify/${encodeURIComponent("' OR 1=1 --")}`)).status).toBe(404);
    expect((await pub.get(`/verify/${'A'.repeat(500)}`)).status).toBe(404);
    const bad = await pub.get('/verify?code=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That is not a certificate code');
    const form = await pub.get('/verify');
    expect(form.status).toBe(200);
    expect(form.headers['set-cookie']).toBeUndefined();
  });

  test('verification is rate limited per address', async () => {
    const pub = newAgent(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 62; i += 1) statuses.push((await pub.get('/verify/PR-0000-0000-0000-0000')).status);
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
