import { z } from 'zod';
import { NO_FIELDS, type RequestSchemas } from '../http/validate';

/** A lesson scene's answer: the chosen option (anything but one text value counts as no choice). */
export const sceneAnswerForm = z.object({ choice: z.string() });

/**
 * A quiz attempt's answers: one field per question served, named `q_<question id>` after the course
 * content, each one choice or (multiple-answer questions) several. answersFromBody reads them against
 * the questions actually served, so its messages can name the question.
 */
export const quizAnswersForm = z.record(z.string().regex(/^q_.+/), z.union([z.string(), z.array(z.string())]));

export const LEARNING_REQUESTS = {
  'GET /courses/:courseId': NO_FIELDS,
  'GET /courses/:courseId/lessons/:lessonId': NO_FIELDS,
  'GET /courses/:courseId/lessons/:lessonId/play': NO_FIELDS,
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId': sceneAnswerForm,
  'GET /courses/:courseId/lessons/:lessonId/answers/:answerId': NO_FIELDS,
  'GET /courses/:courseId/quiz': NO_FIELDS,
  'POST /courses/:courseId/quiz/attempts': NO_FIELDS,
  'GET /courses/:courseId/quiz/attempts/:attemptId': NO_FIELDS,
  'POST /courses/:courseId/quiz/attempts/:attemptId': quizAnswersForm,
  'GET /courses/:courseId/quiz/attempts/:attemptId/result': NO_FIELDS,
} satisfies RequestSchemas;
