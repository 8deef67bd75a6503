import type { Course } from '../content/catalogue';
import type { QuizAttempt } from '../db/schema';
import { fail } from '../errors';
import type { LearningDeps } from './progress';
import { servedOf, type Answers } from './quiz';
import { attemptStore, savedAnswerStore } from './store';

/** The answers saved so far for an open attempt, by question id. */
export async function savedAnswers(deps: LearningDeps, attemptId: number): Promise<Answers> {
  const rows = await savedAnswerStore(deps.db).forAttempt(attemptId);
  const out: Answers = {};
  for (const r of rows) {
    const parsed: unknown = JSON.parse(r.choices);
    if (Array.isArray(parsed)) out[r.question_id] = parsed.filter((c): c is string => typeof c === 'string');
  }
  return out;
}

/** How many of the served questions have an answer. */
export function answeredCount(attempt: QuizAttempt, answers: Answers): number {
  return servedOf(attempt).filter((sq) => (answers[sq.question] ?? []).length > 0).length;
}

/** Why one question's answer cannot be kept, or undefined when it can (an empty list clears it). */
export function answerProblem(attempt: QuizAttempt, course: Course, questionId: string, choices: string[]): string | undefined {
  const sq = servedOf(attempt).find((s) => s.question === questionId);
  const q = course.questions.find((x) => x.id === questionId);
  if (!sq || !q) return 'This question is not part of your attempt. Reload the quiz and answer the questions shown.';
  if (choices.some((c) => !sq.choices.includes(c))) return 'Choose from the options shown.';
  if (q.type === 'single' && choices.length > 1) return 'Choose one answer.';
  return undefined;
}

/**
 * Keeps the learner's current choice for each given question of an open attempt (an empty list
 * removes the answer). Nothing is graded here: the attempt's questions and grading stay as served.
 */
export async function saveAnswers(deps: LearningDeps, course: Course, attempt: QuizAttempt, answers: Answers): Promise<Answers> {
  if (attempt.submitted_at) fail('conflict', 'This attempt was already submitted. See your result from the quiz page.');
  if (attempt.content_hash !== course.contentHash) {
    fail('conflict', 'The course was updated after this quiz was given to you. Start a new attempt from the quiz page.');
  }
  const problems: Record<string, string> = {};
  for (const [questionId, choices] of Object.entries(answers)) {
    const problem = answerProblem(attempt, course, questionId, choices);
    if (problem) problems[questionId] = problem;
  }
  if (Object.keys(problems).length) fail('invalid', 'This answer could not be saved.', problems);
  const now = deps.clock.now().toISOString();
  await deps.training.uow(async (trx) => {
    const store = savedAnswerStore(trx);
    // Checked inside the transaction too: an answer saved while the attempt is being graded is not kept.
    const still = await attemptStore(trx).byId(attempt.id);
    if (!still || still.submitted_at) fail('conflict', 'This attempt was already submitted. See your result from the quiz page.');
    for (const [questionId, choices] of Object.entries(answers)) {
      if (choices.length) await store.save(attempt.id, questionId, choices, now);
      else await store.remove(attempt.id, questionId);
    }
  });
  return savedAnswers(deps, attempt.id);
}
