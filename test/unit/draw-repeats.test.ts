import { drawQuestions, repeatLimit, type Rng } from '../../server/learning/draw';
import type { QuizQuestion } from '../../server/content/catalogue';

// Retakes (issue 15): the next attempt repeats at most a quarter of the learner's last attempt,
// whenever the bank holds enough other questions, and still asks about every lesson.

const q = (id: string, lesson: string): QuizQuestion => ({
  id, lesson, type: 'single', prompt: id, explanationHtml: '', conceptHtml: '', scene: '', reference: '',
  choices: [{ id: 'a', text: 'A', correct: true }, { id: 'b', text: 'B', correct: false }],
});

/** mulberry32: a small seeded generator with good low bits, so every case is repeatable. */
function seeded(seed: number): Rng {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const bankOf = (sizes: Record<string, number>) => Object.entries(sizes).flatMap(([l, n]) => Array.from({ length: n }, (_, i) => q(`${l}${i + 1}`, l)));
const lessonOf = (id: string) => id.replace(/\d+$/, '');

describe('drawing a retake', () => {
  test('the repeat limit is a quarter, rounded down', () => {
    expect([1, 3, 4, 7, 8, 12, 13, 20].map(repeatLimit)).toEqual([0, 0, 1, 1, 2, 3, 3, 5]);
  });

  test('over many seeded banks and retakes: repeats stay within a quarter whenever the bank allows, lessons stay covered and evenly spread', () => {
    let limited = 0;
    let tight = 0;
    for (let seed = 1; seed <= 400; seed += 1) {
      const rng = seeded(seed);
      const lessons = Array.from({ length: 1 + rng(9) }, (_, i) => `l${String.fromCharCode(97 + i)}`);
      const sizes = Object.fromEntries(lessons.map((l) => [l, rng(13)]));
      const bank = bankOf(sizes);
      const count = 1 + rng(24);
      let previous: string[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const served = drawQuestions(bank, lessons, count, rng, previous).map((s) => s.question);
        const n = Math.min(count, bank.length);
        expect(served).toHaveLength(n);
        expect(new Set(served).size).toBe(n);

        const last = new Set(previous);
        const fresh = bank.filter((x) => !last.has(x.id));
        const repeats = served.filter((id) => last.has(id)).length;
        const limit = repeatLimit(count);
        // Within the limit whenever the bank holds enough new questions; otherwise only as many as it lacks.
        expect(repeats).toBeLessThanOrEqual(Math.max(limit, n - fresh.length));
        if (fresh.length >= n - limit) limited += 1;
        if (previous.length && fresh.length >= n - limit && bank.length < 2 * n) tight += 1;

        const asked = lessons.filter((l) => sizes[l]! > 0);
        const per = (l: string) => served.filter((id) => lessonOf(id) === l).length;
        const freshIn = (l: string) => fresh.filter((x) => x.lesson === l).length;
        if (count >= asked.length) {
          // Every lesson with a new question is asked about; lessons with none get a repeat while the limit allows.
          for (const l of asked) if (freshIn(l) > 0) expect(per(l)).toBeGreaterThan(0);
          if (asked.filter((l) => freshIn(l) === 0).length <= limit) for (const l of asked) expect(per(l)).toBeGreaterThan(0);
        }
        // A lesson that still had unused new questions got its even share: at most one fewer than any lesson.
        const most = Math.max(...asked.map(per), 0);
        for (const l of asked) {
          const usedFresh = served.filter((id) => lessonOf(id) === l && !last.has(id)).length;
          if (usedFresh < freshIn(l)) expect(per(l)).toBeGreaterThanOrEqual(most - 1);
        }
        previous = served;
      }
    }
    // The cases above really exercised the limit, including banks where a draw ignoring the last attempt would repeat too much.
    expect(limited).toBeGreaterThan(800);
    expect(tight).toBeGreaterThan(40);
  });

  test('a draw that ignored the last attempt would break the limit on these banks (the property can fail)', () => {
    let over = 0;
    for (let seed = 1; seed <= 50; seed += 1) {
      const bank = bankOf({ a: 10, b: 10 });
      const first = drawQuestions(bank, ['a', 'b'], 8, seeded(seed)).map((s) => s.question);
      const blind = drawQuestions(bank, ['a', 'b'], 8, seeded(seed + 1000)).map((s) => s.question);
      const aware = drawQuestions(bank, ['a', 'b'], 8, seeded(seed + 1000), first).map((s) => s.question);
      if (blind.filter((id) => first.includes(id)).length > 2) over += 1;
      expect(aware.filter((id) => first.includes(id))).toEqual([]);
    }
    expect(over).toBeGreaterThan(25);
  });

  test('a lesson short of new questions gives its share to new questions of the other lessons, not to repeats', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const bank = bankOf({ a: 4, b: 10 });
      const served = drawQuestions(bank, ['a', 'b'], 8, seeded(seed), ['a1', 'a2', 'a3', 'b1']).map((s) => s.question);
      expect(served.filter((id) => lessonOf(id) === 'a')).toEqual(['a4']);
      expect(served.filter((id) => ['a1', 'a2', 'a3', 'b1'].includes(id))).toEqual([]);
    }
  });

  test('a lesson with no new question left is still asked about, with one repeat from the quarter', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const bank = bankOf({ a: 3, b: 12 });
      const previous = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'b4', 'b5'];
      const served = drawQuestions(bank, ['a', 'b'], 8, seeded(seed), previous).map((s) => s.question);
      expect(served.filter((id) => lessonOf(id) === 'a')).toHaveLength(1);
      expect(served.filter((id) => previous.includes(id))).toHaveLength(1);
    }
  });

  test('when the bank cannot supply enough new questions, repeats fill the quiz to its full length', () => {
    const bank = bankOf({ a: 5, b: 5 });
    const previous = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4'];
    const served = drawQuestions(bank, ['a', 'b'], 8, seeded(7), previous).map((s) => s.question);
    expect(served).toHaveLength(8);
    expect(served).toEqual(expect.arrayContaining(['a5', 'b5']));
    expect(served.filter((id) => previous.includes(id))).toHaveLength(6);
  });

  test('question ids of the last attempt that the bank no longer holds are ignored', () => {
    const bank = bankOf({ a: 4, b: 4 });
    const served = drawQuestions(bank, ['a', 'b'], 4, seeded(3), ['gone1', 'gone2', 'a1']).map((s) => s.question);
    expect(served).toHaveLength(4);
    expect(served).not.toContain('a1');
  });
});
