import { loadCatalogue } from '../../server/content/loader';
import type { Course } from '../../server/content/catalogue';
import type { QuizAttempt } from '../../server/db/schema';
import { attemptReview } from '../../server/learning/review';
import { FIXTURE_CONTENT } from '../helpers/content';

// What a result page is handed: for a failed attempt, data that cannot hold the key (so no view change
// can show it by accident); for a passed one, everything.

const base: Course = loadCatalogue(FIXTURE_CONTENT).get('mini')!;
// The fixture's first question with a concept and a teaching scene; the second with neither.
const course: Course = {
  ...base,
  questions: base.questions.map((q, i) => (i === 0 ? { ...q, conceptHtml: '<p>Who can overhear you.</p>', scene: 'middle' } : q)),
};

function attemptOf(passed: boolean, answers: Record<string, string[]>): QuizAttempt {
  const served = course.questions.slice(0, 4).map((q) => ({ question: q.id, choices: q.choices.map((c) => c.id).reverse() }));
  return {
    id: 1, user_id: 1, course_id: course.id, cycle: '2026', content_hash: course.contentHash, served: JSON.stringify(served),
    started_at: '2026-03-01T10:00:00.000Z', submitted_at: '2026-03-01T10:05:00.000Z', answers: JSON.stringify(answers),
    correct_count: 0, question_count: 4, score: 0, passed: passed ? 1 : 0,
  };
}

const wrongAnswers = Object.fromEntries(course.questions.slice(0, 4).map((q) => [q.id, [q.choices.find((c) => !c.correct)!.id]]));
const rightAnswers = Object.fromEntries(course.questions.slice(0, 4).map((q) => [q.id, q.choices.filter((c) => c.correct).map((c) => c.id)]));

describe('the review of a graded attempt', () => {
  test('failed: the wrong questions with concept or lesson and scene, and nothing that holds a choice, the key or the explanation', () => {
    const review = attemptReview(course, attemptOf(false, { ...wrongAnswers, [course.questions[2]!.id]: rightAnswers[course.questions[2]!.id]! }));
    expect(review.passed).toBe(false);
    if (review.passed) return;
    expect(review.missed.map((m) => m.prompt)).toEqual([0, 1, 3].map((i) => course.questions[i]!.prompt));
    expect(review.missed[0]).toEqual({
      prompt: course.questions[0]!.prompt, conceptHtml: '<p>Who can overhear you.</p>',
      lesson: { id: 'one', number: 1, title: 'Lesson one' }, scene: { number: 3, prompt: 'How do you talk?' },
    });
    expect(review.missed[1]).toEqual({ prompt: course.questions[1]!.prompt, conceptHtml: '', lesson: { id: 'one', number: 1, title: 'Lesson one' } });
    const data = JSON.stringify(review);
    for (const q of course.questions) {
      for (const c of q.choices) expect(data).not.toContain(JSON.stringify(c.text));
      expect(data).not.toContain(q.explanationHtml);
    }
    expect(data).not.toMatch(/"(correct|chosen|right|choices|explanationHtml)"/);
  });

  test('passed: every question, in the order served, with choices as shown, the right ones, the learner\'s and the explanation', () => {
    const answers = { ...rightAnswers, [course.questions[1]!.id]: wrongAnswers[course.questions[1]!.id]! };
    const review = attemptReview(course, attemptOf(true, answers));
    expect(review.passed).toBe(true);
    if (!review.passed) return;
    expect(review.questions.map((r) => r.right)).toEqual([true, false, true, true]);
    review.questions.forEach((r, i) => {
      const q = course.questions[i]!;
      expect(r.explanationHtml).toBe(q.explanationHtml);
      expect(r.choices).toEqual([...q.choices].reverse().map((c) => ({ text: c.text, correct: c.correct, chosen: answers[q.id]!.includes(c.id) })));
    });
  });
});
