import fs from 'node:fs';
import type { QuizQuestion } from '../../server/content/catalogue';
import { isRight } from '../../server/learning/quiz';
import { lookScores, seededRng, simulateTestWise, testWisePick } from '../../server/learning/test-wise';
import { buildBank, loadBank, sized } from '../helpers/cue-bank';

// The simulated test-wise learner of content:check: it answers from the look of the choices, over
// quizzes drawn and graded as the app does.

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
function load(bank = buildBank()) {
  const { dir, course } = loadBank(bank);
  dirs.push(dir);
  return course;
}

const question = (type: 'single' | 'multiple', choices: [string, boolean][]): QuizQuestion => ({
  id: 'q', lesson: 'one', type, prompt: 'Which?', explanationHtml: '', conceptHtml: '', scene: '', reference: '',
  choices: choices.map(([text, correct], i) => ({ id: 'abcdef'[i]!, text, correct })),
});

describe('test-wise non-reader', () => {
  test('scores the longest choice up, a marker word down and the odd one out (opening word or polarity) up', () => {
    expect(lookScores(['Share it with the team now', 'Share it later', 'Share it only with Ann', 'Share it tomorrow'])).toEqual([1, 0, -1, 0]);
    expect(lookScores(['Yes, it is', 'Yes, she may', 'No, she may not', 'Yes, always'])).toEqual([0, 0, 2, -1]);
    expect(lookScores(['It is PHI', 'It is PHI too', 'It is not PHI'])).toEqual([0, 1, 2]);
  });

  test('a bank whose keys are always the longest choice is passed by the non-reader far more often than the limit allows', () => {
    const bank = buildBank({ keyRank: () => 3 });
    const gamed = simulateTestWise(load(bank), 1000, 3);
    for (const q of bank.questions.filter((x) => x.type === 'single')) expect(gamed.items.get(q.id)).toMatchObject({ right: gamed.items.get(q.id)!.served });
    // Every single-answer item is right and every multiple-answer item wrong (it ticks all four), so a
    // quiz passes (10 of 12) unless three or four of the lessons' multiple items are drawn; each lesson
    // serves 3 of its 4 items: 1 − 4·0.75³·0.25 − 0.75⁴ ≈ 26%.
    expect(gamed.passed / gamed.quizzes).toBeGreaterThan(0.22);
    expect(gamed.passed / gamed.quizzes).toBeLessThan(0.31);
    bank.questions = bank.questions.filter((q) => q.type === 'single');
    const allSingle = simulateTestWise(load(bank), 500, 3);
    expect(allSingle.passed).toBe(500);
  });

  test('a balanced bank is almost never passed: the non-reader gets only the items whose key happens to be longest', () => {
    const balanced = simulateTestWise(load(), 1000, 3);
    expect(balanced.passed / balanced.quizzes).toBeLessThan(0.05);
    let served = 0;
    let right = 0;
    for (const t of balanced.items.values()) { served += t.served; right += t.right; }
    expect(served).toBe(12 * 1000);
    expect(right / served).toBeGreaterThan(0.1);
    expect(right / served).toBeLessThan(0.3);
  });

  test('uses the real draw: questions spread across lessons, each quiz the course\'s length', () => {
    const course = load();
    const r = simulateTestWise(course, 400, 11);
    const perLesson = new Map<string, number>();
    for (const q of course.questions) perLesson.set(q.lesson, (perLesson.get(q.lesson) ?? 0) + r.items.get(q.id)!.served);
    // Twelve questions over four lessons of four: three from each lesson in every quiz.
    expect([...perLesson.values()]).toEqual([1200, 1200, 1200, 1200]);
  });

  test('is deterministic for a seed and changes with the seed', () => {
    const course = load(buildBank({ keyRank: (n) => (n % 3 === 2 ? 3 : n % 2), keyOpening: 'Pause' }));
    const a = simulateTestWise(course, 300, 5);
    expect(simulateTestWise(course, 300, 5)).toEqual(a);
    expect([...simulateTestWise(course, 300, 6).items.values()]).not.toEqual([...a.items.values()]);
  });

  test('ticks every choice at or above the threshold on a multiple-answer item, graded all-or-nothing like the app', () => {
    const rng = seededRng(1);
    const gameable = question('multiple', [['Lower your voice in the hall', true], ['Step aside from families first', true], ['Always use the staff room', false], ['Only use room numbers', false]]);
    expect(testWisePick(gameable, ['a', 'b', 'c', 'd'], rng).sort()).toEqual(['a', 'b']);
    expect(isRight(gameable, testWisePick(gameable, ['d', 'c', 'b', 'a'], rng))).toBe(true);
    const fair = question('multiple', [['Lower your voice', true], ['Step aside first', true], ['Talk in the lift', false], ['Use room numbers', false]]);
    expect(testWisePick(fair, ['a', 'b', 'c', 'd'], rng)).toHaveLength(4);
    expect(isRight(fair, testWisePick(fair, ['a', 'b', 'c', 'd'], rng))).toBe(false);
  });

  test('breaks ties at random on a single-answer item', () => {
    const rng = seededRng(2);
    const q = question('single', [[sized('Share', 'really', 'a', 40), true], [sized('Share', 'really', 'b', 40), false], [sized('Share', 'really', 'c', 40), false]]);
    const picks = new Set<string>();
    for (let i = 0; i < 60; i += 1) picks.add(testWisePick(q, ['a', 'b', 'c'], rng)[0]!);
    expect([...picks].sort()).toEqual(['a', 'b', 'c']);
  });
});
