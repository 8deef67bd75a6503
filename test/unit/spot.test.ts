import { RuleError } from '../../server/errors';
import type { SpotTask } from '../../server/content/catalogue';
import { checkMarks, phrasesOf, REASON_WORDS, reviewMarks, storedMarks } from '../../server/learning/spot';
import { IDENTIFIER_KINDS } from '../../server/content/schema';

const task: SpotTask = {
  parts: [
    { text: 'Shift with ' },
    { phrase: { id: 'team', text: 'the team', identifies: false, feedbackHtml: '<p>t</p>' } },
    { text: ', and ' },
    { phrase: { id: 'name', text: 'Mo in bed 4', identifies: true, reason: 'name', feedbackHtml: '<p>n</p>' } },
    { phrase: { id: 'bg', text: 'the whiteboard', identifies: true, reason: 'photo-background', feedbackHtml: '<p>b</p>' } },
  ],
  feedbackHtml: '<p>ok</p>', reference: 'x', next: 'end',
};

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof RuleError && e.code === 'invalid') return e.message;
    throw e;
  }
  return 'accepted';
};

describe('spot-the-PHI grading', () => {
  test('all right only when exactly the identifying phrases are marked; each phrase judged on its own', () => {
    expect(phrasesOf(task).map((p) => p.id)).toEqual(['team', 'name', 'bg']);
    expect(reviewMarks(task, ['name', 'bg'])).toMatchObject({ allRight: true, wrong: 0 });
    expect(reviewMarks(task, ['bg', 'name']).allRight).toBe(true);
    // Over-marking is wrong too: the learner must mark only what identifies.
    const over = reviewMarks(task, ['team', 'name', 'bg']);
    expect(over.results.map((r) => [r.phrase.id, r.marked, r.right])).toEqual([['team', true, false], ['name', true, true], ['bg', true, true]]);
    expect(over).toMatchObject({ allRight: false, wrong: 1 });
    const under = reviewMarks(task, ['name']);
    expect(under.results.map((r) => r.right)).toEqual([true, true, false]);
    expect(reviewMarks(task, []).wrong).toBe(2);
    expect(under.results.map((r) => r.reasonWords)).toEqual([undefined, REASON_WORDS.name, REASON_WORDS['photo-background']]);
    expect(under.results.map((r) => r.says)).toEqual([
      'You left it unticked; it does not identify the patient.', `You ticked it; it identifies the patient: ${REASON_WORDS.name}.`,
      `You left it unticked; it identifies the patient: ${REASON_WORDS['photo-background']}.`,
    ]);
    expect(under.headline).toBe('Not yet: 1 of 3 phrases is marked wrong');
    expect(over.headline).toBe('Not yet: 1 of 3 phrases is marked wrong');
    expect(reviewMarks(task, []).headline).toBe('Not yet: 2 of 3 phrases are marked wrong');
    expect(reviewMarks(task, ['name', 'bg']).headline).toBe('Every phrase marked right');
  });

  test('every reason the format allows has words', () => {
    for (const k of IDENTIFIER_KINDS) expect(REASON_WORDS[k]).toMatch(/^\p{L}/u);
  });

  test('marks must be phrases of this draft, each once', () => {
    expect(refusal(() => checkMarks(task, ['name', 'bg']))).toBe('accepted');
    expect(refusal(() => checkMarks(task, ['name', 'other']))).toMatch(/not in this draft/);
    expect(refusal(() => checkMarks(task, ['__proto__']))).toMatch(/not in this draft/);
    expect(refusal(() => checkMarks(task, ['name', 'name']))).toMatch(/more than once/);
  });

  test('stored marks are read back, and anything unreadable counts as none', () => {
    expect(storedMarks('["a","b"]')).toEqual(['a', 'b']);
    expect(storedMarks('[]')).toEqual([]);
    expect(storedMarks(null)).toBeNull();
    expect(storedMarks('{"a":1}')).toBeNull();
    expect(storedMarks('[1]')).toBeNull();
    expect(storedMarks('not json')).toBeNull();
  });
});
