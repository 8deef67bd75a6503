import { z } from 'zod';
import { NO_FIELDS, rawFormValue, type RequestSchemas } from '../http/validate';

/** A lesson scene's answer: the chosen option (anything but one text value counts as no choice). */
export const sceneAnswerForm = z.object({ choice: z.string() });

/**
 * A spot-the-PHI answer: the ticked phrases, one `phrase` field each (none when nothing is ticked, as a
 * browser sends an unticked box). Repeated fields arrive as a list, so the raw value is read; the
 * service then checks each id against the scene.
 */
export const spotMarksForm = z.object({
  phrase: rawFormValue(z.unknown().transform((v, ctx): string[] => {
    const list: unknown[] = v === undefined ? [] : Array.isArray(v) ? v : [v];
    const problem = list.length > 60 ? 'More phrases were sent than a draft has. Reload the page and tick again.'
      : list.some((x) => typeof x !== 'string') ? 'Send each ticked phrase as text.'
        : list.some((x) => x === '') ? 'A ticked phrase arrived empty. Reload the page and tick again.'
          : list.some((x) => String(x).length > 64) ? 'A ticked phrase is not one of this draft. Reload the page and tick again.' : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return list as string[];
  })),
});

/**
 * A quiz attempt's answers: one field per question served, named `q_<question id>` after the course
 * content, each one choice or (multiple-answer questions) several. answersFromBody reads them against
 * the questions actually served, so its messages can name the question.
 */
export const quizAnswersForm = z.record(z.string().regex(/^q_.+/), z.union([z.string(), z.array(z.string())]));

/** POST …/quiz/attempts/:attemptId/answers: keep one question's answer, then go where the button says. */
export const saveAnswerRequest = z.object({
  question: z.string().trim().min(1, 'Say which question this answer is for.').max(100, 'That question id is too long.'),
  go: z.enum(['next', 'back', 'review', 'stay', '']).transform((g) => g || 'stay'),
});

/** GET …/quiz/attempts/:attemptId?q=N: one question per page, numbered from 1. */
export const questionPageQuery = z.object({
  q: z.string().regex(/^[1-9]\d{0,3}$/).transform(Number).optional().catch(undefined),
});

export const LEARNING_REQUESTS = {
  'GET /courses/:courseId': NO_FIELDS,
  'GET /courses/:courseId/lessons/:lessonId': NO_FIELDS,
  'GET /courses/:courseId/lessons/:lessonId/play': NO_FIELDS,
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId': sceneAnswerForm,
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId/marks': spotMarksForm,
  'GET /courses/:courseId/lessons/:lessonId/answers/:answerId': NO_FIELDS,
  'GET /courses/:courseId/quiz': NO_FIELDS,
  'POST /courses/:courseId/quiz/attempts': NO_FIELDS,
  'GET /courses/:courseId/quiz/attempts/:attemptId': questionPageQuery,
  'POST /courses/:courseId/quiz/attempts/:attemptId/answers': saveAnswerRequest,
  'POST /courses/:courseId/quiz/attempts/:attemptId': quizAnswersForm,
  'GET /courses/:courseId/quiz/attempts/:attemptId/result': NO_FIELDS,
} satisfies RequestSchemas;
