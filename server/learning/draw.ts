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
 * Draws `count` questions spread across the lessons as evenly as the bank allows (round-robin over
 * the lessons, a random question from each), then shuffles question order and each question's choices.
 */
export function drawQuestions(questions: readonly QuizQuestion[], lessonOrder: readonly string[], count: number, rng: Rng = cryptoRng): ServedQuestion[] {
  const pools = new Map<string, QuizQuestion[]>();
  for (const id of lessonOrder) pools.set(id, []);
  for (const q of questions) pools.get(q.lesson)?.push(q);
  for (const [id, pool] of pools) pools.set(id, shuffle(pool, rng));
  const picked: QuizQuestion[] = [];
  const lessons = shuffle(lessonOrder, rng);
  while (picked.length < count && [...pools.values()].some((p) => p.length > 0)) {
    for (const id of lessons) {
      if (picked.length >= count) break;
      const q = pools.get(id)?.pop();
      if (q) picked.push(q);
    }
  }
  return shuffle(picked, rng).map((q) => ({ question: q.id, choices: shuffle(q.choices.map((c) => c.id), rng) }));
}
