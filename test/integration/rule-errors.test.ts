import type { User } from '../../server/db/schema';
import { RuleError } from '../../server/errors';
import { purgeBefore } from '../../server/training/retention';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';

// A refusal raised inside a service (never an HTTP error there) reaches the browser as the status its
// code maps to, with the service's own words on the page. One real route per code that a service throws.
let t: TestApp;
let admin: User;

async function as(email: string): Promise<Agent> {
  const agent = newAgent(t.app);
  expect((await signIn(agent, email, GOOD_PASSWORD)).status).toBe(303);
  return agent;
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'nursing.mgr@riverside.example', role: 'manager', department: 'Nursing', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'pharmacy.mgr@riverside.example', role: 'manager', department: 'Pharmacy', hireDate: '2020-01-01' });
  await createPerson(t.db, t.clock, { email: 'learner@riverside.example', role: 'learner', hireDate: '2026-10-01' });
});
afterAll(async () => t.close());

describe('a service RuleError reaches the browser with its status and message', () => {
  test('not-found → 404: a report for a department that does not exist (reports service)', async () => {
    const agent = await as('admin@riverside.example');
    const res = await agent.get('/reports?department=987654');
    expect(res.status).toBe(404);
    expect(res.text).toContain('There is no such department.');
  });

  test("forbidden → 403: a manager asking for another department's report (reports service)", async () => {
    const pharmacy = (await t.services.people.departments()).find((d) => d.name === 'Pharmacy')!;
    const agent = await as('nursing.mgr@riverside.example');
    const res = await agent.get(`/reports?department=${pharmacy.id}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('That department is not in your team.');
    // The same request from the department's own manager is answered, so the 403 is the rule, not the route.
    expect((await (await as('pharmacy.mgr@riverside.example')).get(`/reports?department=${pharmacy.id}`)).status).toBe(200);
  });

  test('invalid → 400: report filters whose "due from" is after "due to" (report filters)', async () => {
    const agent = await as('admin@riverside.example');
    const res = await agent.get('/reports?due_from=2026-12-01&due_to=2026-11-01');
    expect(res.status).toBe(400);
    expect(res.text).toContain(html('The report filters could not be used: "due from" is after "due to".'));
  });

  test('conflict → 409: starting the quiz before every lesson is done (quiz service); nothing is written', async () => {
    const agent = await as('learner@riverside.example');
    const course = t.catalogue.courses[0]!;
    const page = await agent.get(`/courses/${course.id}`);
    const res = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(409);
    expect(res.text).toContain('The quiz opens once you have finished every lesson.');
    expect(await t.db.selectFrom('quiz_attempts').select('id').execute()).toEqual([]);
  });

  test('gone → 410: an answer to a scene a course update removed (the lesson route; no service refuses with gone)', async () => {
    const agent = await as('learner@riverside.example');
    const learner = await t.db.selectFrom('users').selectAll().where('email', '=', 'learner@riverside.example').executeTakeFirstOrThrow();
    const course = t.catalogue.courses[0]!;
    const lesson = course.lessons[0]!;
    // The row an earlier version of the course left behind: its scene is no longer in the course.
    const { id } = await t.db.insertInto('scene_answers').values({
      user_id: learner.id, course_id: course.id, cycle: 'onboarding', lesson_id: lesson.id, scene_id: 'scene-removed-by-update',
      choice_id: 'a', outcome: 'correct', next_scene_id: 'end', content_hash: 'old', answered_at: t.clock.now().toISOString(),
    }).returning('id').executeTakeFirstOrThrow();
    const res = await agent.get(`/courses/${course.id}/lessons/${lesson.id}/answers/${id}`);
    expect(res.status).toBe(410);
    expect(res.text).toContain('The course has been updated since you answered this; continue with the lesson.');
  });

  test('a JSON client gets the same status with the message', async () => {
    const agent = await as('admin@riverside.example');
    const res = await agent.get('/reports?department=987654').set('Accept', 'application/json');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'There is no such department.' });
  });
});

describe('the same RuleError in a service called without HTTP', () => {
  test('retention refuses a cutoff within six years with an invalid RuleError and removes nothing', async () => {
    const before = await t.db.selectFrom('audit_events').select('id').execute();
    const refusal = await purgeBefore(t.training, { id: admin.id, label: admin.email }, t.training.today()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RuleError);
    expect(refusal).toMatchObject({ code: 'invalid', message: expect.stringMatching(/kept six years/) });
    expect(await t.db.selectFrom('audit_events').select('id').execute()).toEqual(before);
  });
});
