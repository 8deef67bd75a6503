import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Course, QuizQuestion } from '../content/catalogue';
import type { DB, QuizAttempt } from '../db/schema';
import { fail } from '../errors';
import { cryptoRng, drawQuestions, type Rng, type ServedQuestion } from './draw';
import { learnerCourseState, type LearningDeps } from './progress';
import { formatDateTime } from '../dates';
import { allowance, type AttemptRules } from './attempt-limit';
import { attemptStore, savedAnswerStore, type Track } from './store';

export interface QuizSettings extends AttemptRules {
  /** The organisation's time zone, for the date a fresh set of attempts opens. */
  timeZone: string;
  rng?: Rng;
}

/** Refuses a new attempt (or grading one) while the learner's set of attempts is used up. */
async function requireAttemptLeft(db: Kysely<DB>, settings: QuizSettings, track: Track, now: Date): Promise<void> {
  const { remaining, nextSetAt } = allowance(settings, await attemptStore(db).submittedTimes(track), now);
  if (remaining === 0 && nextSetAt) {
    fail('conflict', `You have used all ${settings.maxAttempts} quiz attempts of this set. You can try again from ${formatDateTime(nextSetAt, settings.timeZone)}: `
      + 'until then, review the lessons named on your result pages.');
  }
}

export function servedOf(attempt: QuizAttempt): ServedQuestion[] {
  return JSON.parse(attempt.served) as ServedQuestion[];
}

/** The attempt, if it belongs to this learner and this course; otherwise 404 (whose it is stays private). */
export async function ownAttempt(db: Kysely<DB>, userId: number, courseId: string, attemptId: number | undefined): Promise<QuizAttempt> {
  const a = attemptId === undefined ? undefined : await attemptStore(db).byId(attemptId);
  if (!a || a.user_id !== userId || a.course_id !== courseId) fail('not-found', 'There is no such quiz attempt for you.');
  return a;
}

/** Opens the quiz: resumes an unsubmitted attempt of the current content, or draws a new set. */
export async function startAttempt(deps: LearningDeps, settings: QuizSettings, track: Track, course: Course): Promise<number> {
  const state = await learnerCourseState(deps, track, course);
  if (!state.allLessonsDone) fail('conflict', 'The quiz opens once you have finished every lesson.');
  // One transaction from the look for an open attempt to the insert: two starts at once (two tabs, or
  // two instances on PostgreSQL) give the learner one open attempt, not two, and the limit holds.
  return deps.training.uow(async (trx) => {
    const store = attemptStore(trx);
    const open = await store.openFor(track, course.contentHash);
    if (open) return open.id;
    await requireAttemptLeft(trx, settings, track, deps.clock.now());
    // At most a quarter of the new set repeats the last attempt's questions (draw.ts says how).
    const last = await store.latest(track.userId, course.id);
    const previous = last ? servedOf(last).map((sq) => sq.question) : [];
    const served = drawQuestions(course.questions, course.lessons.map((l) => l.id), course.questionsPerAttempt, settings.rng ?? cryptoRng, previous);
    const { id } = await store.insert({
      user_id: track.userId, course_id: course.id, cycle: track.cycle, content_hash: course.contentHash, served: JSON.stringify(served),
      started_at: deps.clock.now().toISOString(), submitted_at: null, answers: null, correct_count: null,
      question_count: served.length, score: null, passed: null,
    });
    return id;
  });
}

export type Answers = Record<string, string[]>;

/** Key of a problem that belongs to no served question (question ids cannot contain "_"). */
export const OTHER_PROBLEM = '_form';

/** Reads `q_<questionId>` fields from a form body; unknown fields are ignored, non-strings refused. */
export function answersFromBody(body: unknown, served: ServedQuestion[]): { answers: Answers; problems: Record<string, string> } {
  const src = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {};
  const answers: Answers = {};
  const problems: Record<string, string> = {};
  const servedIds = new Set(served.map((sq) => sq.question));
  if (Object.keys(src).some((k) => k.startsWith('q_') && !servedIds.has(k.slice(2)))) {
    problems[OTHER_PROBLEM] = 'Your answers include a question that is not part of this attempt. Reload the quiz and answer the questions shown.';
  }
  for (const sq of served) {
    const raw = Object.prototype.hasOwnProperty.call(src, `q_${sq.question}`) ? src[`q_${sq.question}`] : undefined;
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (list.some((v) => typeof v !== 'string')) { problems[sq.question] = 'This answer could not be read.'; continue; }
    answers[sq.question] = [...new Set(list as string[])];
  }
  return { answers, problems };
}

/** The grading rule: right when exactly the correct choices were picked (for a multiple item, all of them and no other). */
export function isRight(q: QuizQuestion, chosen: readonly string[]): boolean {
  const correct = q.choices.filter((c) => c.correct).map((c) => c.id).sort();
  const picked = [...chosen].sort();
  return correct.length === picked.length && correct.every((c, i) => c === picked[i]);
}

/** The score in whole percent, compared with the course's passing score. */
export function quizScore(correct: number, questions: number): number {
  return Math.round((100 * correct) / questions);
}

export const QUIZ_INPUT_PROBLEM = 'Some answers are missing or invalid.';

/**
 * Grades an attempt on the server, once. Refuses (and records nothing) when the attempt is already
 * graded, was served under other course content, or the answers do not match what was served.
 */
export async function submitAttempt(
  deps: LearningDeps, settings: QuizSettings, actor: Actor, track: Track, course: Course, attempt: QuizAttempt, answers: Answers,
): Promise<{ score: number; passed: boolean }> {
  if (attempt.submitted_at) fail('conflict', 'This attempt was already submitted. See your result from the quiz page.');
  if (attempt.cycle !== track.cycle) fail('conflict', 'This attempt belongs to an earlier training cycle and can no longer be submitted.');
  if (attempt.content_hash !== course.contentHash) {
    fail('conflict', 'The course was updated after this quiz was given to you. Start a new attempt; your earlier answers were not graded.');
  }
  const served = servedOf(attempt);
  const byId = new Map(course.questions.map((q) => [q.id, q]));
  const problems: Record<string, string> = {};
  if (Object.keys(answers).some((key) => !served.some((s) => s.question === key))) {
    problems[OTHER_PROBLEM] = 'Your answers include a question that is not part of this attempt.';
  }
  for (const sq of served) {
    const q = byId.get(sq.question);
    const chosen = answers[sq.question] ?? [];
    if (!q) fail('conflict', 'The course was updated after this quiz was given to you. Start a new attempt.');
    if (chosen.length === 0) problems[sq.question] = 'Answer this question.';
    else if (chosen.some((c) => !sq.choices.includes(c))) problems[sq.question] = 'Choose from the options shown.';
    else if (q.type === 'single' && chosen.length > 1) problems[sq.question] = 'Choose one answer.';
  }
  if (Object.keys(problems).length) fail('invalid', QUIZ_INPUT_PROBLEM, problems);

  const correct = served.filter((sq) => isRight(byId.get(sq.question)!, answers[sq.question]!)).length;
  const score = quizScore(correct, served.length);
  const passed = score >= course.passingScore;
  const now = deps.clock.now().toISOString();
  await deps.training.uow(async (trx) => {
    // Checked again here: attempts opened side by side must not add up to more than a set.
    await requireAttemptLeft(trx, settings, track, deps.clock.now());
    const graded = await attemptStore(trx).grade(attempt.id, {
      submitted_at: now, answers: JSON.stringify(answers), correct_count: correct, score, passed: passed ? 1 : 0,
    });
    if (!graded) fail('conflict', 'This attempt was already submitted.');
    // Graded answers live on the attempt now; the ones saved while answering are no longer needed.
    await savedAnswerStore(trx).clear(attempt.id);
    await appendAudit(trx, deps.clock, actor, {
      action: passed ? 'quiz.passed' : 'quiz.failed', subjectType: 'user', subjectId: track.userId,
      details: { course: course.id, cycle: track.cycle, attempt: attempt.id, score, correct, questions: served.length, content: course.contentHash },
    });
  });
  return { score, passed };
}
