import type { Course, QuizQuestion } from '../content/catalogue';
import type { QuizAttempt } from '../db/schema';
import { isRight, servedOf, type Answers } from './quiz';

// What a result page may show of a graded attempt. A failed attempt shows only which questions were
// wrong and what to study, never the key: a failed attempt that showed the right choices (or the
// learner's choices marked right or wrong, which on a two-choice question is the same thing) would turn
// retakes into a way to collect the answers. A passed attempt shows everything, so the learner can
// learn from the questions they still got wrong.

export interface LessonRef {
  id: string;
  /** Position in the course, from 1. */
  number: number;
  title: string;
}

export interface MissedQuestion {
  prompt: string;
  /** The concept in words that do not give the answer away; empty when the content has none yet. */
  conceptHtml: string;
  lesson: LessonRef;
  /** The scene that teaches it (its position and prompt), when the question names one the lesson has. */
  scene?: { number: number; prompt: string };
}

export interface ReviewedQuestion {
  prompt: string;
  type: QuizQuestion['type'];
  right: boolean;
  /** In the order the learner saw them. */
  choices: { text: string; correct: boolean; chosen: boolean }[];
  explanationHtml: string;
  reference: string;
  lesson: LessonRef;
}

export type AttemptReview =
  | { passed: false; missed: MissedQuestion[] }
  | { passed: true; questions: ReviewedQuestion[] };

function lessonRef(course: Course, lessonId: string): LessonRef | undefined {
  const index = course.lessons.findIndex((l) => l.id === lessonId);
  const lesson = course.lessons[index];
  return lesson ? { id: lesson.id, number: index + 1, title: lesson.title } : undefined;
}

/** The served questions still in the course, with what the learner answered. */
function gradedItems(course: Course, attempt: QuizAttempt) {
  const answers = JSON.parse(attempt.answers ?? '{}') as Answers;
  const byId = new Map(course.questions.map((q) => [q.id, q]));
  return servedOf(attempt).flatMap((sq) => {
    const q = byId.get(sq.question);
    const lesson = q && lessonRef(course, q.lesson);
    return q && lesson ? [{ q, lesson, served: sq.choices, chosen: answers[sq.question] ?? [] }] : [];
  });
}

/** The questions an attempt got wrong, each with the concept to study and where the course teaches it. */
export function missedQuestions(course: Course, attempt: QuizAttempt): MissedQuestion[] {
  return gradedItems(course, attempt).filter((it) => !isRight(it.q, it.chosen)).map(({ q, lesson }) => {
    const scenes = course.lessons[lesson.number - 1]!.scenes;
    const at = q.scene ? scenes.findIndex((s) => s.id === q.scene) : -1;
    const scene = scenes[at];
    return { prompt: q.prompt, conceptHtml: q.conceptHtml, lesson, ...(scene ? { scene: { number: at + 1, prompt: scene.prompt } } : {}) };
  });
}

/** Every question of a passed attempt: the learner's answer, the right one and the explanation. */
function fullReview(course: Course, attempt: QuizAttempt): ReviewedQuestion[] {
  return gradedItems(course, attempt).map(({ q, lesson, served, chosen }) => ({
    prompt: q.prompt, type: q.type, right: isRight(q, chosen), explanationHtml: q.explanationHtml, reference: q.reference, lesson,
    choices: served.flatMap((cid) => {
      const c = q.choices.find((x) => x.id === cid);
      return c ? [{ text: c.text, correct: c.correct, chosen: chosen.includes(cid) }] : [];
    }),
  }));
}

/** What the result page of a graded attempt shows: the key only once the attempt passed. */
export function attemptReview(course: Course, attempt: QuizAttempt): AttemptReview {
  return attempt.passed ? { passed: true, questions: fullReview(course, attempt) } : { passed: false, missed: missedQuestions(course, attempt) };
}
