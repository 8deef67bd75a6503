import { parse } from 'csv-parse/sync';
import type { Course } from '../../server/content/catalogue';
import { recordInPerson } from '../../server/training/record';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, submitForm, type Agent } from '../helpers/http';
import { completeCourse, playLesson, quizAnswers, rightAnswer, sceneIdOn, servedOn } from '../helpers/learner';

// Issue 12, "Medium (compliance) — a certificate in half a second": a script answered every scene,
// then took the quiz again and again (attempts were unlimited), read the answer key off each failed
// attempt's result page, and passed: 4 fails and a pass within 130 ms, then a certificate. These tests
// run that script, and each defence on its own, with the default settings.

let t: TestApp;
let course: Course;

beforeEach(async () => {
  t = await buildTestApp();
  course = t.catalogue.get('hipaa-social-media')!;
});
afterEach(async () => { await t.close(); });

async function learner(email: string, name = 'Lee Learner'): Promise<{ agent: Agent; id: number }> {
  const { id } = await createPerson(t.db, t.clock, { email, name });
  const agent = newAgent(t.app);
  await signIn(agent, email, GOOD_PASSWORD);
  return { agent, id };
}

/** The scripted player: a best choice for every scene, as fast as HTTP allows. Returns the refusal, if any. */
async function scriptLesson(agent: Agent, lessonId: string): Promise<{ status: number; text: string } | undefined> {
  const lesson = course.lessons.find((l) => l.id === lessonId)!;
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await agent.get(`/courses/${course.id}/lessons/${lessonId}/play`);
    if (page.status === 303) return undefined;
    if (page.status !== 200) return { status: page.status, text: page.text };
    const sceneId = sceneIdOn(page.text);
    const { path, body } = rightAnswer(lesson.scenes.find((s) => s.id === sceneId)!);
    const res = await agent.post(`/courses/${course.id}/lessons/${lessonId}/scenes/${sceneId}${path}`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}${body}`);
    if (res.status !== 303) return { status: res.status, text: res.text };
  }
  throw new Error('lesson did not end');
}

async function startAttempt(agent: Agent) {
  const page = await agent.get(`/courses/${course.id}/quiz`);
  return agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
}

/** Starts an attempt and answers every question wrongly; returns its URL, what was served and the result page. */
async function failAttempt(agent: Agent) {
  const start = await startAttempt(agent);
  expect(start.status).toBe(303);
  const url = start.headers.location!;
  const quiz = await agent.get(url);
  const served = servedOn(quiz.text);
  const graded = await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, served, false)}`);
  expect(graded.status).toBe(303);
  const result = await agent.get(`${url}/result`);
  return { url, served, result };
}

const certificates = async () => (await t.db.selectFrom('certificates').selectAll().execute()).length;
const tableRows = async () => ({
  progress: await t.db.selectFrom('lesson_progress').selectAll().execute(),
  answers: await t.db.selectFrom('scene_answers').selectAll().execute(),
  audit: await t.db.selectFrom('audit_events').selectAll().execute(),
  status: await t.db.selectFrom('status_index').selectAll().execute(),
});

describe('Medium (compliance): a certificate in half a second', () => {
  it('the scripted run — scene answers, 4 failed attempts harvesting the key from their result pages, then a pass — no longer ends in a certificate', async () => {
    const { agent } = await learner('script@riverside.example', 'Sam Script');
    const refusals: number[] = [];
    for (const l of course.lessons) {
      const refused = await scriptLesson(agent, l.id);
      if (refused) refusals.push(refused.status);
    }
    // The harvest: every "correct answer" any result page shows, by question prompt.
    const key = new Map<string, string>();
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const start = await startAttempt(agent);
      if (start.status !== 303) break;
      const url = start.headers.location!;
      const quiz = await agent.get(url);
      const served = servedOn(quiz.text);
      const parts = served.flatMap((sq) => {
        const q = course.questions.find((x) => x.id === sq.question)!;
        const known = key.get(html(q.prompt));
        const fromKey = attempt < 4 || !known ? [] : q.choices.filter((c) => known.includes(html(c.text))).map((c) => c.id);
        return (fromKey.length ? fromKey : [sq.choices[0]!]).map((c) => `q_${sq.question}=${c}`);
      });
      await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${parts.join('&')}`);
      const result = await agent.get(`${url}/result`);
      for (const item of result.text.split('<li class="result').slice(1)) {
        const m = /<p class="result-q">([^<]*)<\/p>[\s\S]*?Correct answer: ([^<]*)<\/p>/.exec(item);
        if (m) key.set(m[1]!, m[2]!);
      }
      if (result.text.includes('You passed.')) {
        const attest = await agent.get(`/courses/${course.id}/attest/${/attempts\/(\d+)/.exec(url)![1]}`);
        await agent.post(`/courses/${course.id}/attest/${/attempts\/(\d+)/.exec(url)![1]}`).type('form')
          .send({ _csrf: csrfFrom(attest.text), agree: 'yes', typed_name: 'Sam Script' });
        break;
      }
    }
    expect(await certificates()).toBe(0);
    expect(await t.db.selectFrom('completions').selectAll().execute()).toHaveLength(0);
    expect(key.size).toBe(0);
    expect(refusals).toContain(409);
  });

  it('a lesson finished sooner than it can be read is refused with how much longer to spend, and changes nothing; after that time it is accepted', async () => {
    const { agent } = await learner('reader@riverside.example');
    const lesson = course.lessons[0]!;
    await agent.get(`/courses/${course.id}/lessons/${lesson.id}/play`);
    t.clock.advance(30_000);
    // Every scene but the last is answered as the script would; the answer that ends the lesson is refused.
    let last: { status: number; text: string } | undefined;
    let before = await tableRows();
    for (let guard = 0; guard < 50 && !last; guard += 1) {
      const page = await agent.get(`/courses/${course.id}/lessons/${lesson.id}/play`);
      const sceneId = sceneIdOn(page.text);
      const scene = lesson.scenes.find((s) => s.id === sceneId)!;
      const ends = (scene.spot?.next ?? scene.choices.find((c) => c.outcome === 'best')!.next) === 'end';
      if (ends) before = await tableRows();
      const { path, body } = rightAnswer(scene);
      const res = await agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/${sceneId}${path}`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}${body}`);
      if (ends) last = { status: res.status, text: res.text };
      else expect(res.status).toBe(303);
    }
    expect(last!.status).toBe(409);
    expect(last!.text).toMatch(/sooner than it can be read\. Spend about \d+ minutes? more with it/);
    expect(last!.text).toContain('choose your answer again');
    expect(await tableRows()).toEqual(before);
    expect(before.progress[0]!.completed_at).toBeNull();

    // The lesson's stated length is more than its minimum: a reader who spends it gets through.
    t.clock.advanceMinutes(lesson.minutes);
    expect(await scriptLesson(agent, lesson.id)).toBeUndefined();
    const row = await t.db.selectFrom('lesson_progress').selectAll().executeTakeFirstOrThrow();
    expect(row.completed_at).not.toBeNull();
  });

  it('an admin can turn the minimum lesson time off for one person (an accessibility accommodation), audited like any person edit', async () => {
    await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ann Admin' });
    const admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    const timed = await learner('timed@riverside.example', 'Tim Timed');
    const untimed = await learner('untimed@riverside.example', 'Una Untimed');
    const page = await admin.get(`/admin/users/${untimed.id}`);
    expect(page.text).toContain('No minimum lesson time (accessibility accommodation)');
    const { employee_id: employeeId } = await t.db.selectFrom('users').select('employee_id').where('id', '=', untimed.id).executeTakeFirstOrThrow();
    const saved = await submitForm(admin, `/admin/users/${untimed.id}`, `/admin/users/${untimed.id}`, {
      employee_id: employeeId ?? '', email: 'untimed@riverside.example', name: 'Una Untimed', role: 'learner', department: '', manager_email: '', hire_date: '', untimed_lessons: 'yes',
    });
    expect(saved.status).toBe(303);
    const event = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'user.updated').where('subject_id', '=', String(untimed.id)).executeTakeFirstOrThrow();
    expect(JSON.parse(event.details)).toEqual({ untimed_lessons: { from: 0, to: 1 } });
    expect((await admin.get(`/admin/users/${untimed.id}`)).text).toMatch(/name="untimed_lessons" value="yes" checked/);

    expect((await scriptLesson(timed.agent, course.lessons[0]!.id))?.status).toBe(409);
    expect(await scriptLesson(untimed.agent, course.lessons[0]!.id)).toBeUndefined();
  });

  it('with the default settings quiz attempts run out after 3, the learner is told when a fresh set opens, and it opens after the 24-hour cool-down', async () => {
    const { agent } = await learner('tries@riverside.example');
    for (const l of course.lessons) await playLesson(agent, course, l.id, t.clock);
    const first = await failAttempt(agent);
    await failAttempt(agent);
    const third = await failAttempt(agent);
    const lastSubmitted = t.clock.now();
    const early = await startAttempt(agent);
    expect(early.status).toBe(409);
    expect(first.result.text).toContain('You have 2 attempts left in this set of 3.');
    expect(third.result.text).not.toContain('Retake the quiz');

    t.clock.advanceMinutes(23 * 60 + 59);
    await signIn(agent, 'tries@riverside.example', GOOD_PASSWORD);
    const page = await agent.get(`/courses/${course.id}/quiz`);
    // Shown in the organisation's time zone (America/Chicago in tests) and the app's one date style:
    // "3 Nov 2026, 08:15 CST", 24 hours after the third attempt.
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Chicago', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    }).formatToParts(new Date(lastSubmitted.getTime() + 24 * 3_600_000)).map((x) => [x.type, x.value]));
    const opens = `${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
    expect(opens).toMatch(/^3 Nov 2026, \d\d:\d\d CST$/);
    expect(page.text).toContain(`You have used all 3 quiz attempts of this set. You can try again from <strong>${opens}</strong>`);
    const refused = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(`You can try again from ${opens}`);
    expect(await t.db.selectFrom('quiz_attempts').selectAll().execute()).toHaveLength(3);

    t.clock.advanceMinutes(1);
    const fresh = await agent.get(`/courses/${course.id}/quiz`);
    expect(fresh.text).toContain('You have 3 attempts left in this set of 3.');
    const fourth = await failAttempt(agent);
    expect(fourth.result.text).toContain('You have 2 attempts left in this set of 3.');
  });

  it('harvested failed-attempt result pages reveal no answer key: no page the learner can reach marks the correct choice of a missed question', async () => {
    const { agent } = await learner('harvest@riverside.example');
    for (const l of course.lessons) await playLesson(agent, course, l.id, t.clock);
    const pages: string[] = [];
    const missed = new Set<string>();
    const results: { served: { question: string }[]; text: string }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { url, served, result } = await failAttempt(agent);
      for (const sq of served) missed.add(sq.question);
      pages.push(result.text, (await agent.get(url).redirects(1)).text);
      results.push({ served, text: result.text });
    }
    for (const url of ['/', '/transcript', `/courses/${course.id}`, `/courses/${course.id}/quiz`]) pages.push((await agent.get(url)).text);
    expect(missed.size).toBeGreaterThan(course.questionsPerAttempt);
    for (const id of missed) {
      const q = course.questions.find((x) => x.id === id)!;
      for (const page of pages) {
        for (const c of q.choices.filter((x) => x.correct)) expect(page).not.toContain(html(c.text));
        expect(page).not.toContain(q.explanationHtml.slice(3, 60));
      }
    }
    for (const page of pages) expect(page).not.toMatch(/Correct answer|result-right|Right\./);
    // Each missed question is still named, with the lesson that teaches it, so the page helps a learner.
    for (const { served, text } of results) {
      for (const sq of served) {
        const q = course.questions.find((x) => x.id === sq.question)!;
        expect(text).toContain(html(q.prompt));
        expect(text).toContain(`/courses/${course.id}/lessons/${q.lesson}"`);
      }
    }
  });

  it('reports flag completions done implausibly fast: the person record, the report page and a pace column in the CSV after recorded_by, where it was added', async () => {
    await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ann Admin' });
    const admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    // Fast: someone without a minimum lesson time (an accommodation) who scripts the whole course.
    const fast = await learner('fast@riverside.example', 'Fay Fast');
    const { employee_id: employeeId } = await t.db.selectFrom('users').select('employee_id').where('id', '=', fast.id).executeTakeFirstOrThrow();
    await submitForm(admin, `/admin/users/${fast.id}`, `/admin/users/${fast.id}`, {
      employee_id: employeeId ?? '', email: 'fast@riverside.example', name: 'Fay Fast', role: 'learner', department: '', manager_email: '', hire_date: '', untimed_lessons: 'yes',
    });
    for (const l of course.lessons) expect(await scriptLesson(fast.agent, l.id)).toBeUndefined();
    const start = await startAttempt(fast.agent);
    const url = start.headers.location!;
    const quiz = await fast.agent.get(url);
    await fast.agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), true)}`);
    const attemptId = /attempts\/(\d+)/.exec(url)![1];
    const attest = await fast.agent.get(`/courses/${course.id}/attest/${attemptId}`);
    expect((await fast.agent.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(attest.text), agree: 'yes', typed_name: 'Fay Fast' })).status).toBe(303);
    // Ok: someone who spends the lessons' time. In person: no lesson to time.
    const steady = await learner('steady@riverside.example', 'Sue Steady');
    await completeCourse(steady.agent, course, 'Sue Steady', t.clock);
    const inPerson = await createPerson(t.db, t.clock, { email: 'paper@riverside.example', name: 'Pat Paper' });
    await recordInPerson(t.training, { id: 1, label: 'admin@riverside.example', ip: null }, inPerson, course, {
      course_id: course.id, completed_on: '2026-10-01', trainer: 'Tess Trainer', reason: 'Paper sign-in sheet',
    });

    const csv = await admin.get('/reports/export.csv?sort=name').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const records = parse((csv.body as Buffer).toString('utf8'), { bom: true }) as string[][];
    // pace was added after recorded_by, the 16th column; it keeps that place, and the columns that came
    // later (issue 16) follow it, so an import reading columns by position still finds it there.
    const PACE = 15;
    expect(records[0]!.slice(PACE - 1)).toEqual(['recorded_by', 'pace', 'course_id', 'assignment', 'policy_version', 'exempt_reason']);
    const paceOf = (name: string) => records.find((r) => r[1] === name && r[PACE + 1] === course.id)![PACE];
    expect([paceOf('Fay Fast'), paceOf('Sue Steady'), paceOf('Pat Paper')]).toEqual(['fast', 'ok', '']);

    const report = await admin.get('/reports?status=completed');
    expect(report.text).toMatch(/Fay Fast<\/a>[\s\S]*?<strong class="pace-fast">Fast<\/strong>/);
    const person = await admin.get(`/admin/users/${fast.id}`);
    expect(person.text).toContain('Done implausibly fast');
    const stored = await t.db.selectFrom('completions').select(['user_id', 'pace', 'study_seconds', 'min_study_seconds']).execute();
    const fastRow = stored.find((c) => c.user_id === fast.id)!;
    expect(fastRow.study_seconds!).toBeLessThan(fastRow.min_study_seconds!);
  });
});
