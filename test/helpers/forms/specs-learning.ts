import { loadCatalogue } from '../../../server/content/loader';
import { SPOT_FIXTURE_CONTENT } from '../content';
import { locationOf, must, type Pair } from './types';
import { withSchemaFields } from './schema-fields';
import { asLearner, ATTEST_NAME, choiceIds, course, currentScene, ids, openAttempt, openScene, spotLearner, spotScene } from './world';

// A learner's forms: lesson scenes, quiz attempts, the attestation.

export const LEARNING_SPECS = withSchemaFields({
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId': {
    target: asLearner('scene'),
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
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId/marks': {
    // The spot-the-PHI fixture course's app (see spotLearner): the shipped course need not have a spot scene.
    target: async () => {
      const w = await spotLearner();
      return { app: w.app, agent: w.agent, token: w.token, signedIn: true };
    },
    // The fixture's phrase ids (of every spot scene, so some runs tick another scene's phrase) and a choice id.
    values: () => loadCatalogue(SPOT_FIXTURE_CONTENT).get('spot')!.lessons.flatMap((l) => l.scenes.flatMap((s) => [
      ...(s.spot?.parts ?? []).flatMap((p) => ('phrase' in p ? [p.phrase.id] : [])), ...s.choices.map((c) => c.id),
    ])),
    params: async () => {
      const w = await spotLearner();
      return { courseId: w.course.id, lessonId: w.course.lessons[0]!.id, sceneId: (await spotScene(w))!.id };
    },
    bases: async () => {
      const scene = (await spotScene(await spotLearner()))!;
      const phrases = scene.spot!.parts.flatMap((p) => ('phrase' in p ? [p.phrase] : []));
      const right = phrases.filter((p) => p.identifies).map((p): Pair => ['phrase', p.id]);
      return [right, phrases.map((p): Pair => ['phrase', p.id]), [['phrase', phrases[0]!.id]]];
    },
    effect: async ({ app, res, params }) => {
      const answer = /\/answers\/(\d+)#feedback$/.exec(locationOf(res))?.[1];
      must(answer !== undefined, `unexpected redirect ${locationOf(res)}`);
      const row = await app.db.selectFrom('scene_answers').selectAll().where('id', '=', Number(answer)).executeTakeFirst();
      if (!row || row.scene_id !== params.sceneId || row.marks === null) throw new Error('redirected to an answer that was not recorded with its marks');
      const scene = app.catalogue.get(params.courseId!)!.lessons[0]!.scenes.find((s) => s.id === params.sceneId)!;
      const marks = JSON.parse(row.marks) as string[];
      const right = scene.spot!.parts.flatMap((p) => ('phrase' in p && p.phrase.identifies ? [p.phrase.id] : []));
      const allRight = marks.length === right.length && right.every((id) => marks.includes(id));
      must(row.outcome === (allRight ? 'best' : 'violation'), `marks ${row.marks} graded ${row.outcome}`);
    },
  },
  'POST /courses/:courseId/quiz/attempts': {
    target: asLearner('quiz'), values: () => [],
    params: async () => ({ courseId: course.id }),
    effect: async ({ app, res }) => {
      const id = Number(/\/quiz\/attempts\/(\d+)$/.exec(locationOf(res))?.[1]);
      const row = await app.db.selectFrom('quiz_attempts').selectAll().where('id', '=', id).executeTakeFirst();
      must(row?.user_id === ids.quiz && row.submitted_at === null, `redirected to attempt ${id}, which is not this learner's open attempt`);
    },
  },
  'POST /courses/:courseId/quiz/attempts/:attemptId': {
    target: asLearner('quiz'),
    // Named by the course content, one per question; the request schema (quizAnswersForm) holds their pattern.
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
  'POST /courses/:courseId/quiz/attempts/:attemptId/answers': {
    target: asLearner('quiz'),
    fields: () => ['question', 'go', ...course.questions.map((q) => `q_${q.id}`)],
    values: () => ['next', 'back', 'review', 'stay', ...course.questions.map((q) => q.id), ...new Set(course.questions.flatMap((q) => q.choices.map((c) => c.id)))],
    params: async () => ({ courseId: course.id, attemptId: String((await openAttempt()).id) }),
    bases: async () => {
      const { served } = await openAttempt();
      return served.slice(0, 3).map((sq): Pair[] => [['question', sq.question], [`q_${sq.question}`, sq.choices[0]!], ['go', 'next']]);
    },
    effect: async ({ app, res, params }) => {
      const loc = locationOf(res);
      must(loc.startsWith(`/courses/${params.courseId}/quiz/attempts/${params.attemptId}`), `unexpected redirect ${loc}`);
      const attempt = await app.db.selectFrom('quiz_attempts').selectAll().where('id', '=', Number(params.attemptId)).executeTakeFirstOrThrow();
      const served = JSON.parse(attempt.served) as { question: string; choices: string[] }[];
      for (const row of await app.db.selectFrom('quiz_saved_answers').selectAll().where('attempt_id', '=', attempt.id).execute()) {
        const sq = served.find((s) => s.question === row.question_id);
        must(sq && (JSON.parse(row.choices) as string[]).every((c) => sq.choices.includes(c)), `a saved answer is not one of the served choices: ${row.question_id} ${row.choices}`);
      }
    },
  },
  'POST /courses/:courseId/attest/:attemptId': {
    target: asLearner('attest'),
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
});
