import type { Course } from '../content/catalogue';
import { fail } from '../errors';
import type { ServedQuestion } from './draw';
import type { Answers } from './quiz';

export interface QuizItem {
  id: string;
  type: 'single' | 'multiple';
  prompt: string;
  choices: { id: string; text: string }[];
}

/** The served questions in words, in the order served; refuses when the course changed underneath. */
export function quizItems(course: Course, served: ServedQuestion[]): QuizItem[] {
  const byId = new Map(course.questions.map((q) => [q.id, q]));
  return served.map((sq) => {
    const q = byId.get(sq.question);
    if (!q) fail('conflict', 'The course was updated after this quiz was given to you. Start a new attempt.');
    return { id: q.id, type: q.type, prompt: q.prompt, choices: sq.choices.map((cid) => ({ id: cid, text: q.choices.find((c) => c.id === cid)?.text ?? '' })) };
  });
}

/** "7 of 12 answered": the counter shown on every quiz page and returned when an answer is saved. */
export function progressText(items: readonly { id: string }[], answers: Answers): { answered: number; total: number; text: string } {
  const answered = items.filter((i) => (answers[i.id] ?? []).length > 0).length;
  return { answered, total: items.length, text: `${answered} of ${items.length} answered` };
}

/** Posted answers over saved ones: a question the form left blank keeps what was saved for it. */
export function mergeAnswers(saved: Answers, posted: Answers): Answers {
  const out: Answers = { ...saved };
  for (const [id, choices] of Object.entries(posted)) if (choices.length) out[id] = choices;
  return out;
}
