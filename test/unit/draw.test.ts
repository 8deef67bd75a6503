import { cryptoRng, drawQuestions, shuffle } from '../../server/learning/draw';
import type { QuizQuestion } from '../../server/content/catalogue';

const q = (id: string, lesson: string): QuizQuestion => ({
  id, lesson, type: 'single', prompt: id, explanationHtml: '', conceptHtml: '', scene: '', reference: '',
  choices: [{ id: 'a', text: 'A', correct: true }, { id: 'b', text: 'B', correct: false }, { id: 'c', text: 'C', correct: false }],
});

// A seeded generator so each case is repeatable.
function seeded(seed: number) {
  let s = seed >>> 0;
  return (n: number) => { s = (s * 1664525 + 1013904223) >>> 0; return s % n; };
}

describe('drawing quiz questions', () => {
  const bank = [...['a1', 'a2', 'a3'].map((id) => q(id, 'a')), ...['b1', 'b2'].map((id) => q(id, 'b')), ...['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id) => q(id, 'c'))];

  test.each([1, 2, 3, 42, 1234])('spreads the draw across lessons as evenly as the bank allows (seed %i)', (seed) => {
    const served = drawQuestions(bank, ['a', 'b', 'c'], 7, seeded(seed));
    expect(served).toHaveLength(7);
    expect(new Set(served.map((s) => s.question)).size).toBe(7);
    const count = (l: string) => served.filter((s) => s.question.startsWith(l)).length;
    // b has only two questions; a and c share the rest evenly.
    expect(count('b')).toBe(2);
    expect(Math.abs(count('a') - count('c'))).toBeLessThanOrEqual(1);
  });

  test('shuffles question order and choice order, keeping every choice', () => {
    const orders = new Set<string>();
    const choiceOrders = new Set<string>();
    for (let seed = 1; seed <= 30; seed += 1) {
      const served = drawQuestions(bank, ['a', 'b', 'c'], 11, seeded(seed));
      orders.add(served.map((s) => s.question).join());
      for (const s of served) { expect([...s.choices].sort()).toEqual(['a', 'b', 'c']); choiceOrders.add(s.choices.join()); }
    }
    expect(orders.size).toBeGreaterThan(20);
    expect(choiceOrders.size).toBe(6);
  });

  test('asks for no more than the bank holds', () => {
    expect(drawQuestions(bank, ['a', 'b', 'c'], 50, seeded(9))).toHaveLength(bank.length);
  });

  test('shuffle is a permutation, and every order of three comes up about equally often', () => {
    expect(shuffle([1, 2, 3, 4, 5], seeded(3)).sort()).toEqual([1, 2, 3, 4, 5]);
    const seen = new Map<string, number>();
    for (let i = 0; i < 600; i += 1) {
      const order = shuffle([1, 2, 3], cryptoRng).join('');
      seen.set(order, (seen.get(order) ?? 0) + 1);
    }
    // An identity (or any badly biased) shuffle fails here: all six orders, each near 100 of 600
    // (below 60 is over four standard deviations off).
    expect([...seen.keys()].sort()).toEqual(['123', '132', '213', '231', '312', '321']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(60);
  });
});
