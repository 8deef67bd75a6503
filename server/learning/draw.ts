import crypto from 'node:crypto';
import type { QuizQuestion } from '../content/catalogue';

export interface ServedQuestion {
  question: string;
  choices: string[];
}

/** A random integer in [0, n): crypto-grade, so the draw cannot be predicted from earlier attempts. */
export type Rng = (n: number) => number;
export const cryptoRng: Rng = (n) => crypto.randomInt(n);

export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = rng(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * How many questions of the learner's last attempt a new one may repeat: a quarter. A retake that
 * asked the same questions again would reward remembering answers, not reading the lessons.
 */
export function repeatLimit(count: number): number {
  return Math.floor(count / 4);
}

/**
 * Draws `count` questions spread across the lessons as evenly as the bank allows, then shuffles
 * question order and each question's choices. `previous` holds the question ids of the learner's last
 * attempt; the draw prefers questions not among them ("new" ones), by this rule:
 *
 * 1. One round over the lessons (in random order), one new question from each. A lesson with no new
 *    question left gives one of its repeats instead, while the repeat limit (a quarter of `count`)
 *    allows and `count` is enough for every lesson: a lesson left out of the quiz entirely is worse
 *    than one repeated question.
 * 2. Further rounds take one new question from each lesson that still has one. A lesson whose new
 *    questions run out simply drops out of the rounds, so its share goes to new questions of the
 *    other lessons first.
 * 3. Only when no lesson has a new question left are repeats taken (again round by round), even past
 *    the limit: the bank cannot supply more new questions, and a short quiz would be worse.
 *
 * So at most a quarter of the questions repeat whenever the bank holds at least `count - limit` new
 * ones. Without `previous` this is the plain round-robin draw.
 */
export function drawQuestions(
  questions: readonly QuizQuestion[], lessonOrder: readonly string[], count: number, rng: Rng = cryptoRng, previous: readonly string[] = [],
): ServedQuestion[] {
  const last = new Set(previous);
  const fresh = new Map<string, QuizQuestion[]>();
  const repeats = new Map<string, QuizQuestion[]>();
  for (const id of lessonOrder) { fresh.set(id, []); repeats.set(id, []); }
  for (const q of questions) (last.has(q.id) ? repeats : fresh).get(q.lesson)?.push(q);
  for (const [id, pool] of fresh) fresh.set(id, shuffle(pool, rng));
  for (const [id, pool] of repeats) repeats.set(id, shuffle(pool, rng));
  const lessons = shuffle(lessonOrder, rng);
  const picked: QuizQuestion[] = [];
  const rounds = (pools: Map<string, QuizQuestion[]>) => {
    while (picked.length < count && [...pools.values()].some((p) => p.length > 0)) {
      for (const id of lessons) {
        if (picked.length >= count) break;
        const q = pools.get(id)?.pop();
        if (q) picked.push(q);
      }
    }
  };

  let repeatsLeft = repeatLimit(count);
  const asked = lessons.filter((id) => fresh.get(id)!.length + repeats.get(id)!.length > 0);
  const coverAll = count >= asked.length;
  for (const id of asked) {
    if (picked.length >= count) break;
    let q = fresh.get(id)!.pop();
    if (!q && coverAll && repeatsLeft > 0) { q = repeats.get(id)!.pop(); repeatsLeft -= 1; }
    if (q) picked.push(q);
  }
  rounds(fresh);
  rounds(repeats);
  return shuffle(picked, rng).map((q) => ({ question: q.id, choices: shuffle(q.choices.map((c) => c.id), rng) }));
}
