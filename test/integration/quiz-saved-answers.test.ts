import type { Course } from '../../server/content/catalogue';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { playLesson, servedOn } from '../helpers/learner';

let t: TestApp;
let agent: Agent;
let course: Course;
const EMAIL = 'saver@riverside.example';
const SIGNED_OUT = 'You were signed out after 30 minutes — your answers are kept.';

async function openQuiz(a: Agent) {
  for (const l of course.lessons) await playLesson(a, course, l.id, t.clock);
  const page = await a.get(`/courses/${course.id}/quiz`);
  const res = await a.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
  const url = res.headers.location!;
  const quiz = await a.get(url);
  return { url, served: servedOn(quiz.text), token: csrfFrom(quiz.text), attemptId: Number(/attempts\/(\d+)/.exec(url)![1]) };
}

const correctOf = (question: string) => course.questions.find((q) => q.id === question)!.choices.filter((c) => c.correct).map((c) => c.id);
const checkedOn = (page: string) => [...page.matchAll(/name="q_([^"]+)" value="([^"]+)" checked/g)].map((m) => `${m[1]}=${m[2]}`).sort();
const savedRows = (attemptId: number) => t.db.selectFrom('quiz_saved_answers').selectAll().where('attempt_id', '=', attemptId).execute();

/** Saves the correct answer of the first `n` served questions, one POST each, as the script does. */
async function saveFirst(a: Agent, quiz: Awaited<ReturnType<typeof openQuiz>>, n: number) {
  for (const sq of quiz.served.slice(0, n)) {
    const body = [`_csrf=${encodeURIComponent(quiz.token)}`, `question=${encodeURIComponent(sq.question)}`, ...correctOf(sq.question).map((c) => `q_${encodeURIComponent(sq.question)}=${c}`)].join('&');
    const res = await a.post(`${quiz.url}/answers`).set('Accept', 'application/json').type('form').send(body);
    expect(res.status).toBe(200);
  }
}

const firstChecked = (quiz: Awaited<ReturnType<typeof openQuiz>>, n: number) =>
  quiz.served.slice(0, n).flatMap((sq) => correctOf(sq.question).map((c) => `${sq.question}=${c}`)).sort();

beforeEach(async () => {
  t = await buildTestApp();
  course = t.catalogue.get('hipaa-social-media')!;
  await createPerson(t.db, t.clock, { email: EMAIL });
  agent = newAgent(t.app);
  await signIn(agent, EMAIL, GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

describe('quiz answers kept on the server', () => {
  test('answers saved one by one are on the page after a reload, with "7 of 12 answered"', async () => {
    const quiz = await openQuiz(agent);
    expect((await agent.get(quiz.url)).text).toContain('0 of 12 answered');
    await saveFirst(agent, quiz, 7);
    const reloaded = await agent.get(quiz.url);
    expect(reloaded.text).toContain('7 of 12 answered');
    expect(checkedOn(reloaded.text)).toEqual(firstChecked(quiz, 7));
    expect(await savedRows(quiz.attemptId)).toHaveLength(7);
  });

  test('the JSON answer of a save counts the answered questions, and a second choice replaces the first', async () => {
    const quiz = await openQuiz(agent);
    const sq = quiz.served.find((s) => course.questions.find((q) => q.id === s.question)!.type === 'single')!;
    const save = (choice: string) => agent.post(`${quiz.url}/answers`).set('Accept', 'application/json').type('form')
      .send({ _csrf: quiz.token, question: sq.question, [`q_${sq.question}`]: choice });
    expect((await save(sq.choices[0]!)).body).toEqual({ saved: true, answered: 1, total: 12, progress: '1 of 12 answered' });
    expect((await save(sq.choices[1]!)).body).toMatchObject({ answered: 1 });
    expect((await savedRows(quiz.attemptId)).map((r) => r.choices)).toEqual([JSON.stringify([sq.choices[1]])]);
  });

  test('without JavaScript: one question per page, Save and next moves on, Back goes back, the last goes to the review', async () => {
    const quiz = await openQuiz(agent);
    const first = await agent.get(`${quiz.url}?q=1`);
    expect(first.status).toBe(200);
    expect(servedOn(first.text).map((s) => s.question)).toEqual([quiz.served[0]!.question]);
    expect(first.text).toContain('Question 1 of 12.');
    const [a, b] = [quiz.served[0]!, quiz.served[1]!];
    const next = await agent.post(`${quiz.url}/answers`).type('form').send({ _csrf: csrfFrom(first.text), question: a.question, [`q_${a.question}`]: a.choices[0], go: 'next' });
    expect(next.status).toBe(303);
    expect(next.headers.location).toBe(`${quiz.url}?q=2`);
    const second = await agent.get(next.headers.location!);
    expect(second.text).toContain('1 of 12 answered');
    const back = await agent.post(`${quiz.url}/answers`).type('form').send({ _csrf: csrfFrom(second.text), question: b.question, [`q_${b.question}`]: b.choices[0], go: 'back' });
    expect(back.headers.location).toBe(`${quiz.url}?q=1`);
    expect(checkedOn((await agent.get(`${quiz.url}?q=1`)).text)).toEqual([`${a.question}=${a.choices[0]}`]);
    const last = quiz.served[11]!;
    const review = await agent.post(`${quiz.url}/answers`).type('form').send({ _csrf: quiz.token, question: last.question, [`q_${last.question}`]: last.choices[0], go: 'next' });
    expect(review.headers.location).toBe(quiz.url);
    expect((await agent.get(quiz.url)).text).toContain('3 of 12 answered');
  });

  test('a choice that was not served, a question not in the attempt or two answers to a one-answer question are refused and change nothing', async () => {
    const quiz = await openQuiz(agent);
    const sq = quiz.served.find((s) => course.questions.find((q) => q.id === s.question)!.type === 'single')!;
    const other = course.questions.find((q) => !quiz.served.some((s) => s.question === q.id))!;
    const post = (body: Record<string, string | string[]>) => agent.post(`${quiz.url}/answers`).type('form').send({ _csrf: quiz.token, ...body });
    const wrongChoice = await post({ question: sq.question, [`q_${sq.question}`]: 'zz', go: 'next' });
    expect(wrongChoice.status).toBe(400);
    expect(wrongChoice.text).toContain('Choose from the options shown.');
    expect((await post({ question: other.id, [`q_${other.id}`]: other.choices[0]!.id })).status).toBe(400);
    expect((await post({ question: sq.question, [`q_${sq.question}`]: sq.choices.slice(0, 2) })).status).toBe(400);
    const json = await agent.post(`${quiz.url}/answers`).set('Accept', 'application/json').type('form').send({ _csrf: quiz.token, question: sq.question, [`q_${sq.question}`]: 'zz' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('Choose from the options shown.');
    expect(await savedRows(quiz.attemptId)).toHaveLength(0);
  });

  test('submit grades saved answers together with the posted ones, on the server, then the saved rows go', async () => {
    const quiz = await openQuiz(agent);
    await saveFirst(agent, quiz, 7);
    const rest = quiz.served.slice(7).flatMap((sq) => correctOf(sq.question).map((c) => `q_${encodeURIComponent(sq.question)}=${c}`));
    const res = await agent.post(quiz.url).type('form').send([`_csrf=${encodeURIComponent(quiz.token)}`, ...rest].join('&'));
    expect(res.status).toBe(303);
    const attempt = await t.db.selectFrom('quiz_attempts').selectAll().where('id', '=', quiz.attemptId).executeTakeFirstOrThrow();
    expect({ score: attempt.score, correct: attempt.correct_count, served: JSON.parse(attempt.served) }).toEqual({ score: 100, correct: 12, served: quiz.served });
    expect(await savedRows(quiz.attemptId)).toHaveLength(0);
    const late = await agent.post(`${quiz.url}/answers`).set('Accept', 'application/json').type('form')
      .send({ _csrf: quiz.token, question: quiz.served[0]!.question, [`q_${quiz.served[0]!.question}`]: quiz.served[0]!.choices[0] });
    expect(late.status).toBe(409);
  });

  test('a submit missing answers is refused with the saved answers still on the page and nothing changed', async () => {
    const quiz = await openQuiz(agent);
    await saveFirst(agent, quiz, 7);
    const res = await agent.post(quiz.url).type('form').send({ _csrf: quiz.token });
    expect(res.status).toBe(400);
    expect(res.text).toContain('5 questions need attention');
    expect(res.text).toContain('7 of 12 answered');
    expect(await savedRows(quiz.attemptId)).toHaveLength(7);
  });
});

describe('an idle sign-out in the middle of the quiz', () => {
  test('the next page says why, sign-in returns to the quiz and the 7 answers are there', async () => {
    const quiz = await openQuiz(agent);
    await saveFirst(agent, quiz, 7);
    t.clock.advanceMinutes(31);
    const gone = await agent.get(quiz.url);
    expect(gone.status).toBe(303);
    expect(gone.headers.location).toBe(`/login?next=${encodeURIComponent(quiz.url)}`);
    const login = await agent.get(gone.headers.location!);
    expect(login.text).toContain(html(SIGNED_OUT));
    const signedIn = await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), email: EMAIL, password: GOOD_PASSWORD, next: quiz.url });
    expect(signedIn.headers.location).toBe(quiz.url);
    const back = await agent.get(quiz.url);
    expect(back.text).toContain('7 of 12 answered');
    expect(back.text).not.toContain(html(SIGNED_OUT));
    expect(checkedOn(back.text)).toEqual(firstChecked(quiz, 7));
  });

  test('a submit sent after the sign-out gets the sign-in page, not "Not allowed", and can be sent again after signing in', async () => {
    const quiz = await openQuiz(agent);
    await saveFirst(agent, quiz, 7);
    t.clock.advanceMinutes(31);
    const rest = quiz.served.slice(7).flatMap((sq) => correctOf(sq.question).map((c) => `q_${encodeURIComponent(sq.question)}=${c}`));
    const late = await agent.post(quiz.url).set('Referer', `http://127.0.0.1${quiz.url}`).type('form').send([`_csrf=${encodeURIComponent(quiz.token)}`, ...rest].join('&'));
    expect(late.status).toBe(401);
    expect(late.text).toContain(html(SIGNED_OUT));
    expect(late.text).not.toContain('Not allowed');
    expect((await t.db.selectFrom('quiz_attempts').select('submitted_at').where('id', '=', quiz.attemptId).executeTakeFirstOrThrow()).submitted_at).toBeNull();
    const resend = /name="resend" value="([^"]+)"/.exec(late.text)![1]!.replace(/&#34;/g, '"').replace(/&amp;/g, '&');
    expect(JSON.parse(resend)).toMatchObject({ action: quiz.url });
    const signedIn = await agent.post('/login').type('form').send({ _csrf: csrfFrom(late.text), email: EMAIL, password: GOOD_PASSWORD, next: quiz.url, resend });
    expect(signedIn.headers.location).toBe(`/resume?next=${encodeURIComponent(quiz.url)}`);
    const resume = await agent.get(signedIn.headers.location!);
    expect(resume.text).toContain('You are signed in again');
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(resume.text)!;
    expect(form[1]).toBe(quiz.url);
    const fields = [...form[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => `${encodeURIComponent(m[1]!)}=${encodeURIComponent(m[2]!)}`);
    const sent = await agent.post(form[1]!).type('form').send(fields.join('&'));
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`${quiz.url}/result`);
    const attempt = await t.db.selectFrom('quiz_attempts').selectAll().where('id', '=', quiz.attemptId).executeTakeFirstOrThrow();
    expect(attempt.correct_count).toBe(12);
    // Shown once: a second visit goes straight back to the page.
    expect((await agent.get('/resume?next=/transcript')).headers.location).toBe('/transcript');
  });

  test('a save from the script after the sign-out gets a JSON 401 with where to sign in', async () => {
    const quiz = await openQuiz(agent);
    t.clock.advanceMinutes(31);
    const sq = quiz.served[0]!;
    const res = await agent.post(`${quiz.url}/answers`).set('Accept', 'application/json').set('Referer', `http://127.0.0.1${quiz.url}`).type('form')
      .send({ _csrf: quiz.token, question: sq.question, [`q_${sq.question}`]: sq.choices[0] });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: `${SIGNED_OUT} Sign in again to carry on where you were (a session ends after 30 minutes without activity).`, signIn: `/login?next=${encodeURIComponent(quiz.url)}` });
  });

  test('signing out after the session ended just goes to the sign-in page', async () => {
    const page = await agent.get('/');
    t.clock.advanceMinutes(31);
    const res = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?signedOut=1');
  });

  test('a carried form can only be a learner\'s own quiz or attestation form here, never another form, sign-in itself or elsewhere', async () => {
    const login = await newAgent(t.app).get('/login');
    const visitor = newAgent(t.app);
    const page = await visitor.get('/login');
    for (const action of ['//evil.example/x', 'https://evil.example/x', '/login', '/logout', '/\\evil.example', '/admin/users/1', '/password/abc']) {
      const res = await visitor.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: EMAIL, password: GOOD_PASSWORD, resend: JSON.stringify({ action, fields: [] }) });
      expect({ action, location: res.headers.location }).toEqual({ action, location: '/' });
      await visitor.post('/logout').type('form').send({ _csrf: csrfFrom((await visitor.get('/')).text) });
    }
    expect(login.status).toBe(200);
  });
});
