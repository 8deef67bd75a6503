import type { Course, QuizQuestion } from '../content/catalogue';
import { markersIn } from '../content/markers';
import { drawQuestions, type Rng } from './draw';
import { isRight, quizScore } from './quiz';

// A simulated test-wise learner who never reads the lessons: it answers from the look of the choices
// alone, the way coaching for multiple-choice tests teaches. content:check runs it over quizzes drawn
// exactly as the app draws them, graded by the app's own rule, to show whether the bank can be passed
// without knowing the subject.

/** A small, fast, seeded generator (mulberry32): the same seed gives the same figures on every machine. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const firstWord = (text: string): string => /[\p{L}\p{N}']+/u.exec(text.toLowerCase())?.[0] ?? '';
const NEGATION = /(?<![\p{L}])(no|not|never|nobody|none|nothing|neither|nor|without|cannot|\p{L}+n['’]t)(?![\p{L}])/iu;

/** Positions whose value differs from every other choice's, when all the others share one value. */
function oddOnes(values: readonly string[]): Set<number> {
  const odd = new Set<number>();
  if (values.length < 3) return odd;
  values.forEach((v, i) => {
    const others = values.filter((_, j) => j !== i);
    if (others.every((o) => o === others[0]) && others[0] !== v) odd.add(i);
  });
  return odd;
}

/**
 * How attractive each choice looks without reading it: +1 for the longest, +1 for the odd one out
 * (its opening word, or its yes/no polarity, differs from all the others), −1 for a marker word
 * (a reason, hedge or absolute: "because", "only", "never"...).
 */
export function lookScores(texts: readonly string[]): number[] {
  const lengths = texts.map((t) => t.trim().length);
  const longest = Math.max(...lengths);
  const oddOpening = oddOnes(texts.map(firstWord));
  const oddPolarity = oddOnes(texts.map((t) => (NEGATION.test(t) ? 'negative' : 'positive')));
  return texts.map((t, i) => (lengths[i] === longest ? 1 : 0)
    + (oddOpening.has(i) || oddPolarity.has(i) ? 1 : 0)
    - (markersIn(t).length > 0 ? 1 : 0));
}

/** A multiple item: every choice scoring at least this is ticked (the best-scoring one if none does). */
export const MULTIPLE_THRESHOLD = 0;

/** The choice ids the test-wise learner submits for one served question (choices in served order). */
export function testWisePick(q: QuizQuestion, servedChoices: readonly string[], rng: Rng): string[] {
  const choices = servedChoices.map((id) => q.choices.find((c) => c.id === id)!);
  const scores = lookScores(choices.map((c) => c.text));
  const best = Math.max(...scores);
  const top = choices.filter((_, i) => scores[i] === best);
  const one = [top[rng(top.length)]!.id];
  if (q.type === 'single') return one;
  const ticked = choices.filter((_, i) => scores[i]! >= MULTIPLE_THRESHOLD).map((c) => c.id);
  return ticked.length ? ticked : one;
}

export interface TestWiseResult {
  quizzes: number;
  passed: number;
  /** Per item: how often it was served and how often the test-wise learner got it right. */
  items: Map<string, { served: number; right: number }>;
}

/** Takes `quizzes` drawn quizzes as the test-wise learner, with the course's draw, grading and pass mark. */
export function simulateTestWise(course: Course, quizzes: number, seed: number): TestWiseResult {
  const rng = seededRng(seed);
  const byId = new Map(course.questions.map((q) => [q.id, q]));
  const items = new Map(course.questions.map((q) => [q.id, { served: 0, right: 0 }]));
  let passed = 0;
  for (let k = 0; k < quizzes; k += 1) {
    const served = drawQuestions(course.questions, course.lessons.map((l) => l.id), course.questionsPerAttempt, rng);
    let correct = 0;
    for (const sq of served) {
      const q = byId.get(sq.question)!;
      const right = isRight(q, testWisePick(q, sq.choices, rng));
      const tally = items.get(q.id)!;
      tally.served += 1;
      if (right) { tally.right += 1; correct += 1; }
    }
    if (served.length && quizScore(correct, served.length) >= course.passingScore) passed += 1;
  }
  return { quizzes, passed, items };
}
