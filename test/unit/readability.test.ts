import { markersIn } from '../../server/content/markers';
import { countText, gradeOf, lessonReading, plainText } from '../../server/content/readability';
import { renderMarkdown } from '../../server/content/markdown';
import type { Lesson } from '../../server/content/catalogue';

describe('marker words', () => {
  test('match whole words in any case, phrases across spaces or a hyphen, in list order', () => {
    expect(markersIn('ALL staff, because it is required')).toEqual(['because', 'all']);
    expect(markersIn('Tell no-one, as  long as it is fine')).toEqual(['as long as', 'no one']);
    expect(markersIn("Anyone's chart")).toEqual(['anyone']);
    expect(markersIn('Everyone in the alliance, justly and anyway')).toEqual([]);
  });
});

describe('reading level', () => {
  test('strips Markdown to text, each block a sentence, entities decoded', () => {
    const html = renderMarkdown('# Before you post\n\nAsk **two** things:\n\n- Is the *patient* named\n- Could a friend tell who it is?\n\nR&D <b>notes</b>.');
    expect(plainText(html)).toBe('Before you post.\nAsk two things.\nIs the patient named.\nCould a friend tell who it is?\nR&D <b>notes</b>.');
  });

  test('counts sentences, words and syllables as the Flesch-Kincaid formula needs them', () => {
    const c = countText('The cat sat on the mat. Dr. Lee saw it, e.g. at 9.30 on Feb. 3!');
    expect(c).toEqual({ sentence: 2, word: 15, syllable: 15 });
    expect(gradeOf(c)).toBeCloseTo(0.39 * (15 / 2) + 11.8 * (15 / 15) - 15.59, 6);
    expect(gradeOf({ sentence: 0, word: 0, syllable: 0 })).toBe(0);
  });

  test('grades a lesson over intro, narratives and every feedback, naming its hardest part first', () => {
    const easy = renderMarkdown('Keep it to yourself. Do not post it.');
    const hard = renderMarkdown('Organisational confidentiality obligations necessitate comprehensive institutional accountability mechanisms.');
    const lesson = {
      id: 'l', title: 'L', minutes: 5, objectives: ['o'], objectiveIds: ['o'], cast: [], takeaways: ['t'], introHtml: easy,
      scenes: [
        { id: 's1', kind: 'choice', objectives: [], prompt: 'p', narrativeHtml: easy, choices: [{ id: 'a', text: 't', outcome: 'best', reference: 'r', next: 'end', feedbackHtml: hard }] },
        { id: 's2', kind: 'spot-phi', objectives: [], prompt: 'p', narrativeHtml: easy, choices: [],
          spot: { parts: [{ text: 'x' }, { phrase: { id: 'n', text: 'Ann', identifies: true, reason: 'name', feedbackHtml: easy } }], feedbackHtml: easy, reference: 'r', next: 'end' } },
      ],
    } satisfies Lesson;
    const r = lessonReading(lesson);
    // Hardest first; the intro and s2 read the same, so they keep their reading order.
    expect(r.parts.map((p) => p.part)).toEqual(['s1', 'intro', 's2']);
    // intro 2 sentences, s1 narrative 2 + feedback 1, s2 narrative 2 + spot feedback 2 + phrase feedback 2.
    expect(r.counts.sentence).toBe(11);
    expect(r.grade).toBeCloseTo(gradeOf(r.counts), 6);
    expect(r.parts[0]!.grade).toBeGreaterThan(r.parts[2]!.grade);
  });
});
