import type { Course } from '../../../server/content/catalogue';
import type { ServedQuestion } from '../../../server/learning/draw';
import { ensureFirstAdmin } from '../../../server/users/first-admin';
import { recordInPerson } from '../../../server/training/record';
import { buildTestApp, type TestApp } from '../app';
import { createPerson, GOOD_PASSWORD } from '../factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../http';
import { SPOT_FIXTURE_CONTENT } from '../content';
import { passCourseQuiz, playLesson, rightAnswer } from '../learner';
import type { Target } from './types';

// ---------------------------------------------------------------------------------------------------
// The world: a main app with an admin and learners in each state, and a second app with no admin yet
// (so /setup/:token has a live link).

export let t: TestApp;
export let fresh: TestApp;
export let course: Course;
export let admin: Agent;
export const ids = { admin: 0, victim: 0, goner: 0, certHolder: 0, scene: 0, quiz: 0, attest: 0, attestAttempt: 0, pwPerson: 0, invitee: 0 };
export const learners = new Map<'scene' | 'quiz' | 'attest', Agent>();
export const tokens = new Map<Agent, string>();
export let setupToken = '';
export let pwToken = '';
export const setSetupToken = (token: string) => { setupToken = token; };
export const setPwToken = (token: string) => { pwToken = token; };
export let counter = 0;
export const uniq = () => { counter += 1; return counter; };

export const TODAY = '2026-11-02'; // the TestClock's day in America/Chicago
export const ATTEST_NAME = 'Ada Attester';

export async function tokenOf(agent: Agent, page: string): Promise<string> {
  let token = tokens.get(agent);
  if (!token) {
    token = csrfFrom((await agent.get(page)).text);
    tokens.set(agent, token);
  }
  return token;
}


/** Builds the world; each test file has its own (jest gives every file its own modules). */
export async function setUpWorld(): Promise<void> {
  // The sign-in limiter counts per IP and every request here comes from 127.0.0.1 (see the header).
  // Hostile input, not limits: every run may grade an attempt, and a set of three would run out after
  // a random number of runs (attempt sets and their cool-down are tested in quiz and probe tests).
  t = await buildTestApp({ LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000', QUIZ_MAX_ATTEMPTS: '0' });
  fresh = await buildTestApp({ LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000' });
  course = t.catalogue.courses[0]!;
  ids.admin = (await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ann Admin' })).id;
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  ids.victim = (await createPerson(t.db, t.clock, { email: 'victim@riverside.example', name: 'Victor Ames', department: 'Nursing/ICU', employeeId: 'V1001' })).id;
  ids.goner = (await createPerson(t.db, t.clock, { email: 'goner@riverside.example', name: 'Gale Gone', password: null, employeeId: 'G1001' })).id;
  await deactivated(ids.goner);
  await createPerson(t.db, t.clock, { email: 'history@riverside.example', name: 'Hal History', password: null, employeeId: 'H1001' });
  await createPerson(t.db, t.clock, { email: 'login.target@riverside.example', name: 'Lou Login' });
  await createPerson(t.db, t.clock, { email: 'leaver@riverside.example', name: 'Lee Leaver' });
  ids.pwPerson = (await createPerson(t.db, t.clock, { email: 'pw.person@riverside.example', name: 'Pat Password', password: null })).id;
  ids.invitee = (await createPerson(t.db, t.clock, { email: 'invitee@riverside.example', name: 'Ivy Invitee', password: null })).id;
  ids.certHolder = (await validCertificate()).owner;

  const people: ['scene' | 'quiz' | 'attest', string, string][] = [
    ['scene', 'scene.learner@riverside.example', 'Sid Scene'],
    ['quiz', 'quiz.learner@riverside.example', 'Quinn Quiz'],
    ['attest', 'attest.learner@riverside.example', ATTEST_NAME],
  ];
  for (const [key, email, name] of people) {
    ids[key] = (await createPerson(t.db, t.clock, { email, name })).id;
    const agent = newAgent(t.app);
    await signIn(agent, email, GOOD_PASSWORD);
    learners.set(key, agent);
  }
  const quiz = learners.get('quiz')!;
  for (const l of course.lessons) await playLesson(quiz, course, l.id, t.clock);
  ids.attestAttempt = await passCourseQuiz(learners.get('attest')!, course, t.clock);
  // Those lessons took their minimum reading time on the test clock, longer than the session idle
  // limit: everyone signs in again in a new browser, and the CSRF tokens of the old sessions are forgotten.
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  for (const [key, email] of people) {
    const agent = newAgent(t.app);
    await signIn(agent, email, GOOD_PASSWORD);
    learners.set(key, agent);
  }
  tokens.clear();

  const first = await ensureFirstAdmin(fresh.uow, fresh.clock, undefined, fresh.config.orgName);
  if (first.kind !== 'setup-link') throw new Error('the second app should start without an admin');
  setupToken = first.token;
}

/** Registers the world's set-up and tear-down in the calling test file. */
export function useWorld(): void {
  beforeAll(setUpWorld, 120_000);
  afterAll(async () => {
    await t?.close();
    await fresh?.close();
    await spotWorld?.app.close();
    spotWorld = undefined;
  });
}


/** Deactivates a person through the admin form (the reactivate form needs someone to reactivate). */
export async function deactivated(id: number): Promise<number> {
  const user = await t.db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  if (user.status === 'active') await admin.post(`/admin/users/${id}/deactivate`).type('form').send({ _csrf: await tokenOf(admin, '/admin/users/new') });
  return id;
}

/** A valid certificate to revoke or reissue: the newest one, or one made for a new person if none is valid. */
export async function validCertificate(): Promise<{ id: number; owner: number }> {
  const row = await t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
    .select(['certificates.id', 'completions.user_id']).where('certificates.status', '=', 'valid').orderBy('certificates.id', 'desc').executeTakeFirst();
  if (row) return { id: row.id, owner: row.user_id };
  const n = uniq();
  const owner = await createPerson(t.db, t.clock, { email: `cert${n}@riverside.example`, name: `Cora Cert ${n}`, password: null });
  await recordInPerson(t.training, { id: ids.admin, label: 'admin@riverside.example' }, owner, course, {
    course_id: course.id, completed_on: '2026-10-01', trainer: 'Tess Trainer', reason: 'Paper sign-in sheet',
  });
  return validCertificate();
}

export const asAdmin = async (): Promise<Target> => ({ app: t, agent: admin, token: await tokenOf(admin, '/admin/users/new'), signedIn: true });
export const asLearner = (key: 'scene' | 'quiz' | 'attest') => async (): Promise<Target> => {
  const agent = learners.get(key)!;
  return { app: t, agent, token: await tokenOf(agent, '/transcript'), signedIn: true };
};
/** A new visitor each run (sign-in, sign-out and the token links change or end the session). */
export const visitor = (app: () => TestApp) => async (): Promise<Target> => {
  const agent = newAgent(app().app);
  return { app: app(), agent, token: csrfFrom((await agent.get('/login')).text), signedIn: false };
};

export const choiceIds = () => [...new Set(course.lessons.flatMap((l) => l.scenes.flatMap((s) => s.choices.map((c) => c.id))))];

/** The learner's open quiz attempt, started over HTTP when there is none (a success grades it). */
export async function openAttempt(): Promise<{ id: number; served: ServedQuestion[] }> {
  const find = () => t.db.selectFrom('quiz_attempts').select(['id', 'served']).where('user_id', '=', ids.quiz).where('submitted_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
  let row = await find();
  if (!row) {
    const { agent, token } = await asLearner('quiz')();
    await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: token });
    row = await find();
  }
  if (!row) throw new Error('could not open a quiz attempt');
  return { id: row.id, served: JSON.parse(row.served) as ServedQuestion[] };
}

/**
 * Where the scene learner stands: the first lesson not yet finished and its current scene. The lesson is
 * opened first, as the player page does for a browser (answering an unopened lesson is covered by the
 * regression test at the end).
 */
export async function openScene(): Promise<Record<string, string>> {
  const p = await currentScene();
  const agent = learners.get('scene')!;
  const page = await agent.get(`/courses/${p.courseId}/lessons/${p.lessonId}/play`);
  // The choice form acts on choice scenes: a spot-the-PHI scene on the way is answered right, as a reader would.
  const scene = course.lessons.find((l) => l.id === p.lessonId)?.scenes.find((s) => s.id === p.sceneId);
  if (page.status === 200 && scene?.spot) {
    const { path, body } = rightAnswer(scene);
    await agent.post(`/courses/${p.courseId}/lessons/${p.lessonId}/scenes/${scene.id}${path}`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}${body}`);
    await agent.get(`/courses/${p.courseId}/lessons/${p.lessonId}/play`);
  }
  return currentScene();
}

/**
 * The spot-the-PHI form needs a spot scene, which the shipped course need not have: a second app over
 * the fixture course (test/fixtures/content-spot), built on first use, with a learner on one of its spot
 * scenes. A learner who has moved past them (to the choice scene, or the end) is replaced by a new one,
 * so every run finds the form's scene.
 */
export interface SpotWorld { app: TestApp; course: Course; agent: Agent; token: string; learnerId: number }
let spotWorld: SpotWorld | undefined;

export async function spotLearner(): Promise<SpotWorld> {
  spotWorld ??= await (async () => {
    const app = await buildTestApp({ CONTENT_DIR: SPOT_FIXTURE_CONTENT, LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000' });
    return { app, course: app.catalogue.get('spot')!, agent: newAgent(app.app), token: '', learnerId: 0 };
  })();
  const w = spotWorld;
  const here = w.learnerId ? await spotScene(w) : undefined;
  if (!here?.spot) {
    const email = `spotter${uniq()}@riverside.example`;
    w.learnerId = (await createPerson(w.app.db, w.app.clock, { email, name: 'Sam Spotter' })).id;
    w.agent = newAgent(w.app.app);
    await signIn(w.agent, email, GOOD_PASSWORD);
    w.token = csrfFrom((await w.agent.get(`/courses/${w.course.id}/lessons/${w.course.lessons[0]!.id}/play`)).text);
  }
  return w;
}

/** The scene the spot learner is on (the first lesson's), or undefined when the lesson is finished. */
export async function spotScene(w: SpotWorld) {
  const lesson = w.course.lessons[0]!;
  const row = await w.app.db.selectFrom('lesson_progress').selectAll().where('user_id', '=', w.learnerId).where('lesson_id', '=', lesson.id).executeTakeFirst();
  if (row?.completed_at) return undefined;
  return lesson.scenes.find((s) => s.id === (row?.current_scene_id ?? lesson.scenes[0]!.id));
}

export async function currentScene(): Promise<Record<string, string>> {
  const rows = await t.db.selectFrom('lesson_progress').selectAll().where('user_id', '=', ids.scene).where('course_id', '=', course.id).execute();
  const lesson = course.lessons.find((l) => !rows.find((r) => r.lesson_id === l.id)?.completed_at) ?? course.lessons[course.lessons.length - 1]!;
  const row = rows.find((r) => r.lesson_id === lesson.id);
  return { courseId: course.id, lessonId: lesson.id, sceneId: row?.current_scene_id ?? lesson.scenes[0]!.id };
}

/** A person the admin can record an in-person completion for (one without a completion yet). */
export async function completionTarget(): Promise<number> {
  const row = await t.db.selectFrom('users').select('id').where('email', 'like', 'inperson%')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('completions').select('id').whereRef('completions.user_id', '=', 'users.id')))).executeTakeFirst();
  if (row) return row.id;
  const n = uniq();
  return (await createPerson(t.db, t.clock, { email: `inperson${n}@riverside.example`, name: `Ivy Inperson ${n}`, password: null })).id;
}

export const csvLine = (cells: string[]) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');

/** The outbox keys of a person's invitations (the first, then each resend). */
export async function invitationKeys(id: number): Promise<string[]> {
  const rows = await t.db.selectFrom('outbox').select('key').where('user_id', '=', id)
    .where((eb) => eb.or([eb('key', '=', `invitation:${id}`), eb('key', 'like', `invitation:${id}:%`)])).execute();
  return rows.map((r) => r.key);
}
