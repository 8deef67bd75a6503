import { z } from 'zod';

// Request schemas of the learning routes (routes.ts), exported so they can be registered with the
// other forms' schemas.

/** POST …/quiz/attempts/:attemptId/answers: keep one question's answer, then go where the button says. */
export const saveAnswerRequest = z.object({
  question: z.string().trim().min(1, 'Say which question this answer is for.').max(100, 'That question id is too long.'),
  go: z.enum(['next', 'back', 'review', 'stay', '']).transform((g) => g || 'stay'),
});
export const SAVE_ANSWER_FIELDS = ['question', 'go'] as const;

/** GET …/quiz/attempts/:attemptId?q=N: one question per page, numbered from 1. */
export const questionPageQuery = z.object({
  q: z.string().regex(/^[1-9]\d{0,3}$/).transform(Number).optional().catch(undefined),
});
