import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Course } from '../../server/content/catalogue';
import { createApp } from '../../server/app';
import { createLogger } from '../../server/http/logging';
import { compose } from '../../server/compose';
import { buildTestApp, type TestApp } from '../helpers/app';
import { copyFixture } from '../helpers/content';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { playLesson, quizAnswers, servedOn } from '../helpers/learner';

let t: TestApp;
let agent: Agent;
let course: Course;
let learnerId: number;

async function finishLessons(a: Agent) {
  for (const l of course.lessons) await playLesson(a, course, l.id, t.clock);
}

async function startQuiz(a: Agent) {
  const page = await a.get(`/courses/${course.id}/quiz`);
  const res = await a.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
  expect(res.status).toBe(303);
  const quiz = await a.get(res.headers.location!);
  return { url: res.headers.location!, quiz, attemptId: Number(/attempts\/(\d+)/.exec(res.headers.location!)![1]) };
}

beforeEach(async () => {
  t = await buildTestApp();
  course = t.catalogue.get('hipaa-social-media')!;
  learnerId = (await createPerson(t.db, t.clock, { email: 'learner@riverside.example' })).id;
  agent = newAgent(t.app);
  await signIn(agent, 'learner@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

describe('quiz', () => {
  test('opens only when every lesson is done', async () => {
    const page = await agent.get(`/courses/${course.id}/quiz`);
    expect(page.text).toContain('opens once you have finished every lesson');
    const res = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(409);
    expect(await t.db.selectFrom('quiz_attempts').selectAll().execute()).toHaveLength(0);
  });

  test('serves questionsPerAttempt questions spread across lessons, stores exactly what was served, and never shows which answers are correct', async () => {
    await finishLessons(agent);
    const { quiz, attemptId } = await startQuiz(agent);
    const served = servedOn(quiz.text);
    expect(served).toHaveLength(course.questionsPerAttempt);
    const perLesson = new Map<string, number>();
    for (const sq of served) { const l = course.questions.find((q) => q.id === sq.question)!.lesson; perLesson.set(l, (perLesson.get(l) ?? 0) + 1); }
    expect(perLesson.size).toBe(course.lessons.length);
    expect(Math.max(...perLesson.values()) - Math.min(...perLesson.values())).toBeLessThanOrEqual(1);
    const row = await t.db.selectFrom('quiz_attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.served)).toEqual(served.map((s) => ({ question: s.question, choices: s.choices })));
    expect(row.content_hash).toBe(course.contentHash);
    // Correct and wrong options are marked up identically: only type, id, name and value.
    const inputs = [...quiz.text.matchAll(/<input type="(?:radio|checkbox)"([^>]*)>/g)].map((m) => [...m[1]!.matchAll(/ ([a-z-]+)=/g)].map((a) => a[1]).join(','));
    expect(inputs.length).toBeGreaterThan(served.length);
    expect(new Set(inputs)).toEqual(new Set(['id,name,value']));
    expect(quiz.text).not.toMatch(/data-correct|"correct"/);
    for (const sq of served) {
      const q = course.questions.find((x) => x.id === sq.question)!;
      expect(quiz.text).not.toContain(q.explanationHtml.slice(3, 40));
    }
  });

  test('all right → 100% and passed; the result shows the score and the full review (every question, right answer, explanation)', async () => {
    await finishLessons(agent);
    const { url, quiz } = await startQuiz(agent);
    const served = servedOn(quiz.text);
    const res = await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, served, true)}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${url}/result`);
    const result = await agent.get(res.headers.location!);
    expect(result.text).toContain('Your score: 100%');
    expect(result.text).toContain('You passed.');
    expect(result.text).not.toContain('Questions to study again');
    for (const sq of served) {
      const q = course.questions.find((x) => x.id === sq.question)!;
      expect(result.text).toContain(html(q.prompt));
      expect(result.text).toContain(q.explanationHtml.slice(3, 40));
      for (const c of q.choices.filter((x) => x.correct)) expect(result.text).toContain(`${html(c.text)} <strong class="outcome-best">right answer</strong> <em>your answer</em>`);
    }
    const attempt = await t.db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', learnerId).executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ score: 100, passed: 1, correct_count: served.length });
    expect(await t.db.selectFrom('audit_events').select('action').where('action', '=', 'quiz.passed').execute()).toHaveLength(1);
  });

  test('a fail names the missed questions and the lesson to review for each, not the answers; a retake draws a new attempt; score is percent correct', async () => {
    await finishLessons(agent);
    const { url, quiz, attemptId } = await startQuiz(agent);
    const served = servedOn(quiz.text);
    // 9 of 12 right = 75% < 80%.
    const body = quizAnswers(course, served, (i) => i < 9);
    await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${body}`);
    const result = await agent.get(`${url}/result`);
    expect(result.text).toContain(`Your score: ${Math.round((9 / served.length) * 100)}%`);
    expect(result.text).toContain('You need 80% to pass.');
    expect(result.text).not.toContain('Correct answer');
    for (const [i, sq] of served.entries()) {
      const q = course.questions.find((x) => x.id === sq.question)!;
      const lesson = course.lessons.findIndex((l) => l.id === q.lesson);
      if (i >= 9) {
        expect(result.text).toContain(html(q.prompt));
        expect(result.text).toContain(`Review lesson ${lesson + 1}:</strong> <a href="/courses/${course.id}/lessons/${q.lesson}">${html(course.lessons[lesson]!.title)}</a>`);
      } else {
        expect(result.text).not.toContain(html(q.prompt));
      }
      expect(result.text).not.toContain(q.explanationHtml.slice(3, 40));
      for (const c of q.choices) expect(result.text).not.toContain(html(c.text));
    }
    expect(result.text).toContain('You have 2 attempts left in this set of 3.');
    const retake = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(result.text) });
    expect(retake.status).toBe(303);
    expect(Number(/attempts\/(\d+)/.exec(retake.headers.location!)![1])).not.toBe(attemptId);
    const attempts = await t.db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', learnerId).orderBy('id').execute();
    expect(attempts.map((a) => a.passed)).toEqual([0, null]);
  });

  test('a multiple-answer question is right only with exactly the correct set', async () => {
    // The draw is random: about one attempt in thirty holds no multiple-answer question. Another learner
    // then gets a draw of their own (a retake would count against the attempt limit).
    let learner = { agent, id: learnerId };
    let drawn: Awaited<ReturnType<typeof startQuiz>> | undefined;
    let served: ReturnType<typeof servedOn> = [];
    let multi = -1;
    for (let tries = 0; multi < 0; tries += 1) {
      if (tries === 8) throw new Error('no multiple-answer question was drawn in 8 attempts');
      if (tries > 0) {
        const email = `learner${tries}@riverside.example`;
        learner = { agent: newAgent(t.app), id: (await createPerson(t.db, t.clock, { email })).id };
        await signIn(learner.agent, email, GOOD_PASSWORD);
      }
      await finishLessons(learner.agent);
      drawn = await startQuiz(learner.agent);
      served = servedOn(drawn.quiz.text);
      multi = served.findIndex((sq) => course.questions.find((q) => q.id === sq.question)!.type === 'multiple');
    }
    const { url, quiz } = drawn!;
    const q = course.questions.find((x) => x.id === served[multi]!.question)!;
    const correct = q.choices.filter((c) => c.correct).map((c) => c.id);
    const wrong = q.choices.filter((c) => !c.correct).map((c) => c.id);
    // The correct set plus one wrong option: not right.
    const rest = quizAnswers(course, served.filter((_, i) => i !== multi), true);
    const extra = [...correct, wrong[0]!].map((c) => `q_${q.id}=${c}`).join('&');
    await learner.agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${rest}&${extra}`);
    const attempt = await t.db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', learner.id).executeTakeFirstOrThrow();
    expect(attempt.correct_count).toBe(served.length - 1);
  });

  test('tampering: missing answers, unknown question or choice ids, two answers to a single question → 400, nothing recorded', async () => {
    await finishLessons(agent);
    const { url, quiz } = await startQuiz(agent);
    const served = servedOn(quiz.text);
    const csrf = `_csrf=${encodeURIComponent(csrfFrom(quiz.text))}`;
    const allRight = quizAnswers(course, served, true);
    const missing = await agent.post(url).type('form').send(`${csrf}&${quizAnswers(course, served.slice(1), true)}`);
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('1 question needs attention');
    expect(missing.text).toContain('checked');
    const unknownQ = await agent.post(url).type('form').send(`${csrf}&${allRight}&q_not-a-question=a`);
    expect(unknownQ.status).toBe(400);
    expect(unknownQ.text).toContain('not part of this attempt');
    const unknownChoice = await agent.post(url).type('form').send(`${csrf}&${quizAnswers(course, served.slice(1), true)}&q_${served[0]!.question}=zzz`);
    expect(unknownChoice.status).toBe(400);
    expect(unknownChoice.text).toContain('Choose from the options shown');
    const single = served.find((sq) => course.questions.find((q) => q.id === sq.question)!.type === 'single')!;
    const two = served.filter((sq) => sq !== single);
    const doubled = await agent.post(url).type('form').send(`${csrf}&${quizAnswers(course, two, true)}&${single.choices.map((c) => `q_${single.question}=${c}`).join('&')}`);
    expect(doubled.status).toBe(400);
    expect(doubled.text).toContain('Choose one answer');
    const row = await t.db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', learnerId).executeTakeFirstOrThrow();
    expect(row.submitted_at).toBeNull();
  });

  test('submitting twice, or twice at once, grades the attempt exactly once', async () => {
    await finishLessons(agent);
    const { url, quiz } = await startQuiz(agent);
    const body = `_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), true)}`;
    const results = await Promise.all([agent.post(url).type('form').send(body), agent.post(url).type('form').send(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
    const later = await agent.post(url).type('form').send(body);
    expect(later.status).toBe(409);
    expect(later.text).toContain('already submitted');
    expect(await t.db.selectFrom('audit_events').select('id').where('action', 'like', 'quiz.%').execute()).toHaveLength(1);
  });

  test("someone else's attempt is not found, and cannot be submitted", async () => {
    await finishLessons(agent);
    const { url, quiz } = await startQuiz(agent);
    await createPerson(t.db, t.clock, { email: 'mallory@riverside.example' });
    const mallory = newAgent(t.app);
    await signIn(mallory, 'mallory@riverside.example', GOOD_PASSWORD);
    expect((await mallory.get(url)).status).toBe(404);
    const home = await mallory.get('/');
    const res = await mallory.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(home.text))}&${quizAnswers(course, servedOn(quiz.text), true)}`);
    expect(res.status).toBe(404);
    expect((await mallory.get(`${url}/result`)).status).toBe(404);
    const row = await t.db.selectFrom('quiz_attempts').selectAll().executeTakeFirstOrThrow();
    expect(row.submitted_at).toBeNull();
  });

  test('an attempt served under older content is refused with 409 after the course changes', async () => {
    const dir = copyFixture();
    try {
      const env = { CONTENT_DIR: dir };
      const t1 = await buildTestApp(env);
      const mini = t1.catalogue.get('mini')!;
      await createPerson(t1.db, t1.clock, { email: 'ana@riverside.example' });
      const a = newAgent(t1.app);
      await signIn(a, 'ana@riverside.example', GOOD_PASSWORD);
      for (const l of mini.lessons) await playLesson(a, mini, l.id, t1.clock);
      const page = await a.get('/courses/mini/quiz');
      const start = await a.post('/courses/mini/quiz/attempts').type('form').send({ _csrf: csrfFrom(page.text) });
      const quiz = await a.get(start.headers.location!);
      const body = `_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(mini, servedOn(quiz.text), true)}`;

      // The organisation edits the course and restarts: same database, new content version.
      fs.appendFileSync(path.join(dir, 'courses/mini/quiz.yaml'), '\n# reviewed\n');
      const restarted = compose(t1.config, { database: t1.database, clock: t1.clock, log: createLogger('silent') });
      expect(restarted.catalogue.get('mini')!.contentHash).not.toBe(mini.contentHash);
      const app2 = createApp(restarted);
      const cookie = (await a.get('/')).request.cookies;
      const res = await request(app2).post(start.headers.location!).set('Cookie', cookie).type('form').send(body);
      expect(res.status).toBe(409);
      expect(res.text).toContain('The course was updated after this quiz was given to you');
      const row = await t1.db.selectFrom('quiz_attempts').selectAll().executeTakeFirstOrThrow();
      expect(row.submitted_at).toBeNull();
      restarted.sessions.stop();
      await t1.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  async function failOnce(a: Agent) {
    const { url, quiz } = await startQuiz(a);
    const res = await a.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), false)}`);
    expect(res.status).toBe(303);
  }

  test('attempts opened side by side cannot add up to more than a set: the extra one is refused when submitted, and nothing is graded', async () => {
    await finishLessons(agent);
    await failOnce(agent);
    await failOnce(agent);
    const { url, quiz, attemptId } = await startQuiz(agent);
    // A second open attempt, as a concurrent start in another tab could leave behind.
    const open = await t.db.selectFrom('quiz_attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
    const { id: otherId } = await t.db.insertInto('quiz_attempts').values({ ...open, id: undefined }).returning('id').executeTakeFirstOrThrow();
    const body = `_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), false)}`;
    expect((await agent.post(url).type('form').send(body)).status).toBe(303);
    const extra = await agent.post(`/courses/${course.id}/quiz/attempts/${otherId}`).type('form').send(body);
    expect(extra.status).toBe(409);
    expect(extra.text).toContain('You have used all 3 quiz attempts of this set.');
    const other = await t.db.selectFrom('quiz_attempts').selectAll().where('id', '=', otherId).executeTakeFirstOrThrow();
    expect(other.submitted_at).toBeNull();
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'quiz.failed').execute()).toHaveLength(3);
  });

  test('QUIZ_MAX_ATTEMPTS=0 keeps attempts unlimited for an operator who insists, without a count on the page', async () => {
    const t1 = await buildTestApp({ QUIZ_MAX_ATTEMPTS: '0' });
    try {
      const c = t1.catalogue.get('hipaa-social-media')!;
      await createPerson(t1.db, t1.clock, { email: 'many@riverside.example' });
      const a = newAgent(t1.app);
      await signIn(a, 'many@riverside.example', GOOD_PASSWORD);
      for (const l of c.lessons) await playLesson(a, c, l.id, t1.clock);
      for (let i = 0; i < 5; i += 1) {
        const page = await a.get(`/courses/${c.id}/quiz`);
        expect(page.text).not.toContain('attempts left');
        const start = await a.post(`/courses/${c.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
        expect(start.status).toBe(303);
        const quiz = await a.get(start.headers.location!);
        await a.post(start.headers.location!).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(c, servedOn(quiz.text), false)}`);
      }
      expect(await t1.db.selectFrom('quiz_attempts').select('id').where('submitted_at', 'is not', null).execute()).toHaveLength(5);
    } finally {
      await t1.close();
    }
  });
});
