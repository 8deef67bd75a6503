import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { verifyAuditChain } from '../../server/audit/service';
import { ensureFirstAdmin } from '../../server/auth/setup';
import { findLiveToken } from '../../server/auth/tokens';
import type { Course } from '../../server/content/catalogue';
import type { AuditEvent, User } from '../../server/db/schema';
import type { ServedQuestion } from '../../server/learning/draw';
import { viewsDir } from '../../server/paths';
import { recordInPerson } from '../../server/training/record';
import { issuePasswordLink } from '../../server/users/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { passCourseQuiz, playLesson } from '../helpers/learner';
import { routeTable } from '../helpers/routes';

// Issue 8, "hostile input": every POST route of the app, listed from its own route table, gets random
// hostile bodies from fast-check (random Unicode, lone surrogates, NUL bytes, BOMs, huge values, missing,
// repeated and array fields, prototype keys, broken percent-encoding, odd content types and encodings,
// broken multipart), sent with a valid CSRF token by someone allowed to use the route, at real records
// in the state the route acts on, and sometimes at hostile route parameters. For every answer:
//   - never a 5xx;
//   - a 4xx changes nothing: every table (but sessions) has the same rows before and after; an HTML or
//     JSON 4xx carries a sentence for the person;
//   - a 2xx/3xx leaves a whole change: SQLite's integrity and foreign-key checks pass, the audit hash
//     chain verifies, every record has its evidence (certificate ↔ completion ↔ attestation ↔ audit
//     event), the status index agrees with the records, the route's own promise holds (the person,
//     answer, attempt, completion… it redirects to exists), and the page it redirects to (or, for the
//     routes that show a new set-password link in their own answer, that answer) renders and, for
//     routes that report by flash message, says what happened;
//   - Object, Array, Function and String prototypes are untouched.
// A POST route this file does not know fails the first test, like the access matrix's rule table.
//
// Deliberate exceptions, each justified where it is set up:
//   - sessions is not compared (every request may touch its own session row);
//   - POST /login records a failed sign-in by design (audit auth.login_failed / auth.locked /
//     auth.device_forgotten, the sign_in_throttle count and known-device failures in sign_in_devices):
//     those rows and tables are left out of its comparison;
//   - LOGIN_RATE_LIMIT and LOGIN_ACCOUNT_RATE_LIMIT are raised for this app, so the failed-sign-in limits
//     (tested in auth.test and test/probe) do not turn every later sign-in run into the same 429.
// The defects this file found (a multipart part with an empty name, a second or overlong sign-in
// `next`, a completion before the year 1000, 32,767+ employee IDs in one file, answering a lesson before
// opening it) are fixed; each has a regression test at the end, and the generators include them.

const SEED = 20261208;
const RUNS = Number(process.env.PROPERTY_FORMS_RUNS ?? 30);
const STATS = process.env.PROPERTY_FORMS_STATS === '1';

// ---------------------------------------------------------------------------------------------------
// The world: a main app with an admin and learners in each state, and a second app with no admin yet
// (so /setup/:token has a live link).

let t: TestApp;
let fresh: TestApp;
let course: Course;
let admin: Agent;
const ids = { admin: 0, victim: 0, goner: 0, certHolder: 0, scene: 0, quiz: 0, attest: 0, attestAttempt: 0, pwPerson: 0 };
const learners = new Map<'scene' | 'quiz' | 'attest', Agent>();
const tokens = new Map<Agent, string>();
let setupToken = '';
let pwToken = '';
let counter = 0;
const uniq = () => { counter += 1; return counter; };

const TODAY = '2026-11-02'; // the TestClock's day in America/Chicago
const ATTEST_NAME = 'Ada Attester';

async function tokenOf(agent: Agent, page: string): Promise<string> {
  let token = tokens.get(agent);
  if (!token) {
    token = csrfFrom((await agent.get(page)).text);
    tokens.set(agent, token);
  }
  return token;
}

beforeAll(async () => {
  // The sign-in limiter counts per IP and every request here comes from 127.0.0.1 (see the header).
  t = await buildTestApp({ LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000' });
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
}, 120_000);

afterAll(async () => {
  await t?.close();
  await fresh?.close();
});

/** Deactivates a person through the admin form (the reactivate form needs someone to reactivate). */
async function deactivated(id: number): Promise<number> {
  const user = await t.db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  if (user.status === 'active') await admin.post(`/admin/users/${id}/deactivate`).type('form').send({ _csrf: await tokenOf(admin, '/admin/users/new') });
  return id;
}

/** A valid certificate to revoke or reissue: the newest one, or one made for a new person if none is valid. */
async function validCertificate(): Promise<{ id: number; owner: number }> {
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

// ---------------------------------------------------------------------------------------------------
// What each POST route needs: who may send it, the form's real fields, realistic values (so some runs
// get through validation and the success path is checked too), the real records its parameters name.

type Pair = [string, string];

interface Target {
  app: TestApp;
  agent: Agent;
  token: string;
  /** Who is signed in, if anyone; a route that answers "sign in first" has not been exercised. */
  signedIn: boolean;
}

interface Ctx {
  app: TestApp;
  res: Response;
  params: Record<string, string>;
  /** Audit events written by this request. */
  events: AuditEvent[];
  /** How many rows this request added to a table. */
  delta: (table: string) => number;
}

interface Spec {
  target(): Promise<Target>;
  /** The form's field names, as the page's form sends them (checked against the real pages below). */
  fields: () => string[];
  /** Realistic values, mixed into the random ones. */
  values: () => string[];
  /** Real values for the route's parameters, read (or set up) just before each run. */
  params?: () => Promise<Record<string, string>>;
  /** Valid-looking bodies for the current state; a run may start from one and add random fields. */
  bases?: () => Promise<Pair[][]>;
  /** A CSV import: also gets random multipart bodies carrying random CSV files. */
  csv?: { columns: string[]; cells: () => string[]; bulkRow: (i: number) => string[] };
  /** After a 2xx/3xx: what the success describes exists. */
  effect?: (c: Ctx) => Promise<void> | void;
  /** The route reports its outcome with a message on the page it redirects to, or on the page it answers with. */
  notice?: boolean;
  /** See the header: failed sign-ins are recorded by design. */
  loginNoise?: boolean;
}

const asAdmin = async (): Promise<Target> => ({ app: t, agent: admin, token: await tokenOf(admin, '/admin/users/new'), signedIn: true });
const asLearner = (key: 'scene' | 'quiz' | 'attest') => async (): Promise<Target> => {
  const agent = learners.get(key)!;
  return { app: t, agent, token: await tokenOf(agent, '/transcript'), signedIn: true };
};
/** A new visitor each run (sign-in, sign-out and the token links change or end the session). */
const visitor = (app: () => TestApp) => async (): Promise<Target> => {
  const agent = newAgent(app().app);
  return { app: app(), agent, token: csrfFrom((await agent.get('/login')).text), signedIn: false };
};

const USER_FIELDS = ['employee_id', 'email', 'name', 'role', 'department', 'manager_email', 'hire_date'];
/** The admin person form also carries the accommodation (no minimum lesson time), which import does not. */
const PERSON_FORM_FIELDS = [...USER_FIELDS, 'untimed_lessons'];
const USER_VALUES = ['learner', 'manager', 'admin', 'auditor', 'LEARNER', 'Nursing/ICU', 'Nursing / ICU ', 'Pharmacy', 'A/B/C/D/E/F/G/H/I', 'Nia New',
  'new.person@riverside.example', 'victim@riverside.example', 'admin@riverside.example', 'a@b.c', 'E5001', 'V1001', '2026-01-15', '2026-02-30', '15/01/2026',
  '0000-01-01', '9999-12-31', '2026-11-03', 'yes', 'on'];

const must = (cond: unknown, msg: string): void => {
  if (!cond) throw new Error(msg);
};
const one = (events: AuditEvent[], action: string) => events.filter((e) => e.action === action);
const locationOf = (res: Response) => String(res.headers.location ?? '');

const choiceIds = () => [...new Set(course.lessons.flatMap((l) => l.scenes.flatMap((s) => s.choices.map((c) => c.id))))];

/** The learner's open quiz attempt, started over HTTP when there is none (a success grades it). */
async function openAttempt(): Promise<{ id: number; served: ServedQuestion[] }> {
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
async function openScene(): Promise<Record<string, string>> {
  const p = await currentScene();
  await learners.get('scene')!.get(`/courses/${p.courseId}/lessons/${p.lessonId}/play`);
  return currentScene();
}

async function currentScene(): Promise<Record<string, string>> {
  const rows = await t.db.selectFrom('lesson_progress').selectAll().where('user_id', '=', ids.scene).where('course_id', '=', course.id).execute();
  const lesson = course.lessons.find((l) => !rows.find((r) => r.lesson_id === l.id)?.completed_at) ?? course.lessons[course.lessons.length - 1]!;
  const row = rows.find((r) => r.lesson_id === lesson.id);
  return { courseId: course.id, lessonId: lesson.id, sceneId: row?.current_scene_id ?? lesson.scenes[0]!.id };
}

/** A person the admin can record an in-person completion for (one without a completion yet). */
async function completionTarget(): Promise<number> {
  const row = await t.db.selectFrom('users').select('id').where('email', 'like', 'inperson%')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('completions').select('id').whereRef('completions.user_id', '=', 'users.id')))).executeTakeFirst();
  if (row) return row.id;
  const n = uniq();
  return (await createPerson(t.db, t.clock, { email: `inperson${n}@riverside.example`, name: `Ivy Inperson ${n}`, password: null })).id;
}

const csvLine = (cells: string[]) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');

const SPECS: Record<string, Spec> = {
  'POST /admin/users': {
    target: asAdmin,
    fields: () => PERSON_FORM_FIELDS,
    values: () => USER_VALUES,
    bases: async () => {
      const n = uniq();
      return [[['employee_id', `N${n}`], ['email', `new${n}@riverside.example`], ['name', `Nia New ${n}`], ['role', 'learner'], ['department', 'Nursing/ICU'], ['manager_email', ''], ['hire_date', '2026-01-15'], ['untimed_lessons', n % 2 ? 'yes' : '']]];
    },
    effect: async ({ app, res, events, delta }) => {
      must(res.status === 201, `a success answered ${res.status}, not the page with the new link`);
      must(delta('users') === 1, `a success added ${delta('users')} people`);
      const id = Number(/href="\/admin\/users\/(\d+)"/.exec(res.text)?.[1]);
      must(await app.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst(), `the answer leads on to person ${id}, who does not exist`);
      must(one(events, 'user.created').some((e) => e.subject_id === String(id)), 'no user.created event for the new person');
      must(one(events, 'user.password_link_issued').some((e) => e.subject_id === String(id)), 'the new person got no set-password link');
      await mustShowLiveLinks(app, res.text, 1);
    },
    notice: true,
  },
  'POST /admin/users/:id': {
    target: asAdmin,
    fields: () => PERSON_FORM_FIELDS,
    values: () => USER_VALUES,
    params: async () => ({ id: String(ids.victim) }),
    bases: async () => {
      const n = uniq();
      return [[['employee_id', 'V1001'], ['email', 'victim@riverside.example'], ['name', `Victor Ames ${n % 3}`], ['role', n % 2 ? 'learner' : 'manager'], ['department', 'Nursing/ICU'], ['manager_email', 'admin@riverside.example'], ['hire_date', ''], ['untimed_lessons', n % 2 ? '' : 'yes']]];
    },
    effect: ({ res, params }) => {
      must(locationOf(res) === `/admin/users/${params.id}`, `unexpected redirect ${locationOf(res)}`);
    },
    notice: true,
  },
  'POST /admin/users/:id/deactivate': {
    target: asAdmin, fields: () => [], values: () => [], params: async () => ({ id: String(ids.victim) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'user.deactivated').length) return;
      const user = await app.db.selectFrom('users').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(user.status === 'deactivated' && user.deactivated_at, 'deactivation audited but the person is still active');
      must(!(await app.db.selectFrom('sessions').select('sid').where('user_id', '=', user.id).executeTakeFirst()), 'a deactivated person kept a session');
      must(!(await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', user.id).where('used_at', 'is', null).executeTakeFirst()), 'a deactivated person kept a live password link');
    },
    notice: true,
  },
  'POST /admin/users/:id/reactivate': {
    target: asAdmin, fields: () => [], values: () => [], params: async () => ({ id: String(await deactivated(ids.goner)) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'user.reactivated').length) return;
      const user = await app.db.selectFrom('users').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(user.status === 'active' && user.deactivated_at === null, 'reactivation audited but the person is not active');
    },
    notice: true,
  },
  'POST /admin/users/:id/password-link': {
    target: asAdmin, fields: () => [], values: () => [], params: async () => ({ id: String(ids.victim) }),
    effect: async ({ app, res, params, events }) => {
      if (!one(events, 'user.password_link_issued').length) return;
      const live = await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', Number(params.id)).where('used_at', 'is', null).execute();
      must(live.length === 1, `expected exactly one live link, found ${live.length}`);
      await mustShowLiveLinks(app, res.text, 1);
    },
    notice: true,
  },
  'POST /admin/departments': {
    target: asAdmin,
    fields: () => ['path'],
    values: () => ['Nursing/ICU', 'Radiology', 'Radiology / MRI', 'A/B/C/D/E/F/G/H', 'A/B/C/D/E/F/G/H/I', 'a//b', '/', ' ', 'Ünïcödé/部門'],
    bases: async () => [[['path', `Dept ${uniq()}/Unit`]]],
    effect: ({ events }) => {
      must(events.every((e) => e.action === 'department.created'), 'a department form wrote other events');
    },
    notice: true,
  },
  'POST /admin/import': {
    target: asAdmin,
    fields: () => ['file', 'csv'],
    values: () => USER_VALUES,
    csv: {
      columns: USER_FIELDS,
      cells: () => USER_VALUES,
      bulkRow: (i) => [`B${i}`, `bulk${i}@riverside.example`, `Bulk ${i}`, 'learner', 'Bulk', '', ''],
    },
    bases: async () => {
      const n = uniq();
      return [[['csv', [USER_FIELDS.join(','), csvLine([`I${n}`, `imp${n}@riverside.example`, `Ida Import ${n}`, 'learner', 'Nursing/ICU', 'victim@riverside.example', '2026-03-01']),
        csvLine([`J${n}`, `imp${n}b@riverside.example`, `Jo Import ${n}`, 'manager', '', '', ''])].join('\r\n')]]];
    },
    effect: async ({ app, res, events, delta }) => {
      must(res.status === 200 && res.text.includes('Import finished'), `a success answered ${res.status} ${locationOf(res)}, not the done page`);
      const [imported] = one(events, 'users.imported');
      must(imported, 'an import answered success without its users.imported event');
      const details = JSON.parse(imported!.details) as { created: number };
      await mustShowLiveLinks(app, res.text, details.created);
      must(one(events, 'user.created').length === details.created && delta('users') === details.created, 'created count, new people and user.created events disagree');
      const created = one(events, 'user.created').map((e) => Number(e.subject_id));
      for (const id of created) {
        must(await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).executeTakeFirst(), `imported person ${id} got no set-password link`);
      }
    },
    notice: true,
  },
  'POST /admin/users/:id/completions': {
    target: asAdmin,
    fields: () => ['course_id', 'completed_on', 'trainer', 'reason'],
    values: () => [course.id, 'no-such-course', '2026-10-01', TODAY, '2026-11-03', '2026-02-30', '1000-01-01', '0999-12-31', '0001-01-01', '9999-12-31', 'Tess Trainer', 'Paper sign-in sheet'],
    params: async () => ({ id: String(await completionTarget()) }),
    bases: async () => [[['course_id', course.id], ['completed_on', '2026-10-01'], ['trainer', 'Tess Trainer'], ['reason', 'Paper sign-in sheet']]],
    effect: async ({ app, res, params, events, delta }) => {
      must(locationOf(res) === `/admin/users/${params.id}#training`, `unexpected redirect ${locationOf(res)}`);
      must(delta('completions') === one(events, 'completion.recorded').length, 'completions and completion.recorded events disagree');
      if (!one(events, 'completion.recorded').length) return;
      const completion = await app.db.selectFrom('completions').selectAll().where('user_id', '=', Number(params.id)).executeTakeFirst();
      must(completion?.source === 'in-person', 'a recorded completion is missing');
    },
    notice: true,
  },
  'POST /admin/completions/import': {
    target: asAdmin,
    fields: () => ['file', 'csv'],
    values: () => ['H1001', 'V1001', course.id, '2025-06-01', '2025-06-01T09:00:00Z', '2027-06-01', TODAY, '2026-11-03', '1000-01-01', '0999-12-31', 'HealthStream 2025'],
    csv: {
      columns: ['employee_id', 'course_id', 'completed_at', 'source', 'expires_at'],
      cells: () => ['H1001', 'V1001', 'G1001', 'nobody', course.id, '2025-06-01', '2024-01-31', '2027-06-01', '1000-01-01', '0001-01-01', '9999-12-31', 'HealthStream 2025', ''],
      bulkRow: (i) => [i % 2 ? 'H1001' : `X${i}`, course.id, '2025-06-01', 'Bulk', ''],
    },
    bases: async () => {
      const day = `2025-0${1 + (uniq() % 9)}-15`;
      return [[['csv', ['employee_id,course_id,completed_at,source', csvLine(['H1001', course.id, day, 'HealthStream 2025'])].join('\n')]]];
    },
    effect: ({ events, delta }) => {
      const [imported] = one(events, 'completions.imported');
      must(imported, 'an import answered success without its completions.imported event');
      const details = JSON.parse(imported!.details) as { added: number };
      must(delta('completions') === details.added, `the import reports ${details.added} completions added, the table gained ${delta('completions')}`);
    },
    notice: true,
  },
  'POST /admin/certificates/:id/revoke': {
    target: asAdmin,
    fields: () => ['reason'],
    values: () => ['Issued in error', 'x'.repeat(501), 'Wrong person'],
    params: async () => ({ id: String((await validCertificate()).id) }),
    bases: async () => [[['reason', 'Issued in error']]],
    effect: async ({ app, params, events }) => {
      if (!one(events, 'certificate.revoked').length) return;
      const cert = await app.db.selectFrom('certificates').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(cert.status === 'revoked' && cert.revoked_reason, 'revocation audited but the certificate is not revoked');
    },
    notice: true,
  },
  'POST /admin/certificates/:id/reissue': {
    target: asAdmin, fields: () => [], values: () => [],
    params: async () => ({ id: String((await validCertificate()).id) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'certificate.reissued').length) return;
      const cert = await app.db.selectFrom('certificates').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(cert.status === 'replaced' && cert.replaced_by, 'reissue audited but the old certificate is not replaced');
    },
    notice: true,
  },
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId': {
    target: asLearner('scene'),
    fields: () => ['choice'],
    values: choiceIds,
    params: openScene,
    bases: async () => {
      const p = await currentScene();
      const scene = course.lessons.find((l) => l.id === p.lessonId)!.scenes.find((s) => s.id === p.sceneId)!;
      return scene.choices.map((c): Pair[] => [['choice', c.id]]);
    },
    effect: async ({ app, res, params }) => {
      const loc = locationOf(res);
      const answer = /\/answers\/(\d+)#feedback$/.exec(loc)?.[1];
      if (answer === undefined) {
        must(loc === `/courses/${params.courseId}/lessons/${params.lessonId}/play`, `unexpected redirect ${loc}`);
        return;
      }
      const row = await app.db.selectFrom('scene_answers').selectAll().where('id', '=', Number(answer)).executeTakeFirst();
      must(row?.user_id === ids.scene && row.scene_id === params.sceneId, 'redirected to an answer that was not recorded');
    },
  },
  'POST /courses/:courseId/quiz/attempts': {
    target: asLearner('quiz'), fields: () => [], values: () => [],
    params: async () => ({ courseId: course.id }),
    effect: async ({ app, res }) => {
      const id = Number(/\/quiz\/attempts\/(\d+)$/.exec(locationOf(res))?.[1]);
      const row = await app.db.selectFrom('quiz_attempts').selectAll().where('id', '=', id).executeTakeFirst();
      must(row?.user_id === ids.quiz && row.submitted_at === null, `redirected to attempt ${id}, which is not this learner's open attempt`);
    },
  },
  'POST /courses/:courseId/quiz/attempts/:attemptId': {
    target: asLearner('quiz'),
    fields: () => course.questions.map((q) => `q_${q.id}`),
    values: () => [...new Set(course.questions.flatMap((q) => q.choices.map((c) => c.id)))],
    params: async () => ({ courseId: course.id, attemptId: String((await openAttempt()).id) }),
    bases: async () => {
      const { served } = await openAttempt();
      const byId = new Map(course.questions.map((q) => [q.id, q]));
      const right: Pair[] = served.flatMap((sq) => byId.get(sq.question)!.choices.filter((c) => c.correct).map((c): Pair => [`q_${sq.question}`, c.id]));
      const first: Pair[] = served.map((sq): Pair => [`q_${sq.question}`, sq.choices[0]!]);
      return [right, first];
    },
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/courses/${params.courseId}/quiz/attempts/${params.attemptId}/result`, `unexpected redirect ${locationOf(res)}`);
      const row = await app.db.selectFrom('quiz_attempts').selectAll().where('id', '=', Number(params.attemptId)).executeTakeFirstOrThrow();
      must(row.submitted_at && row.score !== null, 'a quiz answered success but the attempt is not graded');
      must(events.filter((e) => e.action === 'quiz.passed' || e.action === 'quiz.failed').length === 1, 'a graded quiz needs exactly one quiz event');
    },
  },
  'POST /courses/:courseId/attest/:attemptId': {
    target: asLearner('attest'),
    fields: () => ['agree', 'typed_name'],
    values: () => ['yes', 'no', 'on', ATTEST_NAME, ATTEST_NAME.toUpperCase(), ` ${ATTEST_NAME} `, 'Someone Else'],
    params: async () => ({ courseId: course.id, attemptId: String(ids.attestAttempt) }),
    bases: async () => [[['agree', 'yes'], ['typed_name', ATTEST_NAME]]],
    effect: async ({ app, res }) => {
      must(locationOf(res) === '/transcript', `unexpected redirect ${locationOf(res)}`);
      const done = await app.db.selectFrom('completions').selectAll().where('attempt_id', '=', ids.attestAttempt).executeTakeFirst();
      must(done?.attestation_id, 'attestation answered success but no completion records it');
    },
    notice: true,
  },
  'POST /login': {
    target: visitor(() => t),
    fields: () => ['email', 'password', 'next'],
    values: () => ['login.target@riverside.example', 'LOGIN.TARGET@riverside.example ', 'nobody@riverside.example', GOOD_PASSWORD, 'wrong password 1', '/transcript', '//evil.example', '/\\evil', 'javascript:alert(1)'],
    params: async () => {
      // Failed runs pause the address (by design); lift the pause so the success path stays reachable.
      await t.db.deleteFrom('sign_in_throttle').execute();
      return {};
    },
    bases: async () => [[['email', 'login.target@riverside.example'], ['password', GOOD_PASSWORD], ['next', '/transcript']]],
    effect: ({ res, events }) => {
      must(one(events, 'auth.login_succeeded').length === 1, 'a sign-in answered success without auth.login_succeeded');
      must(/^\/(?!\/)/.test(locationOf(res)), `sign-in redirected off-site: ${locationOf(res)}`);
    },
    loginNoise: true,
  },
  'POST /logout': {
    // Every third run signs out a signed-in person (a sign-in costs an Argon2 hash); the others a visitor.
    target: async () => {
      if (uniq() % 3) return visitor(() => t)();
      const agent = newAgent(t.app);
      await signIn(agent, 'leaver@riverside.example', GOOD_PASSWORD);
      return { app: t, agent, token: csrfFrom((await agent.get('/transcript')).text), signedIn: false };
    },
    fields: () => [], values: () => [],
    effect: ({ res }) => must(locationOf(res) === '/login?signedOut=1', `unexpected redirect ${locationOf(res)}`),
    notice: true,
  },
  'POST /setup/:token': {
    target: visitor(() => fresh),
    fields: () => ['name', 'email', 'password', 'confirm'],
    values: () => ['First Admin', 'first@riverside.example', GOOD_PASSWORD, 'password', 'riverside general', 'a b c'],
    params: async () => {
      // A success creates the admin and ends setup; start over (deactivate, new link) so later runs reach the form.
      if (await fresh.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirst()) {
        await fresh.db.updateTable('users').set({ status: 'deactivated' }).where('role', '=', 'admin').execute();
        const again = await ensureFirstAdmin(fresh.uow, fresh.clock, undefined, fresh.config.orgName);
        if (again.kind === 'setup-link') setupToken = again.token;
      }
      return { token: setupToken };
    },
    bases: async () => [[['name', 'First Admin'], ['email', `first${uniq()}@riverside.example`], ['password', GOOD_PASSWORD], ['confirm', GOOD_PASSWORD]]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/login?setUp=1', `unexpected redirect ${locationOf(res)}`);
      must(await app.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirst(), 'setup answered success but no admin exists');
      must(one(events, 'auth.password_set').length === 1, 'setup answered success without auth.password_set');
    },
    notice: true,
  },
  'POST /password/:token': {
    target: visitor(() => t),
    fields: () => ['username', 'password', 'confirm'],
    values: () => [GOOD_PASSWORD, 'pw.person lantern orchard', 'short', 'lanternlanternlantern'],
    params: async () => {
      if (!pwToken || !(await findLiveToken(t.db, t.clock, 'set-password', pwToken))) {
        pwToken = await t.db.transaction().execute((trx) => issuePasswordLink(trx, t.clock, { id: ids.admin, label: 'admin@riverside.example' }, ids.pwPerson));
      }
      return { token: pwToken };
    },
    bases: async () => [[['password', GOOD_PASSWORD], ['confirm', GOOD_PASSWORD]]],
    effect: ({ res, events }) => {
      must(locationOf(res) === '/login?passwordSet=1', `unexpected redirect ${locationOf(res)}`);
      must(one(events, 'auth.password_set').length === 1, 'a password answered success without auth.password_set');
    },
    notice: true,
  },
};

// ---------------------------------------------------------------------------------------------------
// Generators.

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', '__proto__[role]',
  'constructor[prototype][role]', '__defineSetter__', '_csrf[]', '_csrf'];
const NASTY = ['', ' ', '\u0000', 'a\u0000b', '\uFEFF', '\uFEFFAnn', '\u202Egnp.exe', '\r\n', '\t', "' OR 1=1 --", "Robert'); DROP TABLE users;--",
  '=cmd|/C calc', '<script>alert(1)</script>', '../../etc/passwd', '%00', '%', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '9'.repeat(40),
  '2026-02-30', '[object Object]', '__proto__', 'constructor', '\uD800', '\uDFFF', 'a\uDBFFb', '\u{1F600}'.repeat(300), 'e\u0301', '\u2028',
  'x'.repeat(5000), 'yes\u0000', 'Ａｄａ', 'ß', 'İ'];
/** Raw fragments appended to a urlencoded body without encoding: broken percent-escapes and odd separators. */
const BROKEN = ['%', '%%', '%E0%A4%A', '%zz', '%ED%A0%80', '%ED%BF%BF=%ED%A0%80', '%C0%AF', '%FF%FE', '%EF%BB%BF', '%00', '&&&', '===', 'a=%', '=x',
  '+', '%2', '_csrf', '_csrf=', '__proto__=1', '__proto__[role]=admin', 'constructor[prototype][role]=admin', 'a[]=1&a[]=2', 'x[__proto__][y]=1'];
const HOSTILE_SEGMENTS = ['0', '-1', '1e3', '1.5', '0x10', '9'.repeat(40), '999999', 'abc', '%00', '%E0%A4%A', '%', '%2F..%2F', '..', '__proto__', 'constructor',
  'toString', '%ED%A0%80', "1'%20OR%20'1'%3D'1", '%EF%BB%BF1', '1%00', '%20', 'A'.repeat(43), `${'A'.repeat(42)}%ED%A0%80`, 'x'.repeat(3000)];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Percent-encodes like a browser, except that lone surrogates become the bytes no valid UTF-8 holds (ED A0 80 for U+D800). */
function enc(s: string): string {
  if (!LONE_SURROGATE.test(s)) return encodeURIComponent(s);
  let out = '';
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** The bytes of a string, lone surrogates included (as above), for multipart bodies and CSV files. */
function bytesOf(s: string): Buffer {
  if (!LONE_SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const e = enc(s);
  const out: number[] = [];
  for (let i = 0; i < e.length; i += 1) {
    if (e[i] === '%') {
      out.push(parseInt(e.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(e.charCodeAt(i));
    }
  }
  return Buffer.from(out);
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `a${String.fromCharCode(c)}z`);
const huge = fc.tuple(fc.integer({ min: 20_000, max: 200_000 }), fc.constantFrom('x', 'é', '\u{1F600}', '\u0000', '%', '&')).map(([n, ch]) => ch.repeat(Math.ceil(n / ch.length)));

function valueArb(spec: Spec): fc.Arbitrary<string> {
  const realistic = spec.values();
  const parts: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: loneSurrogate },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 1, arbitrary: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: huge }) },
  ];
  if (realistic.length) parts.push({ weight: 5, arbitrary: fc.constantFrom(...realistic) });
  if (spec.csv) parts.push({ weight: 2, arbitrary: csvArb(spec).map((g) => csvText(spec, g)) });
  return fc.oneof(...parts);
}

function keyArb(spec: Spec): fc.Arbitrary<string> {
  const fields = spec.fields();
  const parts: fc.WeightedArbitrary<string>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  ];
  if (fields.length) {
    parts.push({ weight: 8, arbitrary: fc.constantFrom(...fields) });
    parts.push({ weight: 1, arbitrary: fc.constantFrom(...fields).chain((f) => fc.constantFrom(`${f}[]`, `${f}[0]`, `${f}[__proto__]`, ` ${f}`, f.toUpperCase())) });
  }
  return fc.oneof(...parts);
}

interface CsvGen {
  header: 'real' | 'shuffled' | 'upper' | 'dup' | 'missing' | 'random';
  randomHeader: string;
  order: number[];
  rows: string[][];
  bom: 0 | 1 | 2;
  eol: '\n' | '\r\n' | '\r';
  quoteAll: boolean;
  brokenQuote: boolean;
  invalidUtf8: boolean;
  bulk: number;
}

function csvArb(spec: Spec): fc.Arbitrary<CsvGen> {
  const csv = spec.csv!;
  const cell = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...csv.cells()) }, { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY) }, { weight: 1, arbitrary: loneSurrogate });
  return fc.record({
    header: fc.constantFrom<CsvGen['header']>('real', 'real', 'real', 'shuffled', 'upper', 'dup', 'missing', 'random'),
    randomHeader: fc.string({ unit: 'grapheme', maxLength: 40 }),
    order: fc.shuffledSubarray(csv.columns.map((_c, i) => i), { minLength: csv.columns.length, maxLength: csv.columns.length }),
    rows: fc.array(fc.array(cell, { minLength: csv.columns.length - 1, maxLength: csv.columns.length + 1 }), { maxLength: 6 }),
    bom: fc.constantFrom<CsvGen['bom']>(0, 0, 1, 2),
    eol: fc.constantFrom<CsvGen['eol']>('\n', '\r\n', '\r'),
    quoteAll: fc.boolean(),
    brokenQuote: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    invalidUtf8: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    // A big file now and then (rows made from a template); the 33,000-row case is a regression test at the end.
    bulk: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }) }),
  });
}

function csvText(spec: Spec, g: CsvGen): string {
  const cols = spec.csv!.columns;
  const header = g.header === 'random' ? [g.randomHeader]
    : g.header === 'shuffled' ? g.order.map((i) => cols[i]!)
      : g.header === 'upper' ? cols.map((c) => ` ${c.toUpperCase()} `)
        : g.header === 'dup' ? [...cols, cols[0]!]
          : g.header === 'missing' ? cols.slice(1) : cols;
  const quote = (c: string) => (g.quoteAll || /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  const lines = [header.map(quote).join(','), ...g.rows.map((r) => r.map(quote).join(','))];
  for (let i = 0; i < g.bulk; i += 1) lines.push(spec.csv!.bulkRow(i).map(quote).join(','));
  if (g.brokenQuote && lines.length > 1) lines[1] = `"${lines[1]}`;
  return '\uFEFF'.repeat(g.bom) + lines.join(g.eol);
}

function csvBytes(spec: Spec, g: CsvGen): Buffer {
  const b = bytesOf(csvText(spec, g));
  return g.invalidUtf8 ? Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from([0xff, 0xfe, 0xc3]), b.subarray(b.length >> 1)]) : b;
}

type Encoding = 'form' | 'form-utf8' | 'form-latin1' | 'form-utf16' | 'text' | 'json' | 'gzip' | 'gzip-bomb' | 'gzip-garbage' | 'deflate' | 'br-garbage' | 'bogus-encoding';

interface FormGen {
  kind: 'form';
  base: number | null;
  /** One field of the base body given a random value instead: a hostile value in an otherwise valid form. */
  swap: { index: number; value: string } | null;
  pairs: Pair[];
  csrfAt: number;
  junk: string[];
  encoding: Encoding;
}
interface ManyGen { kind: 'many'; count: number }
interface PartGen {
  name: string;
  filename: string | null;
  type: string | null;
  data: { kind: 'csv'; csv: CsvGen } | { kind: 'text'; value: string } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'big'; size: number };
}
type Breakage = 'none' | 'no-boundary' | 'wrong-boundary' | 'quoted-boundary' | 'lf-only' | 'no-close' | 'no-disposition' | 'preamble' | 'garbage' | 'many-parts' | 'truncate';
interface MultipartGen {
  kind: 'multipart';
  base: number | null;
  boundary: string;
  parts: PartGen[];
  csrfAt: number;
  breakage: Breakage;
  cut: number;
  garbage: Uint8Array;
}
type BodyGen = FormGen | ManyGen | MultipartGen;

interface RunGen {
  param: { index: number; value: string } | null;
  body: BodyGen;
}

function formArb(spec: Spec): fc.Arbitrary<FormGen> {
  return fc.record({
    kind: fc.constant('form' as const),
    base: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.nat() }),
    swap: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ index: fc.nat(), value: valueArb(spec) }) }),
    pairs: fc.oneof({ weight: 1, arbitrary: fc.constant<Pair[]>([]) }, { weight: 2, arbitrary: fc.array(fc.tuple(keyArb(spec), valueArb(spec)), { minLength: 1, maxLength: 8 }) }),
    csrfAt: fc.nat(),
    junk: fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...BROKEN), { minLength: 1, maxLength: 3 }) }),
    encoding: fc.oneof(
      { weight: 24, arbitrary: fc.constant<Encoding>('form') },
      { weight: 1, arbitrary: fc.constantFrom<Encoding>('form-utf8', 'form-latin1', 'form-utf16', 'text', 'json', 'gzip', 'gzip-bomb', 'gzip-garbage', 'deflate', 'br-garbage', 'bogus-encoding') },
    ),
  });
}

function multipartArb(spec: Spec): fc.Arbitrary<MultipartGen> {
  const names = fc.oneof(
    { weight: 4, arbitrary: fc.constant('file') },
    { weight: 3, arbitrary: fc.constantFrom(...new Set(['csv', 'files', 'file[]', '__proto__', 'constructor', 'toString', '_csrf', ...spec.fields()])) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }) },
  );
  const data: fc.Arbitrary<PartGen['data']> = fc.oneof(
    ...(spec.csv ? [{ weight: 6, arbitrary: csvArb(spec).map((csv) => ({ kind: 'csv' as const, csv })) }] : []),
    { weight: 3, arbitrary: valueArb(spec).map((value) => ({ kind: 'text' as const, value })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
    // Past the 100 KB field limit, or past the 5 MB file limit.
    { weight: 1, arbitrary: fc.constantFrom(150_000, 5 * 1024 * 1024 + 1).map((size) => ({ kind: 'big' as const, size })) },
  );
  return fc.record({
    kind: fc.constant('multipart' as const),
    base: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
    boundary: fc.oneof(fc.constant('----PropertyFormsBoundary7MA4YWxk'), fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/)),
    parts: fc.array(fc.record({
      name: names,
      filename: fc.oneof(fc.constant(null), fc.constantFrom('people.csv', 'a.txt', '../../etc/passwd', 'x"y.csv', 'é.csv', 'a\r\nb.csv', ''), fc.string({ unit: 'grapheme', maxLength: 30 })),
      type: fc.oneof(fc.constant(null), fc.constantFrom('text/csv', 'text/plain; charset=utf-16', 'application/octet-stream', 'image/png')),
      data,
    }), { maxLength: 4 }),
    csrfAt: fc.nat(),
    breakage: fc.oneof(
      { weight: 10, arbitrary: fc.constant<Breakage>('none') },
      { weight: 1, arbitrary: fc.constantFrom<Breakage>('no-boundary', 'wrong-boundary', 'quoted-boundary', 'lf-only', 'no-close', 'no-disposition', 'preamble', 'garbage', 'many-parts') },
      { weight: 2, arbitrary: fc.constant<Breakage>('truncate') },
    ),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    garbage: fc.uint8Array({ minLength: 1, maxLength: 2000 }),
  });
}

function runArb(spec: Spec, paramNames: string[]): fc.Arbitrary<RunGen> {
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(enc) },
    { weight: 1, arbitrary: loneSurrogate.map(enc) },
  );
  const param = paramNames.length === 0 ? fc.constant(null)
    : fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ index: fc.nat({ max: paramNames.length - 1 }), value: segment }) });
  // Multipart reaches every route (the parser is global), the CSV imports most often.
  const body: fc.Arbitrary<BodyGen> = fc.oneof(
    { weight: spec.csv ? 10 : 16, arbitrary: formArb(spec) },
    { weight: 1, arbitrary: fc.integer({ min: 201, max: 400 }).map((count): ManyGen => ({ kind: 'many', count })) },
    { weight: spec.csv ? 9 : 2, arbitrary: multipartArb(spec) },
  );
  return fc.record({ param, body });
}

// ---------------------------------------------------------------------------------------------------
// Sending.

function urlFor(pattern: string, params: Record<string, string>, hostile: RunGen['param']): string {
  const names = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const chosen = hostile ? names[hostile.index] : undefined;
  return pattern.replace(/:(\w+)/g, (_m, name: string) => (name === chosen ? hostile!.value : encodeURIComponent(params[name] ?? '')));
}

function formBody(g: FormGen, token: string, base: Pair[]): string {
  const pairs = [...base, ...g.pairs];
  const at = g.csrfAt % (pairs.length + 1);
  const encoded = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`);
  encoded.splice(at, 0, `_csrf=${encodeURIComponent(token)}`);
  return [...encoded, ...g.junk].join('&');
}

function multipartBody(spec: Spec, g: MultipartGen, token: string, base: Pair[]): { body: Buffer; type: string } {
  const eol = g.breakage === 'lf-only' ? '\n' : '\r\n';
  const parts: { name: string; filename: string | null; type: string | null; data: Buffer }[] = base.map(([k, v]) =>
    (k === 'csv' ? { name: 'file', filename: 'import.csv', type: 'text/csv', data: bytesOf(v) } : { name: k, filename: null, type: null, data: bytesOf(v) }));
  for (const p of g.parts) {
    const data = p.data.kind === 'csv' ? csvBytes(spec, p.data.csv) : p.data.kind === 'text' ? bytesOf(p.data.value)
      : p.data.kind === 'bytes' ? Buffer.from(p.data.bytes) : Buffer.alloc(p.data.size, 0x61);
    parts.push({ name: p.name, filename: p.filename, type: p.type, data });
  }
  if (g.breakage === 'many-parts') for (let i = 0; i < 30; i += 1) parts.push({ name: `f${i}`, filename: null, type: null, data: Buffer.from('x') });
  parts.splice(g.csrfAt % (parts.length + 1), 0, { name: '_csrf', filename: null, type: null, data: Buffer.from(token) });
  const chunks: Buffer[] = [];
  if (g.breakage === 'preamble') chunks.push(Buffer.from(g.garbage), Buffer.from(eol));
  parts.forEach((p, i) => {
    const disposition = `Content-Disposition: form-data; name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`;
    const headers = [g.breakage === 'no-disposition' && i === 0 ? 'X-Nothing: here' : disposition, ...(p.type ? [`Content-Type: ${p.type}`] : [])];
    chunks.push(bytesOf(`--${g.boundary}${eol}${headers.join(eol)}${eol}${eol}`), p.data, Buffer.from(eol));
  });
  if (g.breakage !== 'no-close') chunks.push(Buffer.from(`--${g.boundary}--${eol}`));
  let body = Buffer.concat(chunks);
  if (g.breakage === 'truncate') body = body.subarray(0, Math.floor(body.length * g.cut));
  if (g.breakage === 'garbage') body = Buffer.from(g.garbage);
  const type = g.breakage === 'no-boundary' ? 'multipart/form-data'
    : g.breakage === 'wrong-boundary' ? `multipart/form-data; boundary=${g.boundary}x`
      : g.breakage === 'quoted-boundary' ? `multipart/form-data; boundary="${g.boundary}"` : `multipart/form-data; boundary=${g.boundary}`;
  return { body, type };
}

async function send(spec: Spec, target: Target, url: string, g: BodyGen, bases: Pair[][]): Promise<Response> {
  const req = target.agent.post(url).timeout(20_000);
  const base = (i: number | null) => (i === null || bases.length === 0 ? [] : bases[i % bases.length]!);
  if (g.kind === 'many') {
    return req.type('form').send([`_csrf=${encodeURIComponent(target.token)}`, ...Array.from({ length: g.count }, (_v, i) => `k${i}=v`)].join('&'));
  }
  if (g.kind === 'multipart') {
    const { body, type } = multipartBody(spec, g, target.token, base(g.base));
    return req.set('Content-Type', type).send(body);
  }
  const chosen = base(g.base).map(([k, v]): Pair => [k, v]);
  if (g.swap && chosen.length) chosen[g.swap.index % chosen.length]![1] = g.swap.value;
  const text = formBody(g, target.token, chosen);
  const form = 'application/x-www-form-urlencoded';
  switch (g.encoding) {
    case 'form': return req.set('Content-Type', form).send(text);
    case 'form-utf8': return req.set('Content-Type', `${form}; charset=UTF-8`).send(text);
    case 'form-latin1': return req.set('Content-Type', `${form}; charset=iso-8859-1`).send(text);
    case 'form-utf16': return req.set('Content-Type', `${form}; charset=utf-16`).send(Buffer.from(text, 'utf16le'));
    case 'text': return req.set('Content-Type', 'text/plain').send(text);
    case 'json': return req.set('Content-Type', 'application/json').send(JSON.stringify({ _csrf: target.token, ...Object.fromEntries(chosen) }));
    case 'gzip': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(zlib.gzipSync(text));
    // Inflates to 20 MB: the 100 KB limit applies to what comes out, not to what was sent.
    case 'gzip-bomb': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(zlib.gzipSync(`_csrf=${encodeURIComponent(target.token)}&a=${'a'.repeat(20 * 1024 * 1024)}`));
    case 'gzip-garbage': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(text);
    case 'deflate': return req.set('Content-Type', form).set('Content-Encoding', 'deflate').send(zlib.deflateSync(text));
    case 'br-garbage': return req.set('Content-Type', form).set('Content-Encoding', 'br').send(text);
    case 'bogus-encoding': return req.set('Content-Type', form).set('Content-Encoding', 'x-bogus').send(text);
  }
}

// ---------------------------------------------------------------------------------------------------
// Checks.

type Snapshot = Map<string, string>;

/** Every table but sessions: row count and a hash of all rows (sorted, so the order of reading does not matter). */
function snapshot(app: TestApp, loginNoise: boolean): Snapshot {
  const s = app.database.sqlite;
  const tables = (s.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[])
    .filter((n) => n !== 'sessions' && !(loginNoise && ['sign_in_throttle', 'sign_in_devices'].includes(n)));
  const out: Snapshot = new Map();
  for (const name of tables) {
    let sql = `SELECT * FROM "${name}"`;
    // POST /login: failed sign-ins are recorded by design (see the header).
    if (loginNoise && name === 'audit_events') sql += " WHERE action NOT IN ('auth.login_failed', 'auth.locked', 'auth.device_forgotten')";
    const stmt = s.prepare(sql).raw();
    const skip = loginNoise && name === 'users' ? new Set(stmt.columns().map((c, i) => (['failed_logins', 'locked_until'].includes(c.name) ? i : -1))) : new Set<number>();
    const rows = (stmt.all() as unknown[][]).map((r) => JSON.stringify(r.map((v, i) => (skip.has(i) ? null : v)))).sort();
    out.set(name, `${rows.length}:${crypto.createHash('sha256').update(rows.join('\n')).digest('hex')}`);
  }
  return out;
}

function changedTables(a: Snapshot, b: Snapshot): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
}

const lastAuditId = (app: TestApp) => (app.database.sqlite.prepare('SELECT coalesce(max(id), 0) FROM audit_events').pluck().get() as number);
const eventsAfter = (app: TestApp, id: number) => app.database.sqlite.prepare('SELECT * FROM audit_events WHERE id > ? ORDER BY id').all(id) as AuditEvent[];

/** The text of the page's message for the person (error page, alert, or a field's error), if any. */
function humanMessage(res: Response): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const e = (res.body as { error?: unknown }).error;
    return typeof e === 'string' && e.length > 10 ? e : undefined;
  }
  if (!type.includes('text/html')) return undefined;
  const found = [...res.text.matchAll(/<p class="lead">([\s\S]*?)<\/p>|role="alert"[^>]*>([\s\S]*?)<\/div>|class="error-text"[^>]*>([\s\S]*?)<\/p>/g)]
    .map((m) => (m[1] ?? m[2] ?? m[3] ?? '').replace(/<[^>]+>/g, ' ').replace(/Error: /, '').replace(/\s+/g, ' ').trim());
  return found.find((text) => text.length >= 12 && /\p{L}{3,}/u.test(text));
}

/** The page shows exactly `count` set-password links, each one live (a page cannot show a link that does not work). */
async function mustShowLiveLinks(app: TestApp, html: string, count: number): Promise<void> {
  const shown = [...html.matchAll(/\/password\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
  must(shown.length === count, `the page shows ${shown.length} set-password links, expected ${count}`);
  for (const token of shown) must(await findLiveToken(app.db, app.clock, 'set-password', token), 'the page shows a link that does not work');
}

/** A flash or notice on a page someone was redirected to (or answered with). */
function noticeOn(html: string): string | undefined {
  const m = /class="notice notice-(?:success|info|error)"[^>]*>([\s\S]*?)<\/(?:div|section)>/.exec(html);
  const text = m?.[1]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text && /\p{L}{3,}/u.test(text) ? text : undefined;
}

/** Records and their evidence hang together: what a success must leave behind, whatever the route. */
async function wholeness(app: TestApp): Promise<string[]> {
  const s = app.database.sqlite;
  const problems: string[] = [];
  const integrity = s.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const fk = s.pragma('foreign_key_check') as unknown[];
  if (fk.length) problems.push(`foreign_key_check: ${JSON.stringify(fk)}`);
  const chain = await verifyAuditChain(app.db);
  if (!chain.ok) problems.push(`audit chain broken at event ${chain.brokenAt}: ${chain.reason}`);
  const orphans: [string, string][] = [
    ['certificate without certificate.issued', `SELECT c.id FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.issued' AND a.subject_id = CAST(c.id AS TEXT))`],
    ['quiz or in-person completion without a certificate', `SELECT id FROM completions c WHERE source IN ('quiz', 'in-person')
      AND NOT EXISTS (SELECT 1 FROM certificates WHERE completion_id = c.id)`],
    ['completion without completion.recorded', `SELECT id FROM completions c WHERE source IN ('quiz', 'in-person') AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'completion.recorded' AND json_extract(a.details, '$.completion') = c.id)`],
    ['quiz completion without its attestation', `SELECT c.id FROM completions c WHERE source = 'quiz' AND NOT EXISTS (SELECT 1 FROM attestations t
      WHERE t.id = c.attestation_id AND t.user_id = c.user_id AND t.attempt_id = c.attempt_id)`],
    ['attestation without a completion', 'SELECT id FROM attestations t WHERE NOT EXISTS (SELECT 1 FROM completions WHERE attestation_id = t.id)'],
    ['person without user.created', `SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'user.created' AND a.subject_id = CAST(u.id AS TEXT))`],
    ['graded attempt without a quiz event', `SELECT q.id FROM quiz_attempts q WHERE q.submitted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action IN ('quiz.passed', 'quiz.failed') AND json_extract(a.details, '$.attempt') = q.id)`],
    ['graded attempt without score', 'SELECT id FROM quiz_attempts WHERE submitted_at IS NOT NULL AND (score IS NULL OR passed IS NULL OR answers IS NULL)'],
    ['revoked certificate without certificate.revoked', `SELECT c.id FROM certificates c WHERE c.status = 'revoked' AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.revoked' AND a.subject_id = CAST(c.id AS TEXT))`],
    ['replaced certificate without its replacement', `SELECT c.id FROM certificates c WHERE c.status = 'replaced' AND (c.replaced_by IS NULL OR NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.reissued' AND a.subject_id = CAST(c.id AS TEXT)))`],
    ['finished lesson without lesson.completed', `SELECT p.lesson_id FROM lesson_progress p WHERE p.completed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'lesson.completed' AND a.subject_id = CAST(p.user_id AS TEXT) AND json_extract(a.details, '$.lesson') = p.lesson_id
      AND json_extract(a.details, '$.cycle') = p.cycle)`],
    ['scene answer without progress', `SELECT s.id FROM scene_answers s WHERE NOT EXISTS (SELECT 1 FROM lesson_progress p
      WHERE p.user_id = s.user_id AND p.course_id = s.course_id AND p.cycle = s.cycle AND p.lesson_id = s.lesson_id)`],
  ];
  for (const [what, sql] of orphans) {
    const rows = s.prepare(sql).pluck().all();
    if (rows.length) problems.push(`${what}: ${JSON.stringify(rows.slice(0, 5))}`);
  }
  const departments = s.prepare('SELECT count(*) FROM departments').pluck().get() as number;
  const created = s.prepare("SELECT count(*) FROM audit_events WHERE action = 'department.created'").pluck().get() as number;
  if (created < departments) problems.push(`${departments} departments but ${created} department.created events`);
  // The status index reports read must agree with the records it summarises.
  for (const user of s.prepare("SELECT * FROM users WHERE status = 'active'").all() as User[]) {
    for (const c of app.catalogue.courses) {
      const indexed = await app.training.index.read(app.db, user, c);
      if (!indexed) continue;
      const real = await app.training.assignment(user, c);
      if (indexed.cycle !== real.cycle || indexed.status !== real.status || indexed.dueOn !== real.dueOn) {
        problems.push(`status index for person ${user.id} says ${indexed.cycle}/${indexed.status}/${indexed.dueOn}, records say ${real.cycle}/${real.status}/${real.dueOn}`);
      }
    }
  }
  return problems;
}

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype] as const;
const pristine = PROTOTYPES.map((p) => Object.getOwnPropertyDescriptors(p));

function pollution(): string[] {
  const out: string[] = [];
  PROTOTYPES.forEach((p, i) => {
    const now = Object.getOwnPropertyDescriptors(p);
    const before = pristine[i]!;
    // Every own key, built-in (non-enumerable) and symbol ones included: replacing toString counts too.
    for (const key of new Set([...Reflect.ownKeys(before), ...Reflect.ownKeys(now)])) {
      const a = Reflect.get(before, key) as PropertyDescriptor | undefined;
      const b = Reflect.get(now, key) as PropertyDescriptor | undefined;
      if (!a || !b || a.value !== b.value || a.get !== b.get || a.set !== b.set) out.push(`${['Object', 'Array', 'Function', 'String'][i]}.prototype.${String(key)}`);
    }
  });
  for (const k of ['role', 'x', 'y', 'admin', 'polluted']) if ((({}) as Record<string, unknown>)[k] !== undefined) out.push(`({}).${k}`);
  return out;
}

function describeRun(route: string, url: string, g: RunGen, res?: Response): string {
  const body = g.body.kind === 'form' ? `form(${g.body.encoding}) base=${g.body.base} swap=${JSON.stringify(g.body.swap)} pairs=${JSON.stringify(g.body.pairs.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v]))} junk=${JSON.stringify(g.body.junk)}`
    : g.body.kind === 'many' ? `${g.body.count} parameters`
      : `multipart(${g.body.breakage}) base=${g.body.base} parts=${JSON.stringify(g.body.parts.map((p) => [p.name, p.filename, p.data.kind]))}`;
  const answer = res ? `\n  answer: ${res.status} ${String(res.headers['content-type'] ?? '')} ${locationOf(res)} ${res.text?.replace(/\s+/g, ' ').slice(0, 600) ?? ''}` : '';
  return `${route}\n  url: ${url.length > 200 ? `${url.slice(0, 200)}…` : url}\n  body: ${body}${answer}`;
}

// ---------------------------------------------------------------------------------------------------
// The properties.

const stats = new Map<string, Map<number, number>>();

async function exercise(route: string): Promise<void> {
  const spec = SPECS[route]!;
  const pattern = route.slice('POST '.length);
  const paramNames = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const seen = new Map<number, number>();
  stats.set(route, seen);
  const seed = SEED + [...route].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1_000_003, 0);

  await fc.assert(fc.asyncProperty(runArb(spec, paramNames), async (g) => {
    const target = await spec.target();
    const params = (await spec.params?.()) ?? {};
    const bases = (await spec.bases?.()) ?? [];
    const url = urlFor(pattern, params, g.param);
    const app = target.app;
    const before = snapshot(app, spec.loginNoise === true);
    const auditBefore = lastAuditId(app);
    const res = await send(spec, target, url, g.body, bases);
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const fail = (msg: string) => { throw new Error(`${msg}\n${describeRun(route, url, g, res)}`); };

    if (res.status >= 500) fail(`answered ${res.status}`);
    const polluted = pollution();
    if (polluted.length) fail(`prototype polluted: ${polluted.join(', ')}`);
    if (res.status >= 400) {
      const changed = changedTables(before, snapshot(app, spec.loginNoise === true));
      if (changed.length) fail(`a ${res.status} changed ${changed.join(', ')}: ${JSON.stringify(eventsAfter(app, auditBefore).map((e) => e.action))}`);
      if (!humanMessage(res)) fail(`a ${res.status} without a message for the person`);
      return;
    }
    const problems = await wholeness(app);
    if (problems.length) fail(`after a ${res.status}: ${problems.join('; ')}`);
    const location = locationOf(res);
    if (target.signedIn && location.startsWith('/login?')) fail('the route sent a signed-in person to sign in: the run did not reach it');
    try {
      const delta = (table: string) => (app.database.sqlite.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number) - Number(before.get(table)?.split(':')[0]);
      await spec.effect?.({ app, res, params, events: eventsAfter(app, auditBefore), delta });
    } catch (e) {
      fail((e as Error).message);
    }
    if (res.status < 300 && spec.notice && !noticeOn(res.text)) fail('the page it answers with says nothing about what happened');
    if (res.status >= 300 && location.startsWith('/')) {
      const landing = await target.agent.get(location);
      if (landing.status >= 500) fail(`the page it redirects to answered ${landing.status}`);
      if (spec.notice && landing.status === 200 && !noticeOn(landing.text)) fail(`redirected to ${location}, which says nothing about what happened`);
    }
  }), { numRuns: RUNS, seed, endOnFailure: true });

  // The runs must have got past the guards: some answered success and, where there is something to get
  // wrong (a field or a parameter), some were refused by the route rather than by CSRF or the body parser.
  const statuses = [...seen.keys()];
  expect(statuses.filter((s) => s < 400)).not.toEqual([]);
  if (spec.fields().length || paramNames.length) expect(statuses.filter((s) => s >= 400 && ![403, 413, 415].includes(s))).not.toEqual([]);
}

describe('hostile input on every form', () => {
  test('every POST route has a spec here, every spec names a route, and only GET and POST routes exist', () => {
    const routes = routeTable(t.app);
    const posts = routes.filter((r) => r.startsWith('POST '));
    expect(posts.filter((r) => !(r in SPECS))).toEqual([]);
    expect(Object.keys(SPECS).filter((r) => !posts.includes(r))).toEqual([]);
    expect(routes.filter((r) => !/^(GET|POST) /.test(r))).toEqual([]);
  });

  test('the CSV specs are exactly the multipart forms in the views', () => {
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ejs') ? [path.join(dir, d.name)] : []));
    const multipart = files(viewsDir).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/<form\b[^>]*action="([^"]+)"[^>]*enctype="multipart\/form-data"/g)].map((m) => `POST ${m[1]}`));
    expect(multipart.sort()).toEqual(Object.keys(SPECS).filter((r) => SPECS[r]!.csv).sort());
  });

  test('every form on the real pages posts to a route with a spec, with only the fields the spec knows', async () => {
    const quiz = await openAttempt();
    const scene = await currentScene();
    const pages: [Agent, string][] = [
      [admin, '/admin/users/new'], [admin, `/admin/users/${ids.victim}`], [admin, `/admin/users/${ids.goner}`], [admin, `/admin/users/${ids.certHolder}`],
      [admin, '/admin/departments'], [admin, '/admin/import'], [admin, '/admin/completions/import'],
      [learners.get('scene')!, `/courses/${course.id}/lessons/${scene.lessonId}/play`],
      [learners.get('quiz')!, `/courses/${course.id}/quiz`], [learners.get('quiz')!, `/courses/${course.id}/quiz/attempts/${quiz.id}`],
      [learners.get('attest')!, `/courses/${course.id}/attest/${ids.attestAttempt}`],
      [newAgent(t.app), '/login'],
      [newAgent(t.app), `/password/${(await SPECS['POST /password/:token']!.params!()).token}`],
      [newAgent(fresh.app), `/setup/${setupToken}`],
    ];
    const covered = new Set<string>();
    const problems: string[] = [];
    for (const [agent, page] of pages) {
      const res = await agent.get(page);
      if (res.status !== 200) problems.push(`${page} answered ${res.status}`);
      for (const m of res.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
        if (!/method="post"/i.test(m[1]!)) continue;
        const action = /action="([^"]+)"/.exec(m[1]!)?.[1] ?? page;
        const route = Object.keys(SPECS).find((r) => new RegExp(`^${r.slice(5).replace(/:\w+/g, '[^/]+')}$`).test(action));
        if (!route) {
          problems.push(`${page} has a form posting to ${action}, which no spec covers`);
          continue;
        }
        covered.add(route);
        const known = new Set(['_csrf', ...SPECS[route]!.fields()]);
        for (const n of m[2]!.matchAll(/\bname="([^"]+)"/g)) if (!known.has(n[1]!)) problems.push(`${route}: the form on ${page} sends "${n[1]}", which the spec does not know`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(SPECS).filter((r) => !covered.has(r))).toEqual([]);
  });

  // Admin forms first, learners next, then the forms that end sessions or use one-time links.
  test.each(Object.keys(SPECS))('%s: never a 500, a refusal changes nothing and says why, a success is whole', async (route) => {
    await exercise(route);
  }, 120_000);
});

describe('after the hostile input', () => {
  // Runs after every property above: whatever they stored (names, departments, imports in odd Unicode)
  // must not break a page later. Every GET route, as the admin and as each learner, at real records.
  test('every page still renders: GET routes as the admin and as each learner never answer 5xx', async () => {
    const gets = routeTable(t.app).filter((r) => r.startsWith('GET ')).map((r) => r.slice(4));
    const s = t.database.sqlite;
    const all = (sql: string) => (s.prepare(sql).pluck().all() as (string | number)[]).map(String);
    const values: Record<string, string[]> = {
      courseId: [course.id, 'no-such-course'], lessonId: course.lessons.map((l) => l.id),
      answerId: all('SELECT id FROM scene_answers ORDER BY id DESC LIMIT 3'), attemptId: all('SELECT id FROM quiz_attempts ORDER BY id DESC LIMIT 3'),
      code: all('SELECT code FROM certificates ORDER BY id DESC LIMIT 3'), token: [pwToken, 'A'.repeat(43)],
    };
    const people = all('SELECT id FROM users ORDER BY id');
    const certs = all('SELECT id FROM certificates ORDER BY id DESC LIMIT 3');
    const agents: [string, Agent][] = [['admin', admin], ...[...learners].map(([k, a]): [string, Agent] => [k, a])];
    const failures: string[] = [];
    for (const route of gets) {
      const expand = (path: string, names: string[]): string[] => {
        if (!names.length) return [path];
        const [name, ...rest] = names;
        const list = name === 'id' ? (path.startsWith('/certificates') ? certs : people) : values[name!] ?? [];
        return list.flatMap((v) => expand(path.replace(`:${name}`, encodeURIComponent(v)), rest));
      };
      let urls = expand(route, [...route.matchAll(/:(\w+)/g)].map((m) => m[1]!));
      if (route.startsWith('/reports/evidence')) urls = people.slice(0, 5).map((p) => `${route}?person=${p}`);
      for (const [who, agent] of agents) {
        // The people pages are admin pages; a learner gets 403 for each of them, once is enough.
        for (const url of who === 'admin' ? urls : urls.slice(0, 3)) {
          const res = await agent.get(url);
          if (res.status >= 500) failures.push(`${url} as ${who}: ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

// Regression tests for the defects this file found (all fixed).
describe('defects found by these properties', () => {
  // Issue 12 moved multipart parsing to the upload routes: elsewhere any multipart body is a 415, unread.
  test('a multipart part without a field name is a 400 with a message on an upload route, before the CSRF check; elsewhere a 415', async () => {
    const body = Buffer.from('--X\r\nContent-Disposition: form-data; name=""\r\n\r\nv\r\n--X--\r\n');
    const res = await admin.post('/admin/import').set('Content-Type', 'multipart/form-data; boundary=X').send(body);
    expect(res.status).toBe(400);
    expect(humanMessage(res)).toBeDefined();
    const elsewhere = await newAgent(t.app).post('/login').set('Content-Type', 'multipart/form-data; boundary=X').send(body);
    expect(elsewhere.status).toBe(415);
    expect(humanMessage(elsewhere)).toBeDefined();
  });

  test('sign-in with a repeated or overlong `next` field signs in and lands on the dashboard', async () => {
    for (const next of [['/a', '/b'], [`/${'x'.repeat(600)}`]]) {
      const agent = newAgent(t.app);
      const token = csrfFrom((await agent.get('/login')).text);
      await t.db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('email_normalized', '=', 'login.target@riverside.example').execute();
      const res = await agent.post('/login').type('form')
        .send([`_csrf=${encodeURIComponent(token)}`, 'email=login.target%40riverside.example', `password=${encodeURIComponent(GOOD_PASSWORD)}`, ...next.map((n) => `next=${encodeURIComponent(n)}`)].join('&'));
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });

  test('a completions CSV naming more than 32,766 distinct employee IDs is checked in chunks: a 400 listing the unknown IDs', async () => {
    const rows = Array.from({ length: 33_000 }, (_v, i) => `X${i},${course.id},2025-06-01,Bulk`);
    const csv = ['employee_id,course_id,completed_at,source', ...rows].join('\n');
    const res = await admin.post('/admin/completions/import').field('_csrf', await tokenOf(admin, '/admin/users/new'))
      .attach('file', Buffer.from(csv), 'history.csv');
    expect(res.status).toBe(400);
  }, 60_000);

  test('a completion dated before 2000 (or before the year 1000) is refused with a message (in-person form and history import)', async () => {
    const token = await tokenOf(admin, '/admin/users/new');
    const before = (await t.db.selectFrom('completions').select('id').execute()).length;
    for (const day of ['0999-12-31', '0001-01-01', '1999-12-31']) {
      const id = await completionTarget();
      // The person page's form answers with the page again and a flash message (post/redirect/get).
      const recorded = await admin.post(`/admin/users/${id}/completions`).type('form')
        .send({ _csrf: token, course_id: course.id, completed_on: day, trainer: 'Tess Trainer', reason: 'Paper sign-in sheet' });
      expect(recorded.status).toBe(303);
      expect((await admin.get(`/admin/users/${id}`)).text).toContain('Nothing was recorded: The session date must be in 2000 or later.');
      const imported = await admin.post('/admin/completions/import').type('form')
        .send({ _csrf: token, csv: `employee_id,course_id,completed_at,source\nH1001,${course.id},${day},Paper` });
      expect(imported.status).toBe(400);
      expect(imported.text).toContain('The completion date must be in 2000 or later.');
    }
    expect((await t.db.selectFrom('completions').select('id').execute()).length).toBe(before);
  });

  test('a refused answer to a lesson nobody opened yet writes nothing (400 or 409)', async () => {
    const lesson = course.lessons[0]!;
    const cases: { scene: string; body: Record<string, string> }[] = [
      { scene: lesson.scenes[0]!.id, body: { choice: 'no-such-choice' } }, // 400 "Choose one of the options shown"
      { scene: lesson.scenes[0]!.id, body: {} }, // 400, the scene page again
      { scene: lesson.scenes[1]!.id, body: { choice: lesson.scenes[0]!.choices[0]!.id } }, // 409, not the scene you are on
    ];
    const writes: string[] = [];
    for (const c of cases) {
      const email = `opener${uniq()}@riverside.example`;
      await createPerson(t.db, t.clock, { email, name: 'Opal Opener' });
      const agent = newAgent(t.app);
      await signIn(agent, email, GOOD_PASSWORD);
      const token = csrfFrom((await agent.get('/transcript')).text);
      const before = snapshot(t, false);
      const res = await agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/${c.scene}`).type('form').send({ _csrf: token, ...c.body });
      const changed = changedTables(before, snapshot(t, false));
      if (res.status >= 400 && changed.length) writes.push(`${res.status} wrote ${changed.join(', ')}`);
    }
    expect(writes).toEqual([]);
  });
});

afterAll(() => {
  if (STATS) {
    console.log([...stats].map(([r, m]) => `${r}: ${[...m].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`).join('\n'));
  }
});
