import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { answer, playLesson, sceneIdOn } from '../helpers/learner';
import type { Course } from '../../server/content/catalogue';

let t: TestApp;
let agent: Agent;
let course: Course;
let learnerId: number;
beforeEach(async () => {
  t = await buildTestApp();
  course = t.catalogue.get('hipaa-social-media')!;
  learnerId = (await createPerson(t.db, t.clock, { email: 'learner@riverside.example', name: 'Tomás Rivera' })).id;
  agent = newAgent(t.app);
  await signIn(agent, 'learner@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const base = () => `/courses/${course.id}`;

describe('lesson player', () => {
  test('the dashboard and course page list the lessons in order with progress; later lessons are locked', async () => {
    const home = await agent.get('/');
    expect(home.text).toContain(html(course.title));
    expect(home.text).toContain(`0 of ${course.lessons.length} lessons done`);
    const page = await agent.get(base());
    expect(page.status).toBe(200);
    const titles = [...page.text.matchAll(/class="lesson-title"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(titles).toEqual(course.lessons.map((l) => html(l.title)));
    expect(page.text).toContain('<progress max="100" value="0"');
    const second = course.lessons[1]!.id;
    expect((await agent.get(`${base()}/lessons/${second}/play`)).status).toBe(409);
  });

  test('a learner works through every lesson; each answer is recorded with its outcome and content version', async () => {
    let total = 0;
    for (const lesson of course.lessons) {
      const visited = await playLesson(agent, course, lesson.id, t.clock);
      expect(visited.length).toBeGreaterThanOrEqual(3);
      total += visited.length;
      const done = await agent.get(`${base()}/lessons/${lesson.id}`);
      expect(done.text).toContain('Lesson complete');
      expect(done.text).toContain('Key takeaways');
    }
    const answers = await t.db.selectFrom('scene_answers').selectAll().where('user_id', '=', learnerId).execute();
    expect(answers).toHaveLength(total);
    expect(new Set(answers.map((a) => a.outcome))).toEqual(new Set(['best']));
    expect(new Set(answers.map((a) => a.content_hash))).toEqual(new Set([course.contentHash]));
    const progress = await t.db.selectFrom('lesson_progress').selectAll().where('user_id', '=', learnerId).execute();
    expect(progress.filter((p) => p.completed_at)).toHaveLength(course.lessons.length);
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'lesson.completed').execute()).toHaveLength(course.lessons.length);
    expect((await agent.get('/')).text).toContain(`${course.lessons.length} of ${course.lessons.length} lessons done`);
  });

  test('a violation shows its consequence and citation, then sends the learner back to choose again', async () => {
    const lesson = course.lessons[0]!;
    const first = lesson.scenes[0]!;
    const violation = first.choices.find((c) => c.outcome === 'violation')!;
    const { sceneId, res } = await answer(agent, course, lesson.id, violation.id);
    expect(sceneId).toBe(first.id);
    expect(res.headers.location).toMatch(/\/answers\/\d+#feedback$/);
    const feedback = await agent.get(res.headers.location!.replace('#feedback', ''));
    expect(feedback.text).toContain('This would breach patient privacy');
    expect(feedback.text).toContain(html(violation.reference));
    expect(feedback.text).toContain('Try again');
    const again = await agent.get(`${base()}/lessons/${lesson.id}/play`);
    expect(sceneIdOn(again.text)).toBe(first.id);
    const best = first.choices.find((c) => c.outcome === 'best')!;
    const second = await answer(agent, course, lesson.id, best.id);
    expect(second.sceneId).toBe(first.id);
    const next = await agent.get(`${base()}/lessons/${lesson.id}/play`);
    expect(sceneIdOn(next.text)).toBe(best.next);
  });

  test('an acceptable choice may branch to a different scene than the best one', async () => {
    const lesson = course.lessons.find((l) => l.scenes[0]!.choices.some((c) => c.outcome === 'acceptable' && c.next !== l.scenes[0]!.choices.find((b) => b.outcome === 'best')!.next));
    expect(lesson).toBeDefined();
    const acceptable = lesson!.scenes[0]!.choices.find((c) => c.outcome === 'acceptable')!;
    if (lesson!.id !== course.lessons[0]!.id) {
      for (const l of course.lessons) { if (l.id === lesson!.id) break; await playLesson(agent, course, l.id, t.clock); }
    }
    await answer(agent, course, lesson!.id, acceptable.id);
    const next = await agent.get(`${base()}/lessons/${lesson!.id}/play`);
    expect(sceneIdOn(next.text)).toBe(acceptable.next);
  });

  test('progress is saved after every answer: signing out and back in resumes at the same scene', async () => {
    const lesson = course.lessons[0]!;
    const best = lesson.scenes[0]!.choices.find((c) => c.outcome === 'best')!;
    await answer(agent, course, lesson.id, best.id);
    const home = await agent.get('/');
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) });
    const again = newAgent(t.app);
    await signIn(again, 'learner@riverside.example', GOOD_PASSWORD);
    expect((await again.get(`${base()}/lessons/${lesson.id}`)).text).toContain('Continue where you left off');
    const page = await again.get(`${base()}/lessons/${lesson.id}/play`);
    expect(sceneIdOn(page.text)).toBe(best.next);
  });

  test('answering the same scene twice (double submit, two tabs) records one answer and moves on once', async () => {
    const lesson = course.lessons[0]!;
    const page = await agent.get(`${base()}/lessons/${lesson.id}/play`);
    const sceneId = sceneIdOn(page.text);
    const best = lesson.scenes[0]!.choices.find((c) => c.outcome === 'best')!;
    const post = () => agent.post(`${base()}/lessons/${lesson.id}/scenes/${sceneId}`).type('form').send({ _csrf: csrfFrom(page.text), choice: best.id });
    const results = await Promise.all([post(), post(), post()]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(await t.db.selectFrom('scene_answers').selectAll().execute()).toHaveLength(1);
  });

  test('bad answers: no choice → 400 on the same scene; an unknown choice → 400; an unknown lesson or course → 404', async () => {
    const lesson = course.lessons[0]!;
    const page = await agent.get(`${base()}/lessons/${lesson.id}/play`);
    const sceneId = sceneIdOn(page.text);
    const none = await agent.post(`${base()}/lessons/${lesson.id}/scenes/${sceneId}`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(none.status).toBe(400);
    expect(none.text).toContain('Choose one of the options');
    expect(sceneIdOn(none.text)).toBe(sceneId);
    const unknown = await agent.post(`${base()}/lessons/${lesson.id}/scenes/${sceneId}`).type('form').send({ _csrf: csrfFrom(page.text), choice: 'zzz' });
    expect(unknown.status).toBe(400);
    const arr = await agent.post(`${base()}/lessons/${lesson.id}/scenes/${sceneId}`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&choice=a&choice=b`);
    expect(arr.status).toBe(400);
    expect((await agent.get(`${base()}/lessons/nope/play`)).status).toBe(404);
    expect((await agent.get('/courses/nope')).status).toBe(404);
    expect(await t.db.selectFrom('scene_answers').selectAll().execute()).toHaveLength(0);
  });

  test("another learner's feedback page is not found", async () => {
    const lesson = course.lessons[0]!;
    const { res } = await answer(agent, course, lesson.id, lesson.scenes[0]!.choices[0]!.id);
    await createPerson(t.db, t.clock, { email: 'other@riverside.example' });
    const other = newAgent(t.app);
    await signIn(other, 'other@riverside.example', GOOD_PASSWORD);
    expect((await other.get(res.headers.location!.replace('#feedback', ''))).status).toBe(404);
    expect((await newAgent(t.app).get(`${base()}`)).status).toBe(303);
  });
});
