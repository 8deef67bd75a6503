import { locationOf, must, type Pair, type Spec } from './types';
import { asLearner, ATTEST_NAME, choiceIds, course, currentScene, ids, openAttempt, openScene } from './world';

// A learner's forms: lesson scenes, quiz attempts, the attestation.

export const LEARNING_SPECS: Record<string, Spec> = {
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
    fields: () => ['agree', 'typed_name', 'policy_shown'],
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
};
