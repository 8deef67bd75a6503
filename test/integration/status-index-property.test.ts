import fc from 'fast-check';
import type { Course } from '../../server/content/catalogue';
import type { User } from '../../server/db/schema';
import { addDays } from '../../server/dates';
import { earliestAllowedCutoff, purgeBefore } from '../../server/training/retention';
import { completionStore } from '../../server/training/store';
import { onPostgres } from '../helpers/test-db';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, submitForm, type Agent } from '../helpers/http';
import { playLesson, quizAnswers, sceneIdOn, servedOn } from '../helpers/learner';

// The training-status rows are an index over the records. Random sequences of every write path (people
// imported, edited, deactivated; lessons answered; quizzes taken; attestations; in-person records; history
// imports; revocations; a retention purge), with the clock moving between them, must leave every row equal
// to a recomputation from the records on the same day. Nothing here refreshes the index: the unit of work
// each write runs in has to.

const DAY = 86_400_000;
const ADMIN_ACTOR = { id: null, label: 'property test' };

type Step =
  | { kind: 'import'; who: number[]; hireDaysAgo: number; newcomer: boolean }
  | { kind: 'edit'; who: number; hireDaysAgo: number | null }
  | { kind: 'deactivate' | 'reactivate' | 'attest' | 'revoke'; who: number }
  | { kind: 'answer'; who: number; scenes: number }
  | { kind: 'quiz'; who: number; pass: boolean }
  | { kind: 'in-person'; who: number; daysAgo: number }
  | { kind: 'history'; who: number; yearsAgo: number }
  | { kind: 'purge' }
  | { kind: 'advance'; days: number };

const LEARNERS = 3;
const who = fc.integer({ min: 0, max: LEARNERS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('import' as const), who: fc.uniqueArray(who, { minLength: 1, maxLength: LEARNERS }), hireDaysAgo: fc.integer({ min: 0, max: 900 }), newcomer: fc.boolean() }),
  fc.record({ kind: fc.constant('edit' as const), who, hireDaysAgo: fc.option(fc.integer({ min: 0, max: 900 })) }),
  fc.record({ kind: fc.constantFrom('deactivate' as const, 'reactivate' as const, 'attest' as const, 'revoke' as const), who }),
  fc.record({ kind: fc.constant('answer' as const), who, scenes: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('quiz' as const), who, pass: fc.boolean() }),
  fc.record({ kind: fc.constant('in-person' as const), who, daysAgo: fc.integer({ min: 0, max: 800 }) }),
  fc.record({ kind: fc.constant('history' as const), who, yearsAgo: fc.integer({ min: 1, max: 20 }) }),
  fc.constant({ kind: 'purge' as const }),
  fc.record({ kind: fc.constant('advance' as const), days: fc.constantFrom(1, 20, 200, 400, 1200) }),
);

interface World {
  t: TestApp;
  course: Course;
  admin: Agent;
  learners: User[];
  agents: Map<number, Agent>;
  /** Deactivated learners: signed out, so their own steps do nothing until they are reactivated. */
  inactive: Set<number>;
  imported: number;
  /** The clock's time when the agents last signed in. */
  signedInAt: number;
}

async function learnerAgent(w: World, user: User): Promise<Agent> {
  let agent = w.agents.get(user.id);
  if (!agent) {
    agent = newAgent(w.t.app);
    await signIn(agent, user.email, GOOD_PASSWORD);
    w.agents.set(user.id, agent);
  }
  return agent;
}

async function personFields(w: World, user: User, hireDate: string | null): Promise<Record<string, string>> {
  const now = await w.t.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  return {
    employee_id: now.employee_id ?? '', email: now.email, name: now.name, role: now.role, department: '', manager_email: '',
    hire_date: hireDate ?? '', untimed_lessons: '',
  };
}

/** The first lesson not finished yet, as the course page lists them. */
async function openLesson(w: World, agent: Agent): Promise<string | undefined> {
  for (const lesson of w.course.lessons) {
    const page = await agent.get(`/courses/${w.course.id}/lessons/${lesson.id}/play`);
    if (page.status === 200) return lesson.id;
    if (page.status !== 303 || !page.headers.location?.endsWith(`/lessons/${lesson.id}`)) return undefined;
  }
  return undefined;
}

async function apply(w: World, s: Step): Promise<void> {
  const { t } = w;
  // Sessions expire while the clock moves (days, or the reading time of a quiz step's lessons): everyone signs in again.
  if (t.clock.now().getTime() !== w.signedInAt) {
    w.admin = await adminAgent(t);
    w.agents.clear();
    w.signedInAt = t.clock.now().getTime();
  }
  const { course, admin } = w;
  const today = t.training.today();
  const learner = 'who' in s && typeof s.who === 'number' ? w.learners[s.who]! : undefined;
  if ((s.kind === 'answer' || s.kind === 'quiz' || s.kind === 'attest') && w.inactive.has(learner!.id)) return;
  switch (s.kind) {
    case 'import': {
      const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
      for (const i of s.who) {
        const u = w.learners[i]!;
        lines.push(`${u.employee_id},${u.email},${u.name},learner,,,${addDays(today, -s.hireDaysAgo)}`);
      }
      if (s.newcomer) {
        w.imported += 1;
        lines.push(`N${w.imported},new${w.imported}@riverside.example,New Person ${w.imported},learner,,,${addDays(today, -s.hireDaysAgo)}`);
      }
      const res = await submitForm(admin, '/admin/import', '/admin/import', { csv: lines.join('\n') });
      expect(res.status).toBe(200);
      return;
    }
    case 'edit': {
      const hire = s.hireDaysAgo === null ? null : addDays(today, -s.hireDaysAgo);
      const res = await submitForm(admin, `/admin/users/${learner!.id}`, `/admin/users/${learner!.id}`, await personFields(w, learner!, hire));
      expect(res.status).toBe(303);
      return;
    }
    case 'deactivate':
    case 'reactivate': {
      const res = await submitForm(admin, `/admin/users/${learner!.id}`, `/admin/users/${learner!.id}/${s.kind}`, {});
      expect(res.status).toBe(303);
      // Deactivating ends the person's sessions; they sign in again once reactivated.
      w.agents.delete(learner!.id);
      if (s.kind === 'deactivate') w.inactive.add(learner!.id); else w.inactive.delete(learner!.id);
      return;
    }
    case 'answer': {
      const agent = await learnerAgent(w, learner!);
      const lessonId = await openLesson(w, agent);
      if (!lessonId) return;
      const lesson = course.lessons.find((l) => l.id === lessonId)!;
      for (let i = 0; i < s.scenes; i += 1) {
        const page = await agent.get(`/courses/${course.id}/lessons/${lessonId}/play`);
        if (page.status !== 200) return;
        const sceneId = sceneIdOn(page.text);
        const choice = lesson.scenes.find((x) => x.id === sceneId)!.choices[i % 2]!;
        const res = await agent.post(`/courses/${course.id}/lessons/${lessonId}/scenes/${sceneId}`).type('form').send({ _csrf: csrfFrom(page.text), choice: choice.id });
        expect(res.status).toBe(303);
      }
      return;
    }
    case 'quiz': {
      const agent = await learnerAgent(w, learner!);
      if ((await agent.get(`/courses/${course.id}/lessons/${course.lessons[0]!.id}/play`)).status === 409) return;
      for (const l of course.lessons) await playLesson(agent, course, l.id, t.clock);
      const page = await agent.get(`/courses/${course.id}/quiz`);
      const start = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
      if (start.status !== 303) return;
      const quiz = await agent.get(start.headers.location!);
      if (quiz.status !== 200) return;
      const graded = await agent.post(start.headers.location!).type('form')
        .send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), s.pass)}`);
      expect(graded.status).toBe(303);
      return;
    }
    case 'attest': {
      const passed = await t.db.selectFrom('quiz_attempts').select('id').where('user_id', '=', learner!.id).where('passed', '=', 1)
        .orderBy('id', 'desc').executeTakeFirst();
      if (!passed) return;
      const agent = await learnerAgent(w, learner!);
      const page = await agent.get(`/courses/${course.id}/attest/${passed.id}`);
      if (page.status !== 200) return;
      await agent.post(`/courses/${course.id}/attest/${passed.id}`).type('form').send({ _csrf: csrfFrom(page.text), agree: 'yes', typed_name: learner!.name });
      return;
    }
    case 'in-person': {
      const res = await submitForm(admin, `/admin/users/${learner!.id}`, `/admin/users/${learner!.id}/completions`, {
        course_id: course.id, completed_on: addDays(today, -s.daysAgo), trainer: 'Aisha Rahman', reason: 'Ward session',
      });
      expect(res.status).toBe(303);
      return;
    }
    case 'history': {
      const on = addDays(today, -365 * s.yearsAgo);
      if (on < '2000-01-01') return;
      const csv = `employee_id,course_id,completed_at,source\n${learner!.employee_id},${course.id},${on},Old LMS`;
      const res = await submitForm(admin, '/admin/completions/import', '/admin/completions/import', { csv });
      expect(res.status).toBe(303);
      return;
    }
    case 'revoke': {
      const cert = await t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
        .select('certificates.id').where('completions.user_id', '=', learner!.id).where('certificates.status', '=', 'valid')
        .orderBy('certificates.id', 'desc').executeTakeFirst();
      if (!cert) return;
      const res = await submitForm(admin, `/admin/users/${learner!.id}`, `/admin/certificates/${cert.id}/revoke`, { reason: 'Issued in error' });
      expect(res.status).toBe(303);
      return;
    }
    case 'purge':
      // The CLI's path (retention:purge): no HTTP route removes records.
      await purgeBefore(t.training, ADMIN_ACTOR, earliestAllowedCutoff(today));
      return;
    case 'advance':
      t.clock.advance(s.days * DAY);
      return;
  }
}

/** Every person's row for every course equals the assignment and last-completion facts recomputed from the records, today. */
async function indexMatchesRecords(t: TestApp): Promise<number> {
  const users = await t.db.selectFrom('users').select(['id', 'hire_date', 'created_at']).orderBy('id').execute();
  let compared = 0;
  for (const course of t.catalogue.courses) {
    for (const u of users) {
      const fromIndex = await t.training.statusIndex.read(t.db, u, course);
      expect({ user: u.id, assignment: fromIndex }).toEqual({ user: u.id, assignment: await t.training.assignment(u, course) });
      const row = await t.db.selectFrom('status_index').selectAll().where('user_id', '=', u.id).where('course_id', '=', course.id).executeTakeFirstOrThrow();
      const counted = await completionStore(t.db).counted(u.id, course.id);
      const latest = counted.filter((c) => c.completed_at === counted[0]?.completed_at);
      const last = latest.find((c) => c.id === row.last_completion_id) ?? latest[0];
      const cert = last ? await t.db.selectFrom('certificates').select(['id', 'code']).where('completion_id', '=', last.id).where('status', '=', 'valid').executeTakeFirst() : undefined;
      expect({ user: u.id, last: row.last_completion_id, certificate: row.certificate_id, code: row.certificate_code, score: row.score, source: row.source, validUntil: row.last_valid_until })
        .toEqual({ user: u.id, last: last?.id ?? null, certificate: cert?.id ?? null, code: cert?.code ?? null, score: last?.score ?? null, source: last?.source ?? null, validUntil: last?.valid_until ?? null });
      compared += 1;
    }
  }
  return compared;
}

async function adminAgent(t: TestApp): Promise<Agent> {
  const admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  return admin;
}

async function newWorld(): Promise<World> {
  const t = await buildTestApp({ LESSON_MIN_WPM: 'off', QUIZ_MAX_ATTEMPTS: '0' });
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
  const admin = await adminAgent(t);
  const learners: User[] = [];
  for (let i = 0; i < LEARNERS; i += 1) {
    learners.push(await createPerson(t.db, t.clock, { email: `learner${i}@riverside.example`, name: `Learner Number${i}`, hireDate: addDays(t.training.today(), -30 * i) }));
  }
  return { t, course: t.catalogue.courses[0]!, admin, learners, agents: new Map(), inactive: new Set(), imported: 0, signedInAt: t.clock.now().getTime() };
}

test('after every write, in any order and on any day, the status index equals a recomputation from the records', async () => {
  const seen = new Set<string>();
  await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 12 }), async (steps) => {
    const w = await newWorld();
    try {
      // One row per person (the learners and the admin) and course.
      expect(await indexMatchesRecords(w.t)).toBe((LEARNERS + 1) * w.t.catalogue.courses.length);
      for (const s of steps) {
        await apply(w, s);
        expect(await indexMatchesRecords(w.t)).toBeGreaterThan(LEARNERS);
        for (const row of await w.t.db.selectFrom('status_index').select(['kind', 'started', 'source']).execute()) {
          seen.add(`${row.kind}${row.started ? '+started' : ''}${row.source ? `:${row.source}` : ''}`);
        }
      }
    } finally {
      await w.t.close();
    }
  }), {
    numRuns: 14,
    // Besides the random runs, one that surely reaches every kind of record: a passed quiz attested, an
    // in-person record, a history import, a revocation, and a purge six years on that removes the old
    // completion of one person and the only lesson progress of another (who then has not "started").
    examples: [[[
      { kind: 'answer', who: 1, scenes: 2 }, { kind: 'quiz', who: 0, pass: true }, { kind: 'attest', who: 0 },
      { kind: 'in-person', who: 1, daysAgo: 3 }, { kind: 'history', who: 1, yearsAgo: 12 }, { kind: 'revoke', who: 1 },
      { kind: 'answer', who: 2, scenes: 1 }, { kind: 'advance', days: 1200 }, { kind: 'advance', days: 1200 }, { kind: 'purge' },
    ]]],
  });
  // The runs reached the states that matter: a cycle begun, and completions from every source.
  expect([...seen].sort()).toEqual(expect.arrayContaining(['onboarding+started', 'annual:import', 'annual:in-person', 'annual:quiz']));
  // PostgreSQL answers each of the thousands of small queries over a socket, not in-process.
}, onPostgres ? 360_000 : 120_000);
